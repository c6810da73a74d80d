import type { Server } from 'node:http'
import type { Server as TlsServer } from 'node:https'
import { listenLoopback } from '../../support/loopback.js'
import type { HandlerProbe, RunningApp } from '../app-spec.js'

/**
 * Serves `server` (`node:http` or `node:https`) on 127.0.0.1, port 0; closing it ends every open
 * connection.
 *
 * @example
 * ```ts
 * return listen(createServer(app), probe)
 * ```
 */
export async function listen(server: Server | TlsServer, probe: HandlerProbe): Promise<RunningApp> {
  const { url, close } = await listenLoopback(server)
  return { url, runs: () => probe.runs, lastAnswer: () => probe.last, close }
}
