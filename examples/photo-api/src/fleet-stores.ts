/**
 * `REDIS_URL`: the state a fleet of photo APIs shares. The example builds one Redis client (the
 * app owns its connections) and, on it, the revocation source and the DPoP replay store: every
 * instance started with the same `REDIS_URL` refuses a token revoked through any of them (`npm run
 * revoke`), and a DPoP proof accepted by one instance is refused as a replay by all the others.
 *
 * @module
 */
import type { ReplayStore } from '@scopeguard/core'
import {
  createRedisReplayStore,
  createRedisRevocationSource,
  type RedisRevocationSource,
} from '@scopeguard/redis'
import { createClient } from 'redis'

/** The Redis-backed stores of a running instance. */
export interface FleetStores {
  /** The revocation source (the verifier's `revocation` option). */
  revocation: RedisRevocationSource
  /** Where DPoP proof ids are claimed (the verifier's `dpop.replayStore`). */
  replay: ReplayStore
  /** Stops the background sync and closes the connections. */
  close(): Promise<void>
}

/**
 * Connects to Redis and loads the revocation replica: the instance starts serving only once it
 * knows every revocation made before it started.
 *
 * @throws Error when Redis cannot be reached within `timeoutMs` (the example does not start).
 * @example
 * ```ts
 * const stores = await connectFleetStores('redis://127.0.0.1:6379')
 * createVerifier({ ...options, revocation: stores.revocation })
 * ```
 */
export async function connectFleetStores(url: string, timeoutMs = 10_000): Promise<FleetStores> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs } })
  // Connection errors are retried by the client; the revocation source reports outages itself.
  client.on('error', () => undefined)
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis at REDIS_URL did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  try {
    await Promise.race([client.connect(), deadline])
    const revocation = createRedisRevocationSource({ client })
    try {
      await Promise.race([revocation.ready, deadline])
    } catch (error) {
      await revocation.close()
      throw error
    }
    return {
      revocation,
      replay: createRedisReplayStore({ client }),
      async close() {
        await revocation.close()
        client.destroy()
      },
    }
  } catch (error) {
    client.destroy()
    throw error
  } finally {
    clearTimeout(timer)
  }
}
