/** The Deno entry point: `deno run --allow-net deno-server.js '<config JSON>'`; prints `{"port":N}`. */
import { createRuntimeApp, type RuntimeAppConfig } from './app.js'

declare const Deno: {
  args: string[]
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown
}

const config = JSON.parse(Deno.args[0] as string) as RuntimeAppConfig
const app = createRuntimeApp(config)
Deno.serve(
  {
    hostname: '127.0.0.1',
    port: 0,
    onListen: ({ port }) => console.log(JSON.stringify({ port })),
  },
  app.fetch,
)
