/**
 * The introspection result cache.
 *
 * - In this process, verified results are remembered by token (found by the token's end and served
 *   only when the whole token is equal, like the token cache), until `min(exp, maxTtl)`: a hit is
 *   a Map lookup and one time comparison. Bounded in entries (oldest inserted dropped first).
 * - Optionally a shared store (Redis) holds the responses for the whole fleet, keyed by the
 *   base64url SHA-256 of the token, so it never sees a token.
 * - Only results that passed every check are cached: inactive or refused ones never are.
 * - Concurrent requests for one token share one call (single-flight).
 * - With `staleMs`, a result whose `maxTtl` ended is served for that much longer (never past
 *   `exp`) while the endpoint fails; off by default.
 *
 * @module
 */
import type { AuthInfo } from './auth-info.js'
import { encodeBase64url } from './base64url.js'
import type { IntrospectionResponse } from './introspection-client.js'
import type { IntrospectionResultCache } from './stores.js'
import { tokenKey } from './token-key.js'

/**
 * The base64url SHA-256 of a token: the key of shared stores.
 *
 * @throws Never (rejects only when Web Crypto is missing).
 * @example
 * ```ts
 * await tokenHash('abc') // 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'
 * ```
 */
export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return encodeBase64url(new Uint8Array(digest))
}

interface Entry {
  token: string
  auth: AuthInfo
  /** Served without a call until then (ms since the epoch). */
  freshUntil: number
  /** Kept (for outages) until then. */
  staleUntil: number
}

/** A checked result: the request's identity and when the token expires (seconds). */
export interface CheckedResult {
  auth: AuthInfo
  expiresAt: number
}

/** Settings of the cache; durations in milliseconds. `maxEntries` 0 remembers nothing. */
export interface IntrospectionCacheSettings {
  maxEntries: number
  maxTtlMs: number
  staleMs: number
  store: IntrospectionResultCache | undefined
}

/**
 * Remembers checked introspection results. `resolve` runs the call and the checks for a token
 * that has no fresh result.
 *
 * @example
 * ```ts
 * const cache = new IntrospectionCache({ maxEntries: 1000, maxTtlMs: 60_000, staleMs: 0, store: undefined })
 * const auth = cache.peek(token) ?? (await cache.resolve(token, introspect, check))
 * ```
 */
export class IntrospectionCache {
  private readonly entries = new Map<string, Entry>()
  private readonly inflight = new Map<string, Promise<AuthInfo>>()

  constructor(private readonly settings: IntrospectionCacheSettings) {}

  /** Remembered results (fresh or kept for outages). */
  get size(): number {
    return this.entries.size
  }

  /** The fresh result of `token`, without waiting. */
  peek(token: string): AuthInfo | undefined {
    const entry = this.entries.get(tokenKey(token))
    if (entry === undefined || entry.token !== token || Date.now() >= entry.freshUntil) {
      return undefined
    }
    return entry.auth
  }

  /**
   * The result of `token`: from the shared store, else from one call (shared by concurrent
   * requests), checked by `check`. When the call fails and a result is kept for outages, that
   * result is served.
   *
   * @throws whatever `check` throws (refused results are not cached), or the call's
   * `IntrospectionFailure`.
   */
  resolve(
    token: string,
    call: (token: string) => Promise<IntrospectionResponse>,
    check: (response: Readonly<Record<string, unknown>>) => CheckedResult,
  ): Promise<AuthInfo> {
    let pending = this.inflight.get(token)
    if (pending === undefined) {
      pending = this.load(token, call, check).finally(() => this.inflight.delete(token))
      this.inflight.set(token, pending)
    }
    return pending
  }

  private async load(
    token: string,
    call: (token: string) => Promise<IntrospectionResponse>,
    check: (response: Readonly<Record<string, unknown>>) => CheckedResult,
  ): Promise<AuthInfo> {
    const { store } = this.settings
    const hash = store === undefined ? undefined : await tokenHash(token)
    if (store !== undefined && hash !== undefined) {
      const shared = await this.fromStore(store, hash)
      if (shared !== undefined) {
        const result = check(shared.response)
        this.remember(token, result, shared.until)
        return result.auth
      }
    }
    let response: IntrospectionResponse
    try {
      response = await call(token)
    } catch (failure) {
      const kept = this.entries.get(tokenKey(token))
      if (kept?.token === token && Date.now() < kept.staleUntil) return kept.auth
      throw failure
    }
    let result: CheckedResult
    try {
      result = check(response)
    } catch (refusal) {
      this.forget(token)
      throw refusal
    }
    const freshUntil = this.remember(token, result, Date.now() + this.settings.maxTtlMs)
    const ttl = freshUntil - Date.now()
    if (store !== undefined && hash !== undefined && ttl > 0) {
      try {
        await store.set(hash, JSON.stringify({ until: freshUntil, response }), ttl)
      } catch {
        // A store that cannot take the result costs the fleet a call later, never this request.
      }
    }
    return result.auth
  }

  /**
   * A stored response and the time its freshness ends (the process that made the call decided
   * it, so a result never lives longer than `maxTtl` in the fleet), or undefined when absent,
   * unreadable or the store fails.
   */
  private async fromStore(
    store: IntrospectionResultCache,
    hash: string,
  ): Promise<{ until: number; response: Readonly<Record<string, unknown>> } | undefined> {
    try {
      const value = await store.get(hash)
      const stored = (value === undefined ? undefined : JSON.parse(value)) as
        { until?: unknown; response?: unknown } | undefined
      const response = stored?.response
      if (
        typeof stored?.until !== 'number' ||
        stored.until <= Date.now() ||
        typeof response !== 'object' ||
        response === null ||
        Array.isArray(response)
      ) {
        return undefined
      }
      return { until: stored.until, response: response as Record<string, unknown> }
    } catch {
      return undefined
    }
  }

  /** Keeps a checked result until `min(exp, until)`; returns its fresh-until time. */
  private remember(token: string, result: CheckedResult, until: number): number {
    const expiresAt = result.expiresAt * 1000
    const freshUntil = Math.min(expiresAt, until)
    const { maxEntries, staleMs } = this.settings
    if (maxEntries === 0 || freshUntil <= Date.now()) return freshUntil
    const key = tokenKey(token)
    this.entries.delete(key)
    if (this.entries.size >= maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string)
    }
    this.entries.set(key, {
      token,
      auth: result.auth,
      freshUntil,
      staleUntil: Math.min(expiresAt, freshUntil + staleMs),
    })
    return freshUntil
  }

  private forget(token: string): void {
    const key = tokenKey(token)
    if (this.entries.get(key)?.token === token) this.entries.delete(key)
  }
}

/**
 * The bounded in-memory {@link IntrospectionResultCache}: one process's store, e.g. shared by
 * several verifiers of one app. Expired entries are dropped when read; when full, the oldest
 * entry is dropped.
 *
 * @example
 * ```ts
 * const store = new MemoryIntrospectionCache(10_000)
 * createVerifier({ ...options, introspection: { ...introspection, cache: { store } } })
 * ```
 */
export class MemoryIntrospectionCache implements IntrospectionResultCache {
  private readonly entries = new Map<string, { value: string; until: number }>()

  /**
   * @param maxEntries - Most entries kept, a whole number, 1 or more. Default: 10000.
   * @throws RangeError for a `maxEntries` that is not a whole number of 1 or more.
   */
  constructor(private readonly maxEntries = 10_000) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('MemoryIntrospectionCache: maxEntries must be a whole number, 1 or more')
    }
  }

  /** The value stored for `key`, while its time lasts. */
  get(key: string): string | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (Date.now() >= entry.until) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  /** Stores `value` for `ttlMs` milliseconds. */
  set(key: string, value: string, ttlMs: number): void {
    this.entries.delete(key)
    if (!(ttlMs > 0)) return
    if (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string)
    }
    this.entries.set(key, { value, until: Date.now() + ttlMs })
  }
}
