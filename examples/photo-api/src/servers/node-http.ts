/**
 * Serves a Node request handler (Express, Koa and Hono on Node all give one) on a port, and closes it
 * without waiting for idle keep-alive connections.
 *
 * @module
 */
import { once } from 'node:events'
import { createServer, type RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { ListenOptions, RunningServer } from './app-deps.js'

/**
 * Listens with `handler` on `port` (0 picks a free one) and `host`, over HTTPS when `tls` is set.
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await serveNodeHttp(app.callback(), { port: 3000, host: '127.0.0.1' })
 * ```
 */
export async function serveNodeHttp(
  handler: RequestListener,
  { port, host, tls }: ListenOptions,
): Promise<RunningServer> {
  const server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler)
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
