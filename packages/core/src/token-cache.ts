/**
 * The verified-token cache: a client reuses its token for the token's lifetime, so a verified
 * token is remembered, keyed by the whole token string (no other token can hit its entry). Bounded
 * in entries (least recently used dropped first; tokens are at most `maxTokenLength` characters, so
 * memory is bounded too). An entry is served only while the token's times still hold and while its
 * signing key is still in the issuer's key set.
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

/** An LRU of verified tokens. */
export class TokenCache {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly maxEntries: number) {}

  /** Number of remembered tokens. */
  get size(): number {
    return this.entries.size
  }

  /** The remembered verification of `token`, if its signing key is still current. */
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
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(token, { auth, cache, key, generation: cache.generation })
  }
}
