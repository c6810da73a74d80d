/**
 * Real HTTP servers for tests: a Node request handler served on 127.0.0.1, port 0. The server is
 * closed when the test that started it finishes, passed or failed (Vitest's `onTestFinished` runs
 * in a `finally`), so a failing request never leaves a socket open; `close()` ends it sooner.
 */
import { createServer, type RequestListener, type Server } from 'node:http'
import { Server as TlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

/** A listening loopback server. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (`https:` for a `node:https` server) */
  url: string
  /** Stops it, ending open connections (a second call does nothing). */
  close(): Promise<void>
}

/**
 * Listens with `handler` (or an existing server) on 127.0.0.1, port 0.
 *
 * @example
 * ```ts
 * const { url, close } = await listenLoopback(server)
 * ```
 */
export async function listenLoopback(
  handler: RequestListener | Server | TlsServer,
): Promise<LoopbackServer> {
  const server = typeof handler === 'function' ? createServer(handler) : handler
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  let closed: Promise<void> | undefined
  return {
    url: `${server instanceof TlsServer ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })),
  }
}

/**
 * {@link listenLoopback} for the length of the calling test: closed when it finishes, whatever
 * the outcome. Call it inside a test.
 *
 * @example
 * ```ts
 * const { url } = await serveForTest(app)
 * ```
 */
export async function serveForTest(
  handler: RequestListener | Server | TlsServer,
): Promise<LoopbackServer> {
  const server = await listenLoopback(handler)
  onTestFinished(() => server.close())
  return server
}

/**
 * Closes `close` when the calling test finishes, whatever the outcome, and hands it back: for
 * servers a framework starts itself (Fastify, Nest, Hono's node server).
 *
 * @example
 * ```ts
 * const close = closeAfterTest(() => app.close())
 * ```
 */
export function closeAfterTest(close: () => Promise<void>): () => Promise<void> {
  let closed: Promise<void> | undefined
  const once = () => (closed ??= close())
  onTestFinished(once)
  return once
}
