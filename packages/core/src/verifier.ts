/**
 * `createVerifier`: wires the modules together. Parsing, key sources, signature, claims, scopes and
 * errors each live in their own module; this file only decides their order:
 *
 * 1. `authenticate()` finds the request's credentials (`bearer.ts`), then calls `verify()`.
 * 2. `verify()` serves a token-cache hit (times checked again), or parses the JWS, picks the
 *    issuer's key set (`key-sources.ts`), checks the signature, then the claims and scope claims.
 * 3. `admit()` runs on every accepted token, fresh or cached: the checks made on each request.
 * 4. A check refuses with a `Refusal`; `toOAuthError` (`errors.ts`) makes the answer, once, in
 *    `verify()`.
 *
 * @module
 */
import { backend } from '#crypto-backend'
import { buildAuthInfo, type AuthInfo, type TokenClaims } from './auth-info.js'
import { extractBearer, headerValues, isB64token, type AuthRequest } from './bearer.js'
import type { ChallengeContext } from './challenge.js'
import { checkClaims, checkTimes } from './claims.js'
import { OAuthError, Refusal, toOAuthError } from './errors.js'
import {
  EventHub,
  noteOf,
  observeToken,
  reportRequest,
  reportScopeRefusal,
  type AuthScheme,
  type VerificationProbe,
} from './events.js'
import { createProofChecker } from './dpop-proof.js'
import { createIntrospector, isOpaqueToken, type Introspector } from './introspection.js'
import { introspectionJwtReader } from './introspection-jwt.js'
import type { JwksCache, ResolvedKey } from './jwks-cache.js'
import { parseCompactJws, signingInputOf, type JwsHeader, type ParsedJws } from './jws-parser.js'
import { createKeySources } from './key-sources.js'
import { andThen, promised, type MaybePromise } from './maybe-async.js'
import { normalizeOptions } from './normalize-options.js'
import type { VerifierOptions } from './options.js'
import type { AuthenticateOptions, Verifier } from './verifier-api.js'
import { buildResourceMetadata } from './resource-metadata.js'
import {
  compileRequirement,
  readScopes,
  scopesSatisfy,
  type CompiledScopes,
  type ScopeRequirement,
} from './scopes.js'
import { createPossession } from './possession.js'
import { revocationCheck } from './revocation.js'
import { parseJsonObject } from './strict-json.js'
import { TokenCache } from './token-cache.js'
import { forwardedOrigin, fromTrustedProxy } from './trusted-proxy.js'

export type { AuthenticateOptions, Verifier, VerifierStats } from './verifier-api.js'

/**
 * `authenticate()` answering now when it can: the result, or the refusal thrown, when nothing had
 * to be waited for; a promise otherwise.
 */
export type AuthenticateNow = (
  request: AuthRequest,
  options?: AuthenticateOptions,
) => MaybePromise<AuthInfo | undefined>

/** Every verifier {@link createVerifier} made, with its synchronous-first `authenticate()`. */
const verifiers = new WeakMap<Verifier, AuthenticateNow>()

/**
 * The synchronous-first `authenticate()` of a verifier {@link createVerifier} made: what the
 * adapters call, so that a request whose token is verified without waiting (a cached key or token
 * on the node backend) costs them no promise and no microtask.
 *
 * @throws `TypeError` for a verifier of another origin (adapters pass theirs through
 * {@link toVerifier}).
 */
export function authenticateNowOf(verifier: Verifier): AuthenticateNow {
  const now = verifiers.get(verifier)
  if (now === undefined) throw new TypeError('scopeguard: not a verifier made by createVerifier')
  return now
}

/**
 * True for a verifier made by {@link createVerifier} (not a look-alike object).
 *
 * @example
 * ```ts
 * isVerifier(createVerifier(options)) // true
 * isVerifier(options) // false
 * ```
 */
export function isVerifier(value: unknown): value is Verifier {
  return typeof value === 'object' && value !== null && verifiers.has(value as Verifier)
}

/**
 * What adapters accept: a verifier to share (returned as it is), or options to build one from.
 *
 * @throws {@link ConfigurationError} for invalid options (see {@link createVerifier}).
 * @example
 * ```ts
 * const verifier = toVerifier(verifierOrOptions)
 * ```
 */
export function toVerifier(value: Verifier | VerifierOptions): Verifier {
  return isVerifier(value) ? value : createVerifier(value)
}

/**
 * The former name of {@link toVerifier}.
 *
 * @deprecated Use {@link toVerifier} (this name read like a React hook).
 * @throws {@link ConfigurationError} as {@link toVerifier}.
 * @example
 * ```ts
 * const verifier = toVerifier(verifierOrOptions)
 * ```
 */
export const useVerifier: (value: Verifier | VerifierOptions) => Verifier = toVerifier

/**
 * Creates a verifier. Options are validated here: a bad configuration throws at start-up, never
 * at the first request.
 *
 * @throws {@link ConfigurationError} with a sentence that says how to fix the options.
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 * })
 * const auth = await verifier.verify(token)
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const config = normalizeOptions(options)
  const metadata =
    config.resourceMetadata === undefined
      ? undefined
      : buildResourceMetadata(
          config.resourceMetadata,
          config.issuers,
          config.resourceServer,
          config.transports,
          { dpop: config.dpop, mtls: config.mtls },
        )
  const dpop = config.dpop
  const challenge: ChallengeContext = {
    realm: config.realm,
    resourceMetadata: metadata?.url,
    dpop: dpop === undefined ? undefined : { algs: dpop.algs, required: dpop.required },
  }
  const tokenCache =
    config.tokenCache === false ? undefined : new TokenCache(config.tokenCache.maxEntries)
  const events = new EventHub()
  const caches = createKeySources(config, events)
  const refused = (error: unknown): Error => toOAuthError(error, challenge)
  const refusedDpop = (error: unknown): Error => toOAuthError(error, challenge, 'dpop')
  const possession = createPossession({
    dpop,
    mtls: config.mtls,
    trustedProxies: config.trustedProxies,
    clockToleranceSec: config.rules.clockToleranceSec,
    events,
  })
  const checkProof =
    dpop === undefined ? undefined : createProofChecker(dpop, config.rules.clockToleranceSec)

  const introspecting = config.introspection
  const introspector =
    introspecting === undefined
      ? undefined
      : createIntrospector({
          options: introspecting,
          rules: config.rules,
          fetch: config.fetch,
          allowInsecureHttp: config.allowInsecureHttp,
          events,
          readJwt: introspecting.jwtResponse
            ? introspectionJwtReader({
                issuer: introspecting.issuer,
                clientId: introspecting.clientId,
                keys: caches.get(introspecting.issuer) as JwksCache,
                algorithms: config.algorithms,
                maxLength: introspecting.maxResponseBytes,
              })
            : undefined,
        })
  const confirmJwts = introspecting?.introspectJwts === true

  // The verification runs synchronously as far as it can: with the key cached and the node
  // backend, a token is verified without waiting on anything, and only the answer is a promise.
  // Key fetches, Web Crypto and custom validators continue asynchronously.

  /**
   * A token sent as `Bearer` (or given to `verify()`). `unchecked`: a header token whose b64token
   * syntax is checked only when it is not cached. `request`: where a certificate-bound token's
   * client certificate comes from.
   */
  function verifyNow(
    token: string,
    unchecked = false,
    request?: AuthRequest,
  ): MaybePromise<AuthInfo> {
    return settle('bearer', (probe) => checkBearer(token, unchecked, probe, request))
  }

  function checkBearer(
    token: string,
    unchecked: boolean,
    probe: VerificationProbe | undefined,
    request: AuthRequest | undefined,
  ): AuthInfo | Promise<AuthInfo> {
    const auth = check(token, unchecked, probe)
    // Only a token with a confirmation claim (`cnf`) has a binding to check: one property read.
    if (auth instanceof Promise) {
      return auth.then((ready) =>
        ready.claims.cnf === undefined ? ready : possession.bearer(ready, request),
      )
    }
    return auth.claims.cnf === undefined ? auth : possession.bearer(auth, request)
  }

  /**
   * A token sent as `DPoP`: the proof (RFC 9449 §4.3) first, then the token as any other, then
   * its binding to the proof's key and the proof's one-time use.
   */
  function verifyDpopNow(token: string, request: AuthRequest): MaybePromise<AuthInfo> {
    const run = (probe: VerificationProbe | undefined): AuthInfo | Promise<AuthInfo> => {
      // The origin a trusted proxy forwarded, else the configured ones; never the Host header.
      const forwarded = fromTrustedProxy(request, config.trustedProxies)
        ? forwardedOrigin(request)
        : undefined
      const origins = forwarded === undefined ? (dpop?.origins ?? []) : [forwarded]
      const proof = checkProof!(request, { method: request.method, origins }, token)
      return andThen(proof, (checked) =>
        andThen(check(token, false, probe), (auth) => possession.dpop(auth, checked, request)),
      )
    }
    return settle('dpop', run)
  }

  /**
   * One verification, its refusals answered in `scheme` (thrown now, or the promise rejected):
   * observed while someone listens, else with no event work at all (no probe, no clock read).
   */
  function settle(
    scheme: AuthScheme,
    run: (probe: VerificationProbe | undefined) => AuthInfo | Promise<AuthInfo>,
  ): MaybePromise<AuthInfo> {
    const toError = scheme === 'dpop' ? refusedDpop : refused
    if (events.active) return observeToken(events, scheme, run, toError)
    let auth
    try {
      auth = run(undefined)
    } catch (error) {
      throw toError(error)
    }
    return auth instanceof Promise
      ? auth.catch((error: unknown) => Promise.reject(toError(error)))
      : auth
  }

  /** `probe`, only while someone listens: what the events of this verification report. */
  function check(
    token: string,
    unchecked: boolean,
    probe: VerificationProbe | undefined,
  ): AuthInfo | Promise<AuthInfo> {
    const auth = verifyToken(token, unchecked, probe)
    return confirmJwts ? confirmJwt(token, auth) : auth
  }

  function verifyToken(
    token: string,
    unchecked: boolean,
    probe: VerificationProbe | undefined,
  ): AuthInfo | Promise<AuthInfo> {
    if (typeof token !== 'string' || token === '') throw new Refusal('malformed')
    if (introspector !== undefined && isOpaqueToken(token)) {
      return verifyOpaque(token, unchecked, probe)
    }
    const cached = tokenCache?.get(token)
    if (cached !== undefined) {
      if (probe !== undefined) Object.assign(probe, noteOf(cached), { cached: true })
      try {
        checkTimes(cached.claims, config.rules, Date.now() / 1000)
      } catch (refusal) {
        tokenCache?.delete(token)
        throw refusal
      }
      const pending = admit(cached)
      return pending === undefined ? cached : pending.then(() => cached)
    }
    let parsed: ParsedJws
    try {
      parsed = parseCompactJws(token, config.maxTokenLength, config.algorithms)
    } catch (refusal) {
      // A parsed JWS is always a valid b64token, so the header syntax is checked only on failure:
      // not a b64token at all is a malformed request (400), before any reason about the JWS.
      if (unchecked && !isB64token(token)) throw new Refusal('invalid_request')
      throw refusal
    }
    if (probe !== undefined) probe.algorithm = parsed.header.alg
    const claims = parseJsonObject(parsed.payload) as TokenClaims | undefined
    if (claims === undefined) throw new Refusal('malformed')
    // The unverified issuer only picks the key set; an unknown issuer never causes a fetch.
    const cache = typeof claims.iss === 'string' ? caches.get(claims.iss) : undefined
    if (cache === undefined || !Object.hasOwn(claims, 'iss')) throw new Refusal('bad_issuer')
    if (probe !== undefined) probe.issuer = claims.iss
    const { kid, alg } = parsed.header
    const ready = cache.peekKey(kid, alg)
    if (ready !== undefined) return checkSignature(token, parsed, claims, cache, ready)
    return cache
      .getKey(kid, alg)
      .then((resolved) => checkSignature(token, parsed, claims, cache, resolved))
  }

  /** An opaque token: a cached result, else size, syntax and one introspection; then {@link admit}. */
  function verifyOpaque(
    token: string,
    unchecked: boolean,
    probe: VerificationProbe | undefined,
  ): AuthInfo | Promise<AuthInfo> {
    // A cached result's token passed these checks when it was admitted (hits need full equality).
    let auth: AuthInfo | Promise<AuthInfo> | undefined = (introspector as Introspector).peek(token)
    if (probe !== undefined) probe.cached = auth !== undefined
    if (auth === undefined) {
      if (token.length > config.maxTokenLength) throw new Refusal('too_large')
      if (unchecked && !isB64token(token)) throw new Refusal('invalid_request')
      auth = (introspector as Introspector).verify(token)
    }
    const admitted = (found: AuthInfo): AuthInfo | Promise<AuthInfo> => {
      const pending = admit(found)
      return pending === undefined ? found : pending.then(() => found)
    }
    return auth instanceof Promise ? auth.then(admitted) : admitted(auth)
  }

  /** `introspectJwts`: a verified JWT is served once the endpoint says it is active. */
  function confirmJwt(token: string, auth: AuthInfo | Promise<AuthInfo>) {
    if (isOpaqueToken(token)) return auth
    const confirm = (verified: AuthInfo) => (introspector as Introspector).confirm(token, verified)
    return auth instanceof Promise ? auth.then(confirm) : confirm(auth)
  }

  function checkSignature(
    token: string,
    parsed: ParsedJws,
    claims: TokenClaims,
    cache: JwksCache,
    resolved: ResolvedKey,
  ): AuthInfo | Promise<AuthInfo> {
    const signed = backend.verify(
      parsed.header.alg,
      resolved.key,
      signingInputOf(parsed),
      parsed.signature,
    )
    return signed instanceof Promise
      ? signed.then((valid) => accept(valid, token, parsed.header, claims, cache, resolved))
      : accept(signed, token, parsed.header, claims, cache, resolved)
  }

  /** After the signature: the claims, then {@link admit}; a token that passes is remembered. */
  function accept(
    signed: boolean,
    token: string,
    header: JwsHeader,
    claims: TokenClaims,
    cache: JwksCache,
    resolved: ResolvedKey,
  ): AuthInfo | Promise<AuthInfo> {
    if (!signed) throw new Refusal('bad_signature')
    checkTimes(claims, config.rules, Date.now() / 1000)
    checkClaims(claims, header, config.rules)
    const auth = buildAuthInfo(token, header, claims, readScopes(claims))
    const pending = admit(auth)
    if (pending === undefined) {
      tokenCache?.set(token, auth, cache, resolved.entry)
      return auth
    }
    return pending.then(() => {
      tokenCache?.set(token, auth, cache, resolved.entry)
      return auth
    })
  }

  const checkRevocation =
    config.revocation === null ? undefined : revocationCheck(config.revocation, events)

  /**
   * The checks every accepted token passes on every request, token-cache hits included:
   * revocation, then the custom validators. `undefined` when nothing is left to wait for.
   */
  function admit(auth: AuthInfo): Promise<void> | undefined {
    const revoked = checkRevocation?.(auth.claims, auth.issuer)
    if (revoked !== undefined) {
      return config.validators.length === 0 ? revoked : revoked.then(() => runValidators(auth))
    }
    return config.validators.length === 0 ? undefined : runValidators(auth)
  }

  async function runValidators(auth: AuthInfo): Promise<void> {
    for (const validator of config.validators) {
      let result: unknown
      try {
        result = await validator(auth)
      } catch (cause) {
        if (cause instanceof OAuthError) throw cause
        throw new Refusal('rejected', { cause })
      }
      if (result === false) throw new Refusal('rejected')
    }
  }

  /**
   * The request path: credentials from the enabled transports, then {@link verifyNow}. Answers
   * now (or throws the refusal) when nothing had to be waited for; a promise otherwise.
   */
  function authenticateNow(
    request: AuthRequest,
    opts?: AuthenticateOptions,
  ): MaybePromise<AuthInfo | undefined> {
    let found
    try {
      found = extractBearer(request, config.transports, true, dpop !== undefined)
    } catch (error) {
      refuseRequest('bearer', refused(error))
    }
    if ('token' in found) {
      if (found.dpop === true) return verifyDpopNow(found.token, request)
      if (dpop === undefined) return verifyNow(found.token, found.unchecked === true, request)
      // DPoP only: a Bearer token counts as no credentials (answered with the DPoP challenge).
      if (dpop.required) found = { missing: true } as const
      else if (headerValues(request.headers, 'dpop').length > 0) {
        // A proof next to a Bearer token: the client meant DPoP or is confused; either way the
        // request is refused rather than served without the proof it sent (RFC 9449 §7.2).
        refuseRequest('bearer', refused(new Refusal('dpop_with_bearer')))
      } else return verifyNow(found.token, found.unchecked === true, request)
    }
    if ('missing' in found) {
      if (opts?.optional === true) {
        if (events.active) reportRequest(events, 'none')
        return undefined
      }
      refuseRequest('none', new OAuthError('missing_token', 'missing_token', { challenge }))
    }
    refuseRequest('bearer', new OAuthError('invalid_request', found.invalid, { challenge }))
  }

  /** A request refused before any token was checked: reported, then thrown. */
  function refuseRequest(scheme: 'bearer' | 'none', error: Error): never {
    if (events.active) reportRequest(events, scheme, error)
    throw error
  }

  // The public forms: always a promise (a refusal rejects it), for callers that await.
  const verify = (token: string): Promise<AuthInfo> => promised(verifyNow, token, false)
  const authenticate = (request: AuthRequest, opts?: AuthenticateOptions): Promise<AuthInfo> =>
    // Undefined only for an anonymous request under `optional` (the interface's overloads say so).
    promised(authenticateNow, request, opts) as Promise<AuthInfo>

  const compiled = new WeakMap<
    ScopeRequirement,
    (method: string | undefined) => CompiledScopes | undefined
  >()

  function checkScopes(
    auth: AuthInfo | undefined,
    requirement: ScopeRequirement,
    method?: string,
  ): void {
    if (!events.active) return enforceScopes(auth, requirement, method)
    try {
      enforceScopes(auth, requirement, method)
    } catch (error) {
      if (error instanceof OAuthError) reportScopeRefusal(events, auth, error)
      throw error
    }
  }

  function enforceScopes(
    auth: AuthInfo | undefined,
    requirement: ScopeRequirement,
    method: string | undefined,
  ): void {
    let compile = compiled.get(requirement)
    if (compile === undefined) {
      compile = compileRequirement(requirement, config.resourceServer)
      compiled.set(requirement, compile)
    }
    if (auth === undefined) throw new OAuthError('missing_token', 'missing_token', { challenge })
    const scopes = compile(method)
    if (scopes === undefined) {
      throw new OAuthError('insufficient_scope', 'insufficient_scope', {
        challenge,
        scheme: auth.scheme,
      })
    }
    if (!scopesSatisfy(auth.scopes, scopes)) {
      throw new OAuthError('insufficient_scope', 'insufficient_scope', {
        challenge,
        scopes: scopes.required,
        scheme: auth.scheme,
      })
    }
  }

  const verifier: Verifier = {
    verify,
    authenticate,
    requireScopes: (auth, scopes) => checkScopes(auth, { all: scopes }),
    requireAnyScope: (auth, scopes) => checkScopes(auth, { any: scopes }),
    checkScopes,
    hasScopes(auth, scopes, mode = 'all') {
      if (auth === undefined) return false
      const requirement = compileRequirement(
        mode === 'all' ? { all: scopes } : { any: scopes },
        config.resourceServer,
      )
      return scopesSatisfy(auth.scopes, requirement(undefined) as CompiledScopes)
    },
    async warmup() {
      try {
        await Promise.all([...new Set(caches.values())].map((cache) => cache.warmup()))
      } catch (error) {
        throw refused(error)
      }
    },
    resourceMetadata: metadata,
    challenge,
    backend: backend.name,
    stats() {
      const generations: Record<string, number> = {}
      let jwksFetches = 0
      for (const [issuer, cache] of caches) generations[issuer] = cache.generation
      for (const cache of new Set(caches.values())) jwksFetches += cache.fetches
      return { jwksFetches, generations, tokenCacheSize: tokenCache?.size ?? 0 }
    },
    subscribe: (listener) => events.subscribe(listener),
  }
  verifiers.set(verifier, authenticateNow)
  return verifier
}
