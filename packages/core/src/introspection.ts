/**
 * Opaque tokens through RFC 7662 introspection: which tokens go there, and what an answer must
 * hold to be accepted. `active: false` is `invalid_token` / `inactive`; an active answer passes the
 * same time, issuer, audience/client, `token_use`, required-claim and scope-claim rules as a JWT
 * (there is no JOSE header, so `typ` is not asked) and becomes the same {@link AuthInfo}. Every
 * failure of the endpoint is 503 with `Retry-After`, never 401.
 *
 * @module
 */
import { buildAuthInfo, type AuthInfo, type TokenClaims } from './auth-info.js'
import { clientAuthentication } from './client-auth.js'
import { checkClaims, checkTimes, type ClaimRules } from './claims.js'
import { discoverEndpoint } from './discovery.js'
import { OAuthError, Refusal } from './errors.js'
import { now, type EventHub } from './events.js'
import { IntrospectionCache, type CheckedResult } from './introspection-cache.js'
import {
  introspectionCall,
  IntrospectionFailure,
  type IntrospectionResponse,
} from './introspection-client.js'
import type { NormalizedIntrospection } from './introspection-options.js'
import type { JwsHeader } from './jws-parser.js'
import { readScopes } from './scopes.js'
import { FetchFailure, type FetchLimits } from './http-fetch.js'

/**
 * True for a token that is not a compact JWS or JWE: not two (JWS) or four (JWE) dots. Such a
 * token goes to introspection when it is configured.
 *
 * @throws Never.
 * @example
 * ```ts
 * isOpaqueToken('2YotnFZFEjr1zCsicMWpAA') // true
 * isOpaqueToken('eyJ.eyJ.sig') // false
 * ```
 */
export function isOpaqueToken(token: string): boolean {
  let dots = 0
  for (let at = token.indexOf('.'); at !== -1; at = token.indexOf('.', at + 1)) {
    if (++dots > 4) return true
  }
  return dots !== 2 && dots !== 4
}

/** An introspected token has no JOSE header. */
const NO_HEADER = Object.freeze({}) as JwsHeader

/** What the introspector needs from the verifier. */
export interface IntrospectorSettings {
  options: NormalizedIntrospection
  rules: ClaimRules
  /** The verifier's fetch and `allowInsecureHttp` (discovery of the endpoint). */
  fetch: typeof globalThis.fetch
  allowInsecureHttp: boolean
  /** RFC 9701 reader, when JWT-secured responses are asked for. */
  readJwt?: ((jwt: string) => Promise<Readonly<Record<string, unknown>>>) | undefined
  /** Where each call to the endpoint is reported. Default: nowhere. */
  events?: EventHub | undefined
}

/** Introspection, as the verifier uses it. */
export interface Introspector {
  /** The cached identity behind an opaque token, without waiting; undefined when not cached. */
  peek(token: string): AuthInfo | undefined
  /** The identity behind an opaque token: a cached result (synchronously) or one call. */
  verify(token: string): AuthInfo | Promise<AuthInfo>
  /** Resolves `auth` (a verified JWT) once the endpoint says the token is active. */
  confirm(token: string, auth: AuthInfo): AuthInfo | Promise<AuthInfo>
  /** Results in the cache. */
  readonly size: number
}

/**
 * Builds the introspector of a verifier. Its answers reject with a {@link Refusal} (the verifier
 * answers it) or a 503 `OAuthError`.
 */
export function createIntrospector(settings: IntrospectorSettings): Introspector {
  const { options } = settings
  const limits: FetchLimits = {
    fetch: settings.fetch,
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxResponseBytes,
  }
  let endpoint: Promise<URL> | undefined =
    options.endpoint === undefined ? undefined : Promise.resolve(options.endpoint)
  const locate = (): Promise<URL> => {
    endpoint ??= discoverEndpoint(
      options.issuer,
      'introspection_endpoint',
      limits,
      settings.allowInsecureHttp,
    ).catch((cause: unknown) => {
      endpoint = undefined // try discovery again on the next call
      throw cause
    })
    return endpoint
  }
  const call = reported(
    settings.events,
    introspectionCall({
      endpoint: locate,
      limits,
      authenticate: clientAuthentication(options),
      readJwt: settings.readJwt,
    }),
  )
  const cache = new IntrospectionCache(
    options.cache === null
      ? { maxEntries: 0, maxTtlMs: 0, staleMs: 0, store: undefined }
      : options.cache,
  )
  // No `typ` rule: an opaque token has no header to carry one.
  const rules: ClaimRules = { ...settings.rules, types: null }

  const unavailable = (cause: unknown): Error => {
    if (cause instanceof OAuthError || cause instanceof Refusal) return cause
    const wait = cause instanceof IntrospectionFailure ? cause.retryAfter : undefined
    return new OAuthError('temporarily_unavailable', 'introspection_unavailable', {
      cause,
      retryAfter: Math.min(wait ?? options.retryDelaySec, 300),
    })
  }

  const checkOpaque = (token: string) => (response: Readonly<Record<string, unknown>>) => {
    if (response.active !== true) throw new Refusal('inactive')
    const claims = (
      Object.hasOwn(response, 'iss') ? response : { ...response, iss: options.issuer }
    ) as TokenClaims
    if (claims.iss !== options.issuer) throw new Refusal('bad_issuer')
    checkTimes(claims, rules, Date.now() / 1000)
    checkClaims(claims, NO_HEADER, rules)
    const auth = buildAuthInfo(token, NO_HEADER, claims, readScopes(claims))
    return { auth, expiresAt: auth.expiresAt }
  }

  const checkActive =
    (auth: AuthInfo) =>
    (response: Readonly<Record<string, unknown>>): CheckedResult => {
      if (response.active !== true) throw new Refusal('inactive')
      const exp = typeof response.exp === 'number' ? response.exp : auth.expiresAt
      return { auth, expiresAt: Math.min(exp, auth.expiresAt) }
    }

  return {
    peek: (token) => cache.peek(token),
    verify(token) {
      const cached = cache.peek(token)
      if (cached !== undefined) return cached
      return cache.resolve(token, call, checkOpaque(token)).catch((cause: unknown) => {
        throw unavailable(cause)
      })
    },
    confirm(token, auth) {
      const cached = cache.peek(token)
      if (cached !== undefined) return cached
      return cache.resolve(token, call, checkActive(auth)).catch((cause: unknown) => {
        throw unavailable(cause)
      })
    },
    get size() {
      return cache.size
    },
  }
}

type Call = (token: string) => Promise<IntrospectionResponse>

/** `call`, reporting each endpoint call (result, status of a failed answer, duration). */
function reported(events: EventHub | undefined, call: Call): Call {
  if (events === undefined) return call
  return async (token) => {
    if (!events.active) return call(token)
    const started = now()
    try {
      const response = await call(token)
      const result = response.active ? 'active' : 'inactive'
      events.emit({ type: 'introspection', result, status: undefined, durationMs: now() - started })
      return response
    } catch (cause) {
      const answered = cause instanceof Error ? cause.cause : undefined
      const status = answered instanceof FetchFailure ? answered.status : undefined
      events.emit({ type: 'introspection', result: 'error', status, durationMs: now() - started })
      throw cause
    }
  }
}
