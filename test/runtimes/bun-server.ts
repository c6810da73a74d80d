/** The Bun entry point: `bun run bun-server.js '<config JSON>'`; prints `{"port":N}` once listening. */
import { createRuntimeApp, type RuntimeAppConfig } from './app.js'

declare const Bun: {
  argv: string[]
  serve(options: {
    hostname: string
    port: number
    fetch: (request: Request) => Response | Promise<Response>
  }): { port: number }
}

const config = JSON.parse(Bun.argv.at(-1) as string) as RuntimeAppConfig
const app = createRuntimeApp(config)
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch })
console.log(JSON.stringify({ port: server.port }))
