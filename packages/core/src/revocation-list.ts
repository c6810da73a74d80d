/**
 * The in-memory revocation list: the default {@link RevocationSource}, and the local replica that
 * shared sources (`@scopeguard/redis`, or one of your own) keep up to date. A lookup is three `Map`
 * reads: no request waits on anything. Entries are forgotten when the longest-lived token they can
 * match has expired, and the list is bounded in entries.
 *
 * @module
 */
import type { TokenClaims } from './auth-info.js'
import { OAuthError } from './errors.js'
import { ConfigurationError } from './errors.js'
import type { RevocationSource } from './stores.js'

/**
 * What a revocation matches: `jti` (one token), `origin_jti` (Cognito: every access and ID token
 * issued from one refresh token, e.g. after `RevokeToken`), or `sub` (every token of the subject
 * issued at or before `at`: a global sign-out).
 */
export type RevocationKind = 'jti' | 'origin_jti' | 'sub'

/** One revocation, as stored and shared. Times are in seconds since the epoch. */
export interface Revocation {
  /** What `value` is compared with. */
  readonly kind: RevocationKind
  /** The `jti`, `origin_jti` or `sub` value (a non-empty string). */
  readonly value: string
  /**
   * When the revocation was made. For `sub`, tokens whose `iat` is at or before it are refused
   * (a token without a numeric `iat` is refused too: its age is unknown).
   */
  readonly at: number
  /** When the entry is forgotten: no token it can match is still valid by then. */
  readonly expiresAt: number
}

/** What {@link RevocationList.revoke} takes: `at` and `expiresAt` may be left out. */
export interface RevocationInput {
  /** What `value` is compared with. */
  kind: RevocationKind
  /** The `jti`, `origin_jti` or `sub` value. */
  value: string
  /** When the revocation was made, in seconds since the epoch. Default: now. */
  at?: number
  /**
   * When the entry may be forgotten, in seconds since the epoch. Default: `at + tokenLifetime`.
   * For a `jti` whose token you hold, its `exp` is enough.
   */
  expiresAt?: number
}

/** Options of {@link createRevocationList}. */
export interface RevocationListOptions {
  /**
   * Most entries held, a positive integer. Default: 100000 (about 15 MB). Expired entries are
   * dropped first; a list full of live entries refuses {@link RevocationList.revoke} with a
   * `RangeError`, and a replica that receives more ({@link RevocationList.merge}) answers 503
   * rather than forget a revocation.
   */
  maxEntries?: number
  /**
   * The longest lifetime of a token the issuer mints, in seconds: how long an entry without
   * `expiresAt` is kept. Default: 86400 (one day, Cognito's longest access-token lifetime). Set
   * it to your issuer's longest lifetime: shorter lets a revoked token back in before its `exp`.
   */
  tokenLifetime?: number
  /**
   * For a replica ({@link RevocationList.lost}): how long it keeps answering from what it holds
   * after its store was last reached, in seconds. Default: 30. After that, verifications are
   * refused with 503 until the store answers again. 0 fails closed at once.
   */
  maxStale?: number
  /** The `Retry-After` of those 503 answers, in seconds. Default: 5. */
  retryAfter?: number
}

/** A bounded in-memory {@link RevocationSource}; see {@link createRevocationList}. */
export interface RevocationList extends RevocationSource {
  /** True when these claims match a live entry. Throws a 503 `OAuthError` when stale. */
  isRevoked(claims: Readonly<TokenClaims>): boolean
  /** What these claims match (`jti` first, then `origin_jti`, then `sub`); as `isRevoked`. */
  revokedBy(claims: Readonly<TokenClaims>): RevocationKind | undefined
  /**
   * Adds a revocation (fills in `at` and `expiresAt`) and returns the stored form.
   *
   * @throws `TypeError` for a malformed input; `RangeError` when the list is full of live entries.
   */
  revoke(input: RevocationInput): Revocation
  /**
   * Adds revocations received from a shared store (malformed or expired ones are skipped). A
   * list that cannot hold them all answers 503 until a `complete` merge (a full load of the
   * store) fits.
   */
  merge(revocations: Iterable<Revocation>, complete?: boolean): void
  /** The live entries (to write back to a store that lost them). */
  entries(): Revocation[]
  /** A replica's store answered: the list is current. */
  confirm(): void
  /**
   * A replica's store cannot be reached: the list answers for `maxStale` seconds counted from the
   * last {@link RevocationList.confirm} (at once, before the first one), then throws 503.
   */
  lost(): void
  /** Entries held, expired ones not yet dropped included. */
  readonly size: number
}

const KINDS: readonly RevocationKind[] = ['jti', 'origin_jti', 'sub']

/**
 * True for a well-formed {@link Revocation} (as read back from a shared store).
 *
 * @example
 * ```ts
 * isRevocation({ kind: 'jti', value: 'a1', at: 1700000000, expiresAt: 1700086400 }) // true
 * ```
 */
export function isRevocation(value: unknown): value is Revocation {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Record<string, unknown>
  return (
    KINDS.includes(entry.kind as RevocationKind) &&
    typeof entry.value === 'string' &&
    entry.value !== '' &&
    Number.isFinite(entry.at) &&
    Number.isFinite(entry.expiresAt)
  )
}

function seconds(name: string, value: unknown, fallback: number, positive = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && !value)) {
    throw new ConfigurationError(`"revocation.${name}" must be a finite number of seconds`)
  }
  return value
}

/**
 * Creates an in-memory revocation list: pass it as the verifier's `revocation` option and call
 * `revoke` when a token, a refresh-token family or a user must stop being accepted. One process
 * only; a fleet shares revocations through `@scopeguard/redis` (or feeds `merge` from its own
 * store).
 *
 * @throws {@link ConfigurationError} for invalid options.
 * @example
 * ```ts
 * const revocations = createRevocationList()
 * const verifier = createVerifier({ issuer, audience, revocation: revocations })
 * revocations.revoke({ kind: 'origin_jti', value: auth.claims.origin_jti }) // refresh token revoked
 * revocations.revoke({ kind: 'sub', value: auth.subject }) // global sign-out
 * ```
 */
export function createRevocationList(options: RevocationListOptions = {}): RevocationList {
  const max = options.maxEntries ?? 100_000
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigurationError('"revocation.maxEntries" must be a positive integer')
  }
  const lifetime = seconds('tokenLifetime', options.tokenLifetime, 86_400, true)
  const maxStaleMs = seconds('maxStale', options.maxStale, 30) * 1000
  const retryAfter = seconds('retryAfter', options.retryAfter, 5, true)

  const maps: Record<RevocationKind, Map<string, Revocation>> = {
    jti: new Map(),
    origin_jti: new Map(),
    sub: new Map(),
  }
  let size = 0
  let overflow = false
  /** Last time the store answered (ms); staleSince is set while it cannot be reached. */
  let confirmedAt = -Infinity
  let staleSince: number | undefined

  /** The live entry for a value, dropping an expired one. */
  function live(kind: RevocationKind, value: unknown): Revocation | undefined {
    if (typeof value !== 'string') return undefined
    const entry = maps[kind].get(value)
    if (entry === undefined) return undefined
    if (entry.expiresAt * 1000 > Date.now()) return entry
    maps[kind].delete(value)
    size--
    return undefined
  }

  function sweep(): void {
    const now = Date.now() / 1000
    for (const map of Object.values(maps)) {
      for (const [value, entry] of map) {
        if (entry.expiresAt <= now) {
          map.delete(value)
          size--
        }
      }
    }
  }

  /** Stores an entry (keeping the later `at` and `expiresAt` of two for one value). */
  function put(entry: Revocation): boolean {
    if (entry.expiresAt * 1000 <= Date.now()) return true
    const map = maps[entry.kind]
    const held = map.get(entry.value)
    if (held !== undefined) {
      if (held.at >= entry.at && held.expiresAt >= entry.expiresAt) return true
      map.set(entry.value, {
        ...entry,
        at: Math.max(held.at, entry.at),
        expiresAt: Math.max(held.expiresAt, entry.expiresAt),
      })
      return true
    }
    if (size >= max) sweep()
    if (size >= max) return false
    map.set(entry.value, Object.freeze({ ...entry }))
    size++
    return true
  }

  function revokedBy(claims: Readonly<TokenClaims>): RevocationKind | undefined {
    if (overflow || (staleSince !== undefined && Date.now() - staleSince >= maxStaleMs)) {
      throw new OAuthError('temporarily_unavailable', 'revocation_unavailable', { retryAfter })
    }
    if (size === 0) return undefined
    if (live('jti', claims.jti) !== undefined) return 'jti'
    if (live('origin_jti', claims.origin_jti) !== undefined) return 'origin_jti'
    const subject = live('sub', claims.sub)
    const before =
      subject !== undefined && !(typeof claims.iat === 'number' && claims.iat > subject.at)
    return before ? 'sub' : undefined
  }

  return {
    isRevoked: (claims) => revokedBy(claims) !== undefined,
    revokedBy,
    revoke(input) {
      const at = input.at ?? Math.floor(Date.now() / 1000)
      const entry = {
        kind: input.kind,
        value: input.value,
        at,
        expiresAt: input.expiresAt ?? at + lifetime,
      }
      if (!isRevocation(entry)) {
        throw new TypeError(
          'scopeguard: a revocation needs kind "jti", "origin_jti" or "sub", a non-empty value and finite times',
        )
      }
      if (!put(entry)) {
        throw new RangeError(`scopeguard: the revocation list is full (${max} live entries)`)
      }
      return entry
    },
    merge(revocations, complete = false) {
      let fits = true
      for (const entry of revocations) {
        if (isRevocation(entry) && !put(entry)) fits = false
      }
      overflow = complete ? !fits : overflow || !fits
    },
    entries() {
      sweep()
      return Object.values(maps).flatMap((map) => [...map.values()])
    },
    confirm() {
      confirmedAt = Date.now()
      staleSince = undefined
    },
    lost() {
      staleSince ??= confirmedAt
    },
    get size() {
      return size
    },
  }
}
