/**
 * The verified-token cache: a client reuses its token for the token's lifetime, so a verified
 * token is remembered, keyed by the whole token string (no other token can hit its entry). Bounded
 * in entries (least recently used dropped first; tokens are at most `maxTokenLength` characters, so
 * memory is bounded too). An entry is served only while the token's times still hold (checked by
 * the verifier on every hit) and while its signing key is still in the issuer's key set: a hit on a
 * key set that is due for refresh starts that refresh in the background, so a key the issuer
 * withdraws stops serving cached tokens once the new key set arrives (its generation changes).
 *
 * @module
 */
import type { AuthInfo } from './auth-info.js'
import type { JwksCache, KeyEntry } from './jwks-cache.js'

interface Entry {
  auth: AuthInfo
  cache: JwksCache
  key: KeyEntry
  generation: number
}

/**
 * An LRU of verified tokens, keyed by the whole token string.
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
    const entry = this.entries.get(token)
    if (entry === undefined) return undefined
    if (entry.generation !== entry.cache.generation) {
      if (!entry.cache.holds(entry.key)) {
        this.entries.delete(token)
        return undefined
      }
      entry.generation = entry.cache.generation
    }
    // Keep the key set current even when every request hits this cache; never fails a request.
    entry.cache.warmup().catch(() => undefined)
    // Refresh its place in the LRU order.
    this.entries.delete(token)
    this.entries.set(token, entry)
    return entry.auth
  }

  /** Forgets one token (its times no longer hold). */
  delete(token: string): void {
    this.entries.delete(token)
  }

  /** Remembers a verified token. */
  set(token: string, auth: AuthInfo, cache: JwksCache, key: KeyEntry): void {
    if (this.maxEntries === 0) return
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order, and get() re-inserts: the first key is the least recent.
      this.entries.delete(this.entries.keys().next().value as string)
    }
    this.entries.set(token, { auth, cache, key, generation: cache.generation })
  }
}
