/**
 * The verified-token cache: a client reuses its token for the token's lifetime, so a verified
 * token is remembered. An entry is found by the last characters of the token (part of its
 * signature: hashing a short string is what makes a hit cheap) and served only when the whole
 * token equals the one remembered, so no other token can hit an entry. Bounded
 * in entries (least recently used dropped first, approximately; tokens are at most `maxTokenLength` characters, so
 * memory is bounded too). An entry is served only while the token's times still hold (checked by
 * the verifier on every hit) and while its signing key is still in the issuer's key set: a hit on a
 * key set that is due for refresh starts that refresh in the background, so a key the issuer
 * withdraws stops serving cached tokens once the new key set arrives (its generation changes).
 *
 * @module
 */
import type { AuthInfo } from './auth-info.js'
import type { JwksCache, KeyEntry } from './jwks-cache.js'

/** Characters of the token's end that locate its entry (a signature's end is random). */
const KEY_LENGTH = 32

/** The map key of a token: its last {@link KEY_LENGTH} characters. */
function keyOf(token: string): string {
  return token.length > KEY_LENGTH ? token.slice(-KEY_LENGTH) : token
}

/** FNV-1a of a map key, cut to 30 bits (a small integer: no allocation in a Set). */
function hashOf(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  return hash & 0x3fffffff
}

interface Entry {
  token: string
  /** When the entry last moved to the young end of the LRU order (a count of moves). */
  stamp: number
  auth: AuthInfo
  cache: JwksCache
  key: KeyEntry
  generation: number
}

/**
 * An LRU of verified tokens, approximate in one way: a hit moves its entry to the young end only
 * when the entry is more than `maxEntries / 4` moves old, so a token used lately survives at least
 * the next `3/4 maxEntries` insertions (exact LRU for four entries or fewer). A hit needs the whole
 * token to be equal.
 *
 * @example
 * ```ts
 * const cache = new TokenCache(1000)
 * cache.set(token, auth, jwksCache, resolved.entry)
 * cache.get(token) // auth, while its key is still in the key set
 * ```
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
  /** Counts insertions and moves; an entry's `stamp` is this count when it last moved. */
  private clock = 0
  /** Where the least recently used entry is found (see {@link TokenCache.dropOldest}). */
  private oldest: MapIterator<string> = this.entries.keys()

  constructor(private readonly maxEntries: number) {}

  /** Number of remembered tokens. */
  get size(): number {
    return this.entries.size
  }

  /**
   * The remembered verification of `token`, if its signing key is still in the key set. Starts a
   * background refresh of a key set that is due.
   */
  get(token: string): AuthInfo | undefined {
    const key = keyOf(token)
    const entry = this.entries.get(key)
    if (entry === undefined || entry.token !== token) return undefined
    if (entry.generation !== entry.cache.generation) {
      if (!entry.cache.holds(entry.key)) {
        this.entries.delete(key)
        return undefined
      }
      entry.generation = entry.cache.generation
    }
    // Keep the key set current even when every request hits this cache; never fails a request.
    entry.cache.refreshIfDue()
    // Refresh its place in the LRU order, unless it moved there lately (within maxEntries/4
    // moves): it then still outlives at least 3/4 of maxEntries further insertions, and a hit on a
    // busy client's token writes nothing to the Map.
    if (this.clock - entry.stamp > this.maxEntries >>> 2) {
      entry.stamp = ++this.clock
      this.entries.delete(key)
      this.entries.set(key, entry)
    }
    return entry.auth
  }

  /** Forgets one token (its times no longer hold). */
  delete(token: string): void {
    const key = keyOf(token)
    if (this.entries.get(key)?.token === token) this.entries.delete(key)
  }

  /**
   * Drops the least recently used entry. Maps iterate in insertion order and get() re-inserts, so
   * the first live key is the least recent; a fresh `keys()` iterator would walk past every entry
   * already deleted at the front (up to `maxEntries` of them) before finding it, so one iterator
   * lives on: Map iterators stay valid across deletions and insertions, skip what was deleted, and
   * reach a moved entry again at its new place.
   */
  private dropOldest(): void {
    // Every live entry lies ahead of the iterator (it only passes the keys it returns, which are
    // deleted here; moved entries re-enter at the end), so it is never exhausted while the cache
    // is full (the eviction-order property test checks the bound).
    this.entries.delete(this.oldest.next().value as string)
  }

  /**
   * Remembers a verified token; once the cache is full, only a token verified before (and refused
   * entry then) since the admission memory was last reset.
   */
  set(token: string, auth: AuthInfo, cache: JwksCache, key: KeyEntry): void {
    if (this.maxEntries === 0) return
    const mapKey = keyOf(token)
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
      this.dropOldest()
    }
    this.entries.set(mapKey, {
      token,
      stamp: ++this.clock,
      auth,
      cache,
      key,
      generation: cache.generation,
    })
  }
}
