/**
 * The state a verifier can share with other processes of a fleet, as small interfaces: the core
 * ships bounded in-memory implementations, `@scopeguard/redis` implements them on Redis. Each store
 * holds only what it must: keys derived from tokens (hashes, thumbprints), never a token itself.
 *
 * @module
 */

/**
 * One-time claims: the DPoP replay check (RFC 9449 §11.1). `claim` must be atomic across every
 * process sharing the store: of two concurrent calls with one key, exactly one gets `true`.
 */
export interface ReplayStore {
  /**
   * Claims `key` for `ttlMs` milliseconds.
   *
   * @returns `true` when this call claimed the key, `false` when it was already claimed and has
   * not expired. Rejects (or throws) when the store cannot answer; the verifier then refuses the
   * request with 503 rather than let a possible replay through.
   */
  claim(key: string, ttlMs: number): boolean | Promise<boolean>
}

/**
 * A cache of RFC 7662 introspection results, keyed by the SHA-256 of the token (base64url). Values
 * are the introspection response as the verifier serialised it; the verifier decides what to cache
 * and for how long (never past the token's `exp`, never an inactive result).
 */
export interface IntrospectionResultCache {
  /** The cached value, or `undefined`. Rejects (or throws) when the store cannot answer. */
  get(key: string): string | undefined | Promise<string | undefined>
  /** Stores `value` for `ttlMs` milliseconds. */
  set(key: string, value: string, ttlMs: number): void | Promise<void>
}
