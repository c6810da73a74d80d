/**
 * What a verifier reports about its work, as typed events for logs and metrics: every verification
 * outcome, key-set fetches and refresh failures, DPoP replays, revocation hits, introspection
 * calls. An event holds configuration-level facts only (a configured issuer, an allowlisted
 * algorithm, the configured key-set URL, a reason), never a token, a claim value or key material.
 *
 * With no listener attached the verifier does not build events or read the clock: every emission
 * point checks {@link EventHub.active} first. A listener that throws (or rejects) is ignored for
 * that event; it never changes the answer to a request.
 *
 * @module
 */
import type { Algorithm } from './algorithms.js'
import type { AuthInfo } from './auth-info.js'
import { OAuthError, type OAuthErrorCode, type OAuthErrorReason } from './errors.js'

/**
 * How a verification ended: `accepted`; `refused` (400, 401 or 403); `unavailable` (503: keys or
 * another dependency could not be had); `anonymous` (no credentials on a route where they are
 * optional); `error` (a failure that is not an {@link OAuthError}, such as a throwing custom check
 * that returned its own error type through a bug).
 */
export type VerificationOutcome = 'accepted' | 'refused' | 'unavailable' | 'anonymous' | 'error'

/** The HTTP authentication scheme of a request: `none` when it carried no credentials. */
export type AuthScheme = 'bearer' | 'dpop' | 'none'

/** One verification: the token check of `verify`/`authenticate`, or a refused scope check. */
export interface VerificationEvent {
  readonly type: 'verification'
  /**
   * `token` for the token check (every `verify` and `authenticate` call); `scope` for a scope check
   * that refused the request (403, or 401 for an anonymous request). Scope checks that pass are not
   * reported: their request was already counted as an accepted token.
   */
  readonly stage: 'token' | 'scope'
  readonly outcome: VerificationOutcome
  /** The error's code; `undefined` when accepted or anonymous. */
  readonly code: OAuthErrorCode | undefined
  /** The machine reason (`expired`, `bad_signature`, ...); `undefined` when accepted. */
  readonly reason: OAuthErrorReason | undefined
  /** The HTTP status of the answer: 200 for accepted and anonymous, else the error's status. */
  readonly status: number
  readonly scheme: AuthScheme
  /** The configured issuer the token named; `undefined` before (or without) a match. */
  readonly issuer: string | undefined
  /** The token's algorithm once it passed the allowlist; `undefined` before. */
  readonly algorithm: Algorithm | undefined
  /** True when the token was served from the verified-token cache. */
  readonly cached: boolean
  /**
   * Time spent in the token check, in milliseconds (key fetches and custom validators included);
   * 0 for requests refused before a token was read and for scope checks.
   */
  readonly durationMs: number
}

/**
 * How a key-set fetch ended: `ok`; `http_error` (a non-2xx status or a redirect off the origin);
 * `network_error`; `timeout`; `too_large`; `invalid` (not JSON, or not a key set); `discovery`
 * (the key-set URL could not be found through OIDC discovery).
 */
export type FetchResult =
  'ok' | 'http_error' | 'network_error' | 'timeout' | 'too_large' | 'invalid' | 'discovery'

/** One key-set (JWKS) fetch. */
export interface JwksFetchEvent {
  readonly type: 'jwks_fetch'
  /** The key-set URL (configured, or found by discovery); `undefined` when discovery failed. */
  readonly url: string | undefined
  readonly result: FetchResult
  /** The HTTP status of the last answer; `undefined` when none came. */
  readonly status: number | undefined
  /** Time from the request to the parsed key set, in milliseconds. */
  readonly durationMs: number
  /** Keys of the set that may verify tokens (after the key policy); `undefined` on failure. */
  readonly keyCount: number | undefined
}

/** A key-set fetch failed; says what the cache does now. */
export interface JwksRefreshFailedEvent {
  readonly type: 'jwks_refresh_failed'
  /** As {@link JwksFetchEvent.url}. */
  readonly url: string | undefined
  readonly result: Exclude<FetchResult, 'ok'>
  /** True when older keys keep verifying (stale-if-error); false when tokens now get 503. */
  readonly servingStale: boolean
  /** Seconds until the next fetch may be tried. */
  readonly retryAfterSeconds: number
}

/** A DPoP proof refused because its `jti` was already used (RFC 9449 §11.1). */
export interface DpopReplayEvent {
  readonly type: 'dpop_replay'
  /** The configured issuer of the token the proof came with. */
  readonly issuer: string | undefined
}

/** A token refused because it was revoked. */
export interface RevocationEvent {
  readonly type: 'revocation'
  /**
   * What matched: the token id, the refresh-token family (Cognito `origin_jti`), or the subject;
   * `undefined` when the revocation source does not say (one without `revokedBy`).
   */
  readonly by: 'jti' | 'origin_jti' | 'subject' | undefined
  /** The configured issuer of the token. */
  readonly issuer: string | undefined
}

/**
 * How a call to the introspection endpoint ended: `active`, `inactive`, or `error` (endpoint
 * down, slow, a non-2xx status or an invalid answer). Answers from the result cache make no call;
 * their verification events say `cached: true`.
 */
export type IntrospectionResult = 'active' | 'inactive' | 'error'

/** One RFC 7662 introspection call. */
export interface IntrospectionEvent {
  readonly type: 'introspection'
  readonly result: IntrospectionResult
  /** The HTTP status of a failed answer; `undefined` on success and when no answer came. */
  readonly status: number | undefined
  /** Time spent, in milliseconds. */
  readonly durationMs: number
}

/** Every event a verifier reports, told apart by `type`. */
export type ScopeguardEvent =
  | VerificationEvent
  | JwksFetchEvent
  | JwksRefreshFailedEvent
  | DpopReplayEvent
  | RevocationEvent
  | IntrospectionEvent

/** A subscriber. Its return value is ignored; a throw or a rejection is swallowed. */
export type EventListener = (event: ScopeguardEvent) => unknown

/** The clock of events: monotonic, in milliseconds, on every runtime the core runs on. */
export const now = (): number => performance.now()

/**
 * The listeners of one verifier. `active` is the one thing the hot path reads when nobody listens.
 *
 * @example
 * ```ts
 * const hub = new EventHub()
 * const off = hub.subscribe((event) => console.log(event.type))
 * if (hub.active) hub.emit({ type: 'dpop_replay', issuer: undefined })
 * off()
 * ```
 */
export class EventHub {
  /** True while at least one listener is attached. */
  active = false
  private listeners: readonly EventListener[] = []

  /**
   * Attaches `listener`; the returned function detaches it (calling it twice is harmless).
   *
   * @throws TypeError when `listener` is not a function.
   */
  subscribe(listener: EventListener): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError('scopeguard: subscribe() takes a function (event) => void')
    }
    const entry: EventListener = (event) => listener(event)
    this.listeners = [...this.listeners, entry]
    this.active = true
    return () => {
      this.listeners = this.listeners.filter((other) => other !== entry)
      this.active = this.listeners.length !== 0
    }
  }

  /** Hands `event` to every listener; their failures stay theirs. */
  emit(event: ScopeguardEvent): void {
    for (const listener of this.listeners) {
      try {
        const result = listener(event)
        if (result instanceof Promise) result.catch(() => undefined)
      } catch {
        // A listener's bug must not change the answer to a request.
      }
    }
  }
}

/** What the verifier learns while it checks a token, for the event (only when someone listens). */
export interface VerificationProbe {
  issuer: string | undefined
  algorithm: Algorithm | undefined
  cached: boolean
}

/** What an accepted token tells an event: its (configured) issuer and (allowlisted) algorithm. */
export function noteOf(auth: AuthInfo): Pick<VerificationProbe, 'issuer' | 'algorithm'> {
  return { issuer: auth.issuer, algorithm: auth.header.alg as Algorithm }
}

/** How an error ends a verification. */
function outcomeOf(error: unknown): VerificationOutcome {
  if (!(error instanceof OAuthError)) return 'error'
  return error.status >= 500 ? 'unavailable' : 'refused'
}

function verificationEvent(
  stage: VerificationEvent['stage'],
  outcome: VerificationOutcome,
  error: unknown,
  scheme: AuthScheme,
  probe: VerificationProbe,
  durationMs: number,
): VerificationEvent {
  const failed = error instanceof OAuthError ? error : undefined
  return {
    type: 'verification',
    stage,
    outcome,
    code: failed?.code,
    reason: failed?.reason,
    status: failed?.status ?? (outcome === 'error' ? 500 : 200),
    scheme,
    issuer: probe.issuer,
    algorithm: probe.algorithm,
    cached: probe.cached,
    durationMs,
  }
}

const NOTHING_KNOWN: VerificationProbe = Object.freeze({
  issuer: undefined,
  algorithm: undefined,
  cached: false,
})

/**
 * Runs a token check and reports its outcome. Called only while someone listens, so the check's
 * plain path pays nothing for events. A check that answers synchronously (a cached key or token)
 * is reported synchronously, and answered (or its refusal thrown) synchronously too.
 *
 * @param check - the verification; may answer, throw, return a promise, or reject.
 * @param toError - what the verifier rejects with for a thrown or rejected value.
 */
export function observeToken(
  hub: EventHub,
  scheme: AuthScheme,
  check: (probe: VerificationProbe) => AuthInfo | Promise<AuthInfo>,
  toError: (error: unknown) => Error,
): AuthInfo | Promise<AuthInfo> {
  const started = now()
  const probe: VerificationProbe = { issuer: undefined, algorithm: undefined, cached: false }
  const accepted = (auth: AuthInfo): AuthInfo => {
    Object.assign(probe, noteOf(auth))
    hub.emit(verificationEvent('token', 'accepted', undefined, scheme, probe, now() - started))
    return auth
  }
  const refused = (thrown: unknown): Error => {
    const error = toError(thrown)
    hub.emit(verificationEvent('token', outcomeOf(error), error, scheme, probe, now() - started))
    return error
  }
  let auth
  try {
    auth = check(probe)
  } catch (thrown) {
    throw refused(thrown)
  }
  if (!(auth instanceof Promise)) return accepted(auth)
  return auth.then(accepted, (thrown: unknown) => Promise.reject(refused(thrown)))
}

/**
 * Reports a request refused before any token was checked (no credentials, a malformed request),
 * or let through without credentials (`anonymous`: `error` undefined).
 */
export function reportRequest(hub: EventHub, scheme: AuthScheme, error?: Error): void {
  const outcome = error === undefined ? 'anonymous' : outcomeOf(error)
  hub.emit(verificationEvent('token', outcome, error, scheme, NOTHING_KNOWN, 0))
}

/** Reports a scope check that refused `auth` (403), or an anonymous request (401). */
export function reportScopeRefusal(
  hub: EventHub,
  auth: AuthInfo | undefined,
  error: OAuthError,
): void {
  const probe = auth === undefined ? NOTHING_KNOWN : { ...noteOf(auth), cached: false }
  const scheme: AuthScheme = auth === undefined ? 'none' : auth.scheme
  hub.emit(verificationEvent('scope', outcomeOf(error), error, scheme, probe, 0))
}
