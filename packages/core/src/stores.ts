/**
 * The state a verifier can share with other processes of a fleet, as small interfaces: the core
 * ships bounded in-memory implementations, `@scopeguard/redis` implements them on Redis. Each store
 * holds only what it must: keys derived from tokens (hashes, thumbprints), never a token itself.
 *
 * @module
 */
import type { TokenClaims } from './auth-info.js'
import type { RevocationKind } from './revocation-list.js'

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

/**
 * Where the verifier learns that a token was revoked before its `exp`: by its `jti`, by its
 * Cognito `origin_jti` (every access token issued from one refresh token), or by its subject
 * ("revoked before" a time: a global sign-out refuses every token whose `iat` is at or before it).
 *
 * The check runs on every verification, token-cache hits included, so `isRevoked` should answer
 * synchronously from a local replica (`createRevocationList`, `@scopeguard/redis`): the request
 * then waits on nothing. A source that must ask something remote may return a promise; the
 * verifier awaits it only then (one round trip per request: keep such a source fast and bounded).
 */
export interface RevocationSource {
  /**
   * True when a token with these claims is revoked. Reads `jti`, `origin_jti`, `sub` and `iat`.
   *
   * Throws (or rejects) when the source cannot answer, e.g. a replica that lost its store for
   * longer than it may serve stale data: the verifier then refuses the request with 503 (an
   * `OAuthError` thrown here is passed on as it is, so it chooses its `Retry-After`).
   */
  isRevoked(claims: Readonly<TokenClaims>): boolean | Promise<boolean>
  /**
   * Optional: what made these claims revoked (`jti`, `origin_jti` or `sub`), for the `revocation`
   * event's `by`. Asked only after `isRevoked` answered true and only while someone listens to
   * the verifier's events; without it (or when it throws) the event says `by: undefined`.
   */
  revokedBy?(claims: Readonly<TokenClaims>): RevocationKind | undefined
}
