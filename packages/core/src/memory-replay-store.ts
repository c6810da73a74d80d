/**
 * The default DPoP replay store: one process's memory, bounded. Enough for a single instance; a
 * fleet needs a shared store (`@scopeguard/redis`), else a proof refused here is accepted by the
 * next instance.
 *
 * @module
 */
import type { ReplayStore } from './stores.js'

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most proofs remembered at once. When every slot holds an unexpired proof, `claim` throws and
   * the verifier answers 503 (never lets a possible replay through). Each entry is ~150 bytes.
   * Default: 100000.
   */
  maxEntries?: number
}

/** A bounded in-memory {@link ReplayStore}. */
export interface MemoryReplayStore extends ReplayStore {
  /** Proofs currently remembered. */
  readonly size: number
}

/**
 * Creates the in-memory replay store. Claims are synchronous, so two concurrent requests with one
 * proof cannot both pass.
 *
 * @throws TypeError for a `maxEntries` that is not a positive integer.
 * @example
 * ```ts
 * createVerifier({ ...options, dpop: { replayStore: createMemoryReplayStore({ maxEntries: 50_000 }) } })
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  const maxEntries = options.maxEntries ?? 100_000
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('scopeguard: replay store "maxEntries" must be a positive integer')
  }
  // Insertion order is close to expiry order (every proof lives about one window), so expired
  // entries are swept from the front; a full store is swept whole before it refuses.
  const expiries = new Map<string, number>()
  // The expiry of the entry at the front, known since the last sweep (0: look again). Until then a
  // claim skips the sweep: most claims find the front unexpired, and walking to it allocates.
  let frontExpiry = 0

  function sweep(now: number, whole: boolean): void {
    frontExpiry = 0
    for (const [key, expiry] of expiries) {
      if (expiry > now) {
        if (frontExpiry === 0) frontExpiry = expiry
        if (!whole) return
        continue
      }
      expiries.delete(key)
    }
  }

  return {
    claim(key, ttlMs) {
      const now = Date.now()
      if (now >= frontExpiry) sweep(now, false)
      const expiry = expiries.get(key)
      if (expiry !== undefined && expiry > now) return false
      if (expiries.size >= maxEntries) {
        sweep(now, true)
        if (expiries.size >= maxEntries) throw new RangeError('scopeguard: replay store is full')
      }
      // An expired entry of this key moves to the back: if it was the front, look again.
      if (expiries.delete(key)) frontExpiry = 0
      expiries.set(key, now + ttlMs)
      return true
    },
    get size() {
      return expiries.size
    },
  }
}
