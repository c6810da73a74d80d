/**
 * The JWKS cache: one per key-set URL, owned by a verifier.
 *
 * - Concurrent misses share one fetch.
 * - An unknown `kid` refetches at once, but such refetches happen at most once per cooldown,
 *   counted from the last one, so a flood of random kids costs one fetch per cooldown.
 * - `Cache-Control: max-age` is honoured within bounds; expired keys keep serving while a refresh
 *   runs in the background, and while the key server fails (stale-if-error, up to `maxStale`).
 * - A failed fetch with no usable keys backs off before the next try and reports when to retry.
 * - `generation` changes whenever the key set changes.
 * - The key-set URL is located again before every fetch (discovery may move it); a failed re-read
 *   keeps the last URL that served keys.
 *
 * @module
 */
import type { JSONWebKeySet, JWK } from 'jose'
import type { Algorithm } from './algorithms.js'
import type { SignatureBackend, VerifyKey } from './crypto/signature-backend.js'
import { Refusal } from './errors.js'
import { now, type EventHub } from './events.js'
import { fetchJson, FetchFailure, type FetchLimits } from './http-fetch.js'
import { admitKey, isKeySet, keyFitsAlgorithm, type AdmittedKey } from './key-policy.js'

/** Settings of one cache, all durations in milliseconds. */
export interface JwksCacheSettings extends FetchLimits {
  /**
   * Resolves the key-set URL (a constant, or OIDC discovery). Called before every fetch; when it
   * fails, the last URL that served keys is used.
   */
  locate: () => Promise<URL>
  /** Signature backend that imports the keys. */
  backend: SignatureBackend
  /** Least time between two refetches caused by unknown kids. */
  cooldownMs: number
  /** Key-set lifetime when the server sends no max-age. */
  defaultTtlMs: number
  /** Bounds applied to the server's max-age. */
  minTtlMs: number
  maxTtlMs: number
  /** How long past its lifetime a key set keeps serving while the key server fails. */
  maxStaleMs: number
  /** Wait after a failed fetch before the next one. */
  retryDelayMs: number
  /** Keys to start with (no fetch needed until they expire or a kid is unknown). */
  preload?: JSONWebKeySet | undefined
  /** Never fetch: only the preloaded keys exist. */
  staticOnly?: boolean
  /** Where fetches and refresh failures are reported. Default: nowhere. */
  events?: EventHub | undefined
}

/** A key ready to verify with. */
export interface ResolvedKey {
  /** The admitted JWK entry; identity is stable while the key stays in the set. */
  readonly entry: KeyEntry
  /** The backend's imported key. */
  readonly key: VerifyKey
}

/** One admitted key and its imported forms per algorithm. */
export interface KeyEntry extends AdmittedKey {
  readonly fingerprint: string
  readonly imported: Map<Algorithm, VerifyKey | Promise<VerifyKey>>
  /** The imported keys as {@link ResolvedKey}s, made once per algorithm by `peekKey`. */
  readonly resolved: Map<Algorithm, ResolvedKey>
}

interface KeySet {
  entries: KeyEntry[]
  refusedKids: Set<string>
  fingerprint: string
}

/** The JWKS cache of one key-set URL. */
export class JwksCache {
  /** Changes every time the key set changes (starts at 0: no keys yet). */
  generation = 0
  private keySet: KeySet | undefined
  private expiresAt = 0
  private inflight: Promise<void> | undefined
  private lastKidRefetch = Number.NEGATIVE_INFINITY
  private nextAttemptAt = 0
  private lastFailure: unknown
  private url: URL | undefined

  constructor(private readonly settings: JwksCacheSettings) {
    if (settings.preload !== undefined) {
      this.install(settings.preload, settings.staticOnly === true ? Infinity : undefined)
    }
  }

  /** Number of key-set fetches started (each may re-read discovery first); for tests and metrics. */
  fetches = 0

  /**
   * Loads the key set now unless fresh keys are cached.
   *
   * @throws {@link Refusal} `jwks_unavailable` when no keys can be had.
   */
  async warmup(): Promise<void> {
    if (this.keySet !== undefined && Date.now() < this.expiresAt) return
    await this.load()
  }

  /**
   * Starts loading the key set in the background when none is cached or it is due; never throws
   * and never waits (the token cache calls it on every hit).
   */
  refreshIfDue(): void {
    if (this.keySet !== undefined && Date.now() < this.expiresAt) return
    this.load().catch(() => undefined)
  }

  /**
   * The key for a token's `kid` and `alg` when it can be had without waiting: a fresh key set
   * holds exactly one fitting key, already imported. `undefined` sends the caller to
   * {@link JwksCache.getKey}, which also handles every failure.
   */
  peekKey(kid: string | undefined, alg: Algorithm): ResolvedKey | undefined {
    if (this.keySet === undefined || Date.now() >= this.expiresAt) return undefined
    const found = this.find(kid, alg)
    if (typeof found === 'string') return undefined
    let resolved = found.resolved.get(alg)
    if (resolved === undefined) {
      const key = found.imported.get(alg)
      if (key === undefined || key instanceof Promise) return undefined
      resolved = { entry: found, key }
      found.resolved.set(alg, resolved)
    }
    return resolved
  }

  /** True while `entry` is still part of the current key set. */
  holds(entry: KeyEntry): boolean {
    return this.keySet?.entries.includes(entry) === true
  }

  /**
   * Finds the key for a token's `kid` and `alg`.
   *
   * @throws {@link Refusal} `unknown_kid`, `unusable_key` or `jwks_unavailable`.
   */
  async getKey(kid: string | undefined, alg: Algorithm): Promise<ResolvedKey> {
    if (this.keySet === undefined) {
      await this.load()
    } else if (Date.now() >= this.expiresAt) {
      if (Date.now() >= this.expiresAt + this.settings.maxStaleMs) await this.load()
      else this.refreshInBackground()
    }
    let found = this.find(kid, alg)
    if (found === 'none' && this.settings.staticOnly !== true) {
      if (this.inflight !== undefined) {
        await this.inflight.catch(() => undefined)
        found = this.find(kid, alg)
      }
      if (found === 'none' && Date.now() - this.lastKidRefetch >= this.settings.cooldownMs) {
        this.lastKidRefetch = Date.now()
        await this.load(true)
        found = this.find(kid, alg)
      }
    }
    if (found === 'none') throw new Refusal('unknown_kid')
    if (found === 'unfit') throw new Refusal('unusable_key')
    let key = found.imported.get(alg)
    if (key === undefined) {
      key = this.importKey(found, alg)
      found.imported.set(alg, key)
    }
    try {
      return { entry: found, key: key instanceof Promise ? await key : key }
    } catch (cause) {
      throw new Refusal('unusable_key', { cause })
    }
  }

  private importKey(entry: KeyEntry, alg: Algorithm): VerifyKey | Promise<VerifyKey> {
    try {
      const imported = this.settings.backend.importKey(entry.jwk, alg)
      if (imported instanceof Promise) {
        const settled = imported.then((value) => {
          entry.imported.set(alg, value)
          return value
        })
        // Keep a rejected import cached as a rejection: the key stays unusable.
        settled.catch(() => undefined)
        return settled
      }
      return imported
    } catch (cause) {
      const failed = Promise.reject(cause instanceof Error ? cause : new Error('key import failed'))
      failed.catch(() => undefined)
      return failed
    }
  }

  private find(kid: string | undefined, alg: Algorithm): KeyEntry | 'none' | 'unfit' {
    const set = this.keySet
    if (set === undefined) return 'none'
    let candidates = 0
    let fitting = 0
    let match: KeyEntry | undefined
    for (const entry of set.entries) {
      if (kid !== undefined && entry.kid !== kid) continue
      candidates++
      if (keyFitsAlgorithm(entry, alg)) {
        fitting++
        match = entry
      }
    }
    if (fitting === 1) return match as KeyEntry
    if (fitting > 1) return 'unfit' // ambiguous: refuse rather than guess
    if (kid !== undefined && (candidates > 0 || set.refusedKids.has(kid))) return 'unfit'
    return 'none'
  }

  private refreshInBackground(): void {
    if (this.inflight !== undefined || Date.now() < this.nextAttemptAt) return
    this.load().catch(() => undefined)
  }

  /** Fetches the key set; concurrent callers share one fetch. */
  private load(force = false): Promise<void> {
    if (this.inflight !== undefined) return this.inflight
    const now = Date.now()
    if (!force && now < this.nextAttemptAt) {
      return this.usable() ? Promise.resolve() : Promise.reject(this.unavailable())
    }
    if (this.settings.staticOnly === true) return Promise.resolve()
    this.inflight = this.fetchKeySet().finally(() => {
      this.inflight = undefined
    })
    return this.inflight
  }

  private async fetchKeySet(): Promise<void> {
    const events = this.settings.events
    const started = events?.active === true ? now() : 0
    let url: URL | undefined
    try {
      this.fetches++ // counted when it starts: locating the URL may take a discovery round trip
      url = await this.locate()
      const { json, maxAge, status } = await fetchJson(url, this.settings)
      if (!isKeySet(json)) {
        throw new FetchFailure(`${url.href} is not a JSON Web Key Set`, { status })
      }
      this.install(json, maxAge)
      this.url = url
      this.nextAttemptAt = 0
      if (events?.active === true) this.reportFetch(events, url, started, status)
    } catch (cause) {
      this.lastFailure = cause
      this.nextAttemptAt = Date.now() + this.settings.retryDelayMs
      if (events?.active === true) this.reportFailure(events, url, started, cause)
      if (!this.usable()) throw this.unavailable()
    }
  }

  private reportFetch(events: EventHub, url: URL, started: number, status: number): void {
    events.emit({
      type: 'jwks_fetch',
      url: url.href,
      result: 'ok',
      status,
      durationMs: now() - started,
      keyCount: this.keySet?.entries.length,
    })
  }

  /** `located`: the URL of this attempt; undefined when discovery failed before one was known. */
  private reportFailure(
    events: EventHub,
    located: URL | undefined,
    started: number,
    cause: unknown,
  ): void {
    const url = located?.href
    const failure = cause instanceof FetchFailure ? cause : undefined
    const result = url === undefined ? 'discovery' : (failure?.kind ?? 'network_error')
    events.emit({
      type: 'jwks_fetch',
      url,
      result,
      status: failure?.status,
      durationMs: now() - started,
      keyCount: undefined,
    })
    events.emit({
      type: 'jwks_refresh_failed',
      url,
      result,
      servingStale: this.usable(),
      retryAfterSeconds: Math.ceil(this.settings.retryDelayMs / 1000),
    })
  }

  /**
   * The key-set URL for this fetch, asked anew every time: an issuer may move its `jwks_uri`, so
   * discovery is re-read whenever the keys expire or an unknown kid forces a refetch (which the
   * cooldown already bounds). When the re-read fails, the last URL that served keys is kept.
   */
  private async locate(): Promise<URL> {
    try {
      return await this.settings.locate()
    } catch (cause) {
      if (this.url === undefined) throw cause
      return this.url
    }
  }

  /** True while the cached keys may still serve (fresh, or stale within maxStale). */
  private usable(): boolean {
    return this.keySet !== undefined && Date.now() < this.expiresAt + this.settings.maxStaleMs
  }

  private unavailable(): Refusal {
    const wait = Math.max(1, Math.ceil((this.nextAttemptAt - Date.now()) / 1000))
    return new Refusal('jwks_unavailable', { cause: this.lastFailure, retryAfter: wait })
  }

  private install(set: JSONWebKeySet, maxAgeSeconds: number | undefined): void {
    const { minTtlMs, maxTtlMs, defaultTtlMs } = this.settings
    const ttl =
      maxAgeSeconds === Infinity
        ? Infinity
        : maxAgeSeconds === undefined
          ? defaultTtlMs
          : Math.min(maxTtlMs, Math.max(minTtlMs, maxAgeSeconds * 1000))
    this.expiresAt = Date.now() + ttl
    const previous = new Map(this.keySet?.entries.map((entry) => [entry.fingerprint, entry]))
    const entries: KeyEntry[] = []
    const refusedKids = new Set<string>()
    for (const raw of set.keys) {
      const admitted = admitKey(raw)
      if ('refused' in admitted) {
        const kid = (raw as { kid?: unknown }).kid
        if (typeof kid === 'string') refusedKids.add(kid)
        continue
      }
      const fingerprint = JSON.stringify(admitted.jwk)
      entries.push(
        previous.get(fingerprint) ?? {
          ...admitted,
          fingerprint,
          imported: new Map(),
          resolved: new Map(),
        },
      )
    }
    const fingerprint = entries.map((entry) => entry.fingerprint).join('\n')
    if (this.keySet?.fingerprint !== fingerprint) this.generation++
    this.keySet = { entries, refusedKids, fingerprint }
  }
}

export type { JWK }
