/**
 * The introspection-result cache on Redis: `GET` and `SET ... PX`, so a token introspected by one
 * instance is not introspected again by the others while its result is fresh.
 *
 * @module
 */
import type { IntrospectionResultCache } from '@scopeguard/core'
import { commandsOf, type RedisClient } from './client.js'
import { checkPrefix } from './keys.js'
import { checkTimeout, REQUEST_TIMEOUT_MS } from './options.js'

/** Options of {@link createRedisIntrospectionCache}. */
export interface RedisIntrospectionCacheOptions {
  /** A connected client the app built (see {@link RedisClient}). Required. */
  client: RedisClient
  /** Prefix of every key. Default: `scopeguard:` (keys are `<prefix>introspection:<key>`). */
  prefix?: string
  /**
   * Longest wait for Redis on the request path, in milliseconds. Default: 250. A `get` that
   * takes longer rejects (the verifier then introspects or answers 503, as it decides).
   */
  commandTimeout?: number
}

/**
 * Creates an {@link IntrospectionResultCache} shared by every process that uses the same Redis
 * and prefix. Keys are the verifier's SHA-256 of the token, never the token.
 *
 * @throws `ConfigurationError` for an unsupported client or invalid options.
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const cache = createRedisIntrospectionCache({ client: new Redis(process.env.REDIS_URL) })
 * await cache.set('sha256-of-token', '{"active":true}', 60_000)
 * await cache.get('sha256-of-token') // '{"active":true}'
 * ```
 */
export function createRedisIntrospectionCache(
  options: RedisIntrospectionCacheOptions,
): IntrospectionResultCache {
  const commands = commandsOf(options.client)
  const prefix = `${checkPrefix(options.prefix)}introspection:`
  const timeout = checkTimeout(options.commandTimeout, REQUEST_TIMEOUT_MS)
  return {
    async get(key) {
      const value = await commands.send(['GET', prefix + key], timeout)
      return typeof value === 'string' ? value : undefined
    },
    async set(key, value, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs))
      await commands.send(['SET', prefix + key, value, 'PX', String(ttl)], timeout)
    },
  }
}
