/**
 * The verified-token cache: a client reuses its token for the token's lifetime, so a verified
 * token is remembered. An entry is found by the token's last characters (part of its signature:
 * a short, random key is cheap to hash) and served only when the whole token is equal. An entry
 * serves while its signing key is still in the issuer's key set; the verifier checks the times
 * again on every hit. Bounded in entries, so in memory too (tokens are at most `maxTokenLength`).
 * Once full, it admits a new token on its second verification only (see `refused`).
 *
 * @module
 */
import type { AuthInfo } from './auth-info.js'
import type { JwksCache, KeyEntry } from './jwks-cache.js'
import { tokenKey } from './token-key.js'

/** FNV-1a of a map key, cut to 30 bits (a small integer: no allocation in a Set). */
function hashOf(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  return hash & 0x3fffffff
}

interface Entry {
  token: string
  /** The value of the cache's `clock` when the entry last moved to the young end. */
  stamp: number
  auth: AuthInfo
  cache: JwksCache
  key: KeyEntry
  generation: number
}

/**
 * An LRU of verified tokens, approximate in one way: a hit moves its entry to the young end only
 * when the entry is more than `maxEntries / 4` moves old, so a hit on a busy client's token writes
 * nothing, and a token used lately still outlives the next `3/4 maxEntries` insertions.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>()
  /**
   * Admission once full: hashes of the tokens refused entry since the last reset. A cached entry
   * lives through many young-generation collections, so V8 copies and promotes it (about 2 kB per
   * token); with more distinct tokens than entries, every verification paid that and evicted an
   * entry that was never hit again (+20 us of CPU per distinct token, measured). Once the cache is
   * full, a token is admitted on its second verification only, so a stream of one-off tokens leaves
   * the cache alone. Numbers, not strings: a slice of the token would keep the whole token alive.
   */
  private readonly refused = new Set<number>()
  /** Counts insertions and moves. */
  private clock = 0
  /**
   * Finds the least recently used entry. Maps iterate in insertion order and a move re-inserts,
   * so the first live key is the oldest. A fresh `keys()` iterator would walk past every key
   * already deleted at the front; this one lives on (Map iterators survive deletions and
   * insertions), and only passes keys it returned, which are then deleted, so it is never
   * exhausted while the cache is full (the eviction-order property test holds it to that).
   */
  private oldest: MapIterator<string> = this.entries.keys()

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size
  }

  /**
   * The remembered verification of `token`, if its signing key is still in the key set. Starts a
   * background refresh of a key set that is due, so the keys stay current even when every request
   * hits this cache.
   */
  get(token: string): AuthInfo | undefined {
    const key = tokenKey(token)
    const entry = this.entries.get(key)
    if (entry === undefined || entry.token !== token) return undefined
    if (entry.generation !== entry.cache.generation) {
      if (!entry.cache.holds(entry.key)) {
        this.entries.delete(key)
        return undefined
      }
      entry.generation = entry.cache.generation
    }
    entry.cache.refreshIfDue()
    if (this.clock - entry.stamp > this.maxEntries >>> 2) {
      entry.stamp = ++this.clock
      this.entries.delete(key)
      this.entries.set(key, entry)
    }
    return entry.auth
  }

  /** Forgets one token (its times no longer hold). */
  delete(token: string): void {
    const key = tokenKey(token)
    if (this.entries.get(key)?.token === token) this.entries.delete(key)
  }

  /** Remembers a verified token; once the cache is full, only one refused entry before. */
  set(token: string, auth: AuthInfo, cache: JwksCache, key: KeyEntry): void {
    if (this.maxEntries === 0) return
    const mapKey = tokenKey(token)
    // A token ending like a remembered one (vanishingly rare for real signatures) takes its place.
    this.entries.delete(mapKey)
    if (this.entries.size >= this.maxEntries) {
      const hash = hashOf(mapKey)
      if (!this.refused.delete(hash)) {
        // Bounded like the cache: forgetting every refusal at once costs one more verification
        // for the tokens that were about to be admitted, and nothing else.
        if (this.refused.size >= this.maxEntries) this.refused.clear()
        this.refused.add(hash)
        return
      }
      this.entries.delete(this.oldest.next().value as string)
    }
    const generation = cache.generation
    this.entries.set(mapKey, { token, stamp: ++this.clock, auth, cache, key, generation })
  }
}
