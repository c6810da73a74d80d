/**
 * The adapter layer: one small command interface over the clients an app may hand us (the
 * official `redis` client, v5 or v6, `createClient()` or `createCluster()`; ioredis `Redis` or
 * `Cluster`). It detects which one it got, sends raw commands with a time limit, and subscribes
 * to one channel. It never opens a connection of its own choosing: pub/sub uses the subscriber
 * the app passes, else the client's own `duplicate()` (same server, options, credentials and
 * TLS), or a node-redis cluster's own pub/sub connection.
 *
 * @module
 */
import { ConfigurationError } from '@scopeguard/core'

/**
 * A Redis client built and connected by the app: `createClient()` / `createCluster()` of the
 * `redis` package (v5 or v6), or an ioredis `Redis` / `Cluster`. Typed by shape, so the package
 * does not depend on either library.
 */
export type RedisClient = NodeRedisClient | NodeRedisCluster | IORedisClient

/** The `redis` package's client (`createClient()`), by shape. */
export interface NodeRedisClient {
  sendCommand: (...args: never[]) => Promise<unknown>
  duplicate: (...args: never[]) => unknown
}

/** The `redis` package's cluster client (`createCluster()`), by shape. */
export interface NodeRedisCluster {
  sendCommand: (...args: never[]) => Promise<unknown>
  readonly masters: unknown
}

/** An ioredis `Redis` or `Cluster`, by shape. */
export interface IORedisClient {
  call: (...args: never[]) => Promise<unknown>
  duplicate: (...args: never[]) => unknown
  readonly isCluster: boolean
}

/** Which client the adapter detected. */
export type ClientKind = 'node-redis' | 'node-redis-cluster' | 'ioredis' | 'ioredis-cluster'

/** A subscription; `close` ends it (and the connection it opened through `duplicate()`). */
export interface Subscription {
  close(): Promise<void>
}

/** What the stores need of a client. */
export interface Commands {
  readonly kind: ClientKind
  /** Sends one command; rejects after `timeoutMs` (the command itself may still complete). */
  send(args: readonly string[], timeoutMs: number): Promise<unknown>
  /** Subscribes to `channel`; `onMessage` gets each message, `onError` each connection error. */
  subscribe(
    channel: string,
    onMessage: (message: string) => void,
    onError: (error: unknown) => void,
    subscriber?: RedisClient,
  ): Promise<Subscription>
}

/** A Redis command that did not answer within its time limit. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError'
  constructor(timeoutMs: number) {
    super(`scopeguard: Redis did not answer within ${timeoutMs} ms`)
  }
}

/** The promise, or a rejection after `timeoutMs`; a late rejection of the promise is absorbed. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeoutError(timeoutMs)), timeoutMs)
  })
  promise.catch(() => undefined)
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

type Listener = (...args: unknown[]) => void
interface Emitter {
  on(event: string, listener: Listener): unknown
}
interface NodeRedisConnection extends Emitter {
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<void>
  unsubscribe(channel: string, listener?: (message: string) => void): Promise<void>
  close(): Promise<void>
  destroy(): void
}
interface IORedisConnection extends Emitter {
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(): void
}

/**
 * The adapter for a client the app built.
 *
 * @throws {@link ConfigurationError} when `client` is none of the supported clients.
 */
export function commandsOf(client: RedisClient): Commands {
  const any = client as unknown as Record<string, unknown>
  if (typeof any.call === 'function' && typeof any.isCluster === 'boolean') {
    return ioredis(client as unknown as IORedisFull)
  }
  if (typeof any.sendCommand === 'function') {
    return 'masters' in any
      ? nodeRedisCluster(client as unknown as NodeRedisClusterFull)
      : nodeRedis(client as unknown as NodeRedisFull)
  }
  throw new ConfigurationError(
    '"client" must be a connected client of the redis package (createClient or createCluster) or an ioredis Redis or Cluster',
  )
}

interface NodeRedisFull {
  sendCommand(args: string[]): Promise<unknown>
  duplicate(): NodeRedisConnection
}
interface NodeRedisClusterFull extends NodeRedisConnection {
  sendCommand(firstKey: string | undefined, isReadonly: boolean, args: string[]): Promise<unknown>
}
interface IORedisFull {
  call(command: string, ...args: string[]): Promise<unknown>
  duplicate(): IORedisConnection
  isCluster: boolean
}

/** The first key of the commands the stores send (`SET`, `GET`, `EVAL`), for cluster routing. */
function firstKey(args: readonly string[]): string | undefined {
  return args[0] === 'EVAL' || args[0] === 'EVALSHA' ? args[3] : args[1]
}

function nodeRedis(client: NodeRedisFull): Commands {
  return {
    kind: 'node-redis',
    send: (args, timeoutMs) => withTimeout(client.sendCommand([...args]), timeoutMs),
    async subscribe(channel, onMessage, onError, subscriber) {
      const given = subscriber !== undefined
      const connection =
        (subscriber as unknown as NodeRedisConnection | undefined) ?? client.duplicate()
      connection.on('error', onError)
      try {
        if (!given) await connection.connect()
        await connection.subscribe(channel, onMessage)
      } catch (error) {
        // A duplicate that could not connect must not go on reconnecting on its own.
        if (!given) connection.destroy()
        throw error
      }
      return {
        async close() {
          if (given) await connection.unsubscribe(channel, onMessage)
          else await connection.close()
        },
      }
    },
  }
}

function nodeRedisCluster(cluster: NodeRedisClusterFull): Commands {
  return {
    kind: 'node-redis-cluster',
    send: (args, timeoutMs) =>
      withTimeout(cluster.sendCommand(firstKey(args), false, [...args]), timeoutMs),
    async subscribe(channel, onMessage, onError, subscriber) {
      // The cluster client keeps a pub/sub connection of its own, beside its command connections.
      const connection = (subscriber as unknown as NodeRedisConnection | undefined) ?? cluster
      connection.on('error', onError)
      await connection.subscribe(channel, onMessage)
      return { close: () => connection.unsubscribe(channel, onMessage) }
    },
  }
}

function ioredis(client: IORedisFull): Commands {
  return {
    kind: client.isCluster ? 'ioredis-cluster' : 'ioredis',
    send: ([command, ...rest], timeoutMs) =>
      withTimeout(client.call(command as string, ...rest), timeoutMs),
    async subscribe(channel, onMessage, onError, subscriber) {
      const given = subscriber !== undefined
      const connection =
        (subscriber as unknown as IORedisConnection | undefined) ?? client.duplicate()
      connection.on('error', onError)
      connection.on('message', (from, message) => {
        if (from === channel) onMessage(message as string)
      })
      await connection.subscribe(channel)
      return {
        async close() {
          if (given) await connection.unsubscribe(channel)
          else await connection.quit().catch(() => connection.disconnect())
        },
      }
    },
  }
}
