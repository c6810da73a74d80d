/**
 * Serves a Node request handler (Express and Koa apps are both one) on a port, and closes it
 * without waiting for idle keep-alive connections.
 *
 * @module
 */
import { once } from 'node:events'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RunningServer } from './app-deps.js'

/**
 * Listens with `handler` on `port` (0 picks a free one) and `host`.
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await serveNodeHttp(app.callback(), { port: 3000, host: '127.0.0.1' })
 * ```
 */
export async function serveNodeHttp(
  handler: RequestListener,
  { port, host }: { port: number; host: string },
): Promise<RunningServer> {
  const server = createServer(handler)
  server.listen(port, host)
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
}
