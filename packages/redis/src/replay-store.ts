/**
 * The DPoP replay store on Redis: one atomic `SET key 1 NX PX ttl` per proof, so of two instances
 * that receive one proof at the same instant exactly one claims it.
 *
 * @module
 */
import type { ReplayStore } from '@scopeguard/core'
import { commandsOf, type RedisClient } from './client.js'
import { checkPrefix } from './keys.js'
import { checkTimeout, REQUEST_TIMEOUT_MS } from './options.js'

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** A connected client the app built (see {@link RedisClient}). Required. */
  client: RedisClient
  /** Prefix of every key. Default: `scopeguard:` (keys are `<prefix>replay:<key>`). */
  prefix?: string
  /**
   * Longest wait for Redis on the request path, in milliseconds. Default: 250. A claim that takes
   * longer rejects, and the verifier answers 503 rather than let a possible replay through.
   */
  commandTimeout?: number
}

/**
 * Creates a {@link ReplayStore} shared by every process that uses the same Redis and prefix.
 *
 * @throws `ConfigurationError` for an unsupported client or invalid options.
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const replay = createRedisReplayStore({ client })
 * await replay.claim('proof-jti-hash', 60_000) // true once, false for every later claim
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): ReplayStore {
  const commands = commandsOf(options.client)
  const prefix = `${checkPrefix(options.prefix)}replay:`
  const timeout = checkTimeout(options.commandTimeout, REQUEST_TIMEOUT_MS)
  return {
    async claim(key, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs))
      const reply = await commands.send(
        ['SET', prefix + key, '1', 'NX', 'PX', String(ttl)],
        timeout,
      )
      return reply === 'OK'
    },
  }
}
