/**
 * `@scopeguard/redis`: the core's fleet stores on Redis (or Valkey, or Redis Cluster), through a
 * client the app builds: the DPoP replay store, the revocation source with its local replica, and
 * the introspection-result cache.
 *
 * @packageDocumentation
 */
export { createRedisReplayStore } from './replay-store.js'
export type { RedisReplayStoreOptions } from './replay-store.js'
export { createRedisRevocationSource } from './revocation-source.js'
export type { RedisRevocationSource, RedisRevocationSourceOptions } from './revocation-source.js'
export { createRedisIntrospectionCache } from './introspection-cache.js'
export type { RedisIntrospectionCacheOptions } from './introspection-cache.js'
export { RedisTimeoutError } from './client.js'
export type {
  ClientKind,
  IORedisClient,
  NodeRedisClient,
  NodeRedisCluster,
  RedisClient,
} from './client.js'
export { DEFAULT_PREFIX } from './keys.js'
export { REQUEST_TIMEOUT_MS } from './options.js'
