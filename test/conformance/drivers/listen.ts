import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HandlerProbe, RunningApp } from '../app-spec.js'

/**
 * Serves `server` on 127.0.0.1, port 0; closing it ends every open connection.
 *
 * @example
 * ```ts
 * return listen(createServer(app), probe)
 * ```
 */
export async function listen(server: Server, probe: HandlerProbe): Promise<RunningApp> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    runs: () => probe.runs,
    lastAnswer: () => probe.last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
