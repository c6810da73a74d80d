/**
 * The two client libraries the package supports, built as an app builds them (short reconnect
 * delays so the fault tests run in seconds), with error listeners (a client without one crashes
 * the process on a connection error, as in any app).
 */
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import type { RedisClient } from '../src/index.js'

export interface TestClient {
  client: RedisClient
  /** Connection errors the client reported (a down Redis causes some; none must crash). */
  errors: unknown[]
  close(): Promise<void>
}

export type ClientFactory = (url: string) => Promise<TestClient>

const nodeRedis: ClientFactory = async (url) => {
  const errors: unknown[] = []
  const client = createClient({
    url,
    socket: { reconnectStrategy: () => 50, connectTimeout: 1000 },
  })
  client.on('error', (error: unknown) => errors.push(error))
  await client.connect()
  return { client, errors, close: () => Promise.resolve(client.destroy()) }
}

const ioredis: ClientFactory = async (url) => {
  const errors: unknown[] = []
  const client = new Redis(url, { retryStrategy: () => 50, lazyConnect: true })
  client.on('error', (error: unknown) => errors.push(error))
  await client.connect()
  return { client, errors, close: () => Promise.resolve(client.disconnect()) }
}

/** `[name, factory]` rows for `describe.each`. */
export const CLIENTS: [string, ClientFactory][] = [
  ['redis (node-redis)', nodeRedis],
  ['ioredis', ioredis],
]

/** Resolves once `condition()` is true, polling every 10 ms; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<number> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return Date.now() - start
}

/** Sends a raw command through either library (for checking what the stores wrote). */
export function raw(client: RedisClient, args: string[]): Promise<unknown> {
  const any = client as unknown as {
    call?: (...a: string[]) => Promise<unknown>
    sendCommand: (a: string[]) => Promise<unknown>
  }
  return any.call !== undefined ? any.call(...args) : any.sendCommand(args)
}
