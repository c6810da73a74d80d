/**
 * The options of RFC 7662 token introspection (opaque tokens), and their validation at
 * construction.
 *
 * @module
 */
import type { JWK } from 'jose'
import { ConfigurationError } from './errors.js'
import type { IntrospectionResultCache } from './stores.js'
import { requireFetchUrl } from './url-policy.js'

/** How the verifier authenticates to the introspection endpoint (RFC 7662 §2.1). */
export type IntrospectionClientAuthentication =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/** The introspection result cache. */
export interface IntrospectionCacheOptions {
  /**
   * Longest time an active result is reused, in seconds: a token revoked at the authorization
   * server is refused at the latest this long after its last introspection. A result is never
   * kept past the token's `exp`. Default: 60.
   */
  maxTtl?: number
  /** Most results kept in this process, a whole number (oldest dropped first). Default: 1000. */
  maxEntries?: number
  /**
   * A cache shared by several processes (e.g. `@scopeguard/redis`), consulted when this process
   * has no result. It is keyed by the base64url SHA-256 of the token and never sees the token.
   * Default: none (each process keeps its own results).
   */
  store?: IntrospectionResultCache
  /**
   * How long after its `maxTtl` ended a cached active result may still be served while the
   * introspection endpoint fails (down, slow, 5xx, 429, garbage), in seconds; never past the
   * token's `exp`. Default: 0 (off): an outage is answered with 503. Turning it on trades
   * revocation delay for availability: a token revoked during the outage keeps working up to
   * `maxTtl + staleIfError` seconds.
   */
  staleIfError?: number
}

/** RFC 7662 token introspection: how opaque tokens (and optionally JWTs) are checked. */
export interface IntrospectionOptions {
  /**
   * The introspection endpoint URL. Must be `https` (or plain `http` on a loopback host, or with
   * `allowInsecureHttp`). Default: the `introspection_endpoint` of the issuer's discovery
   * document, looked up at the first introspection.
   */
  endpoint?: string
  /**
   * The issuer whose tokens the endpoint introspects: a result without `iss` is attributed to it,
   * a result with another `iss` is refused. Default: the configured issuer (required when
   * several issuers are configured).
   */
  issuer?: string
  /** This resource server's client id at the authorization server. Required. */
  clientId: string
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string
  /**
   * The client authentication method. Default: `client_secret_basic` with a `clientSecret`,
   * `private_key_jwt` with a `privateKey`.
   */
  clientAuthentication?: IntrospectionClientAuthentication
  /**
   * The private key that signs `private_key_jwt` client assertions (RFC 7523): a `CryptoKey`, or
   * a private JWK. Its algorithm is `assertionAlgorithm`, else the JWK's `alg`.
   */
  privateKey?: CryptoKey | JWK
  /** The JWS algorithm of client assertions, e.g. `ES256`. Default: the key's `alg`. */
  assertionAlgorithm?: string
  /** The `kid` header of client assertions. Default: the JWK's `kid` (none for a CryptoKey). */
  assertionKeyId?: string
  /** The `aud` of client assertions. Default: the issuer identifier. */
  assertionAudience?: string
  /**
   * Ask for RFC 9701 JWT-secured responses (`Accept: application/token-introspection+jwt`),
   * verified with the issuer's keys (the verifier's key-set cache); a plain JSON answer is then
   * refused. Default: false.
   */
  jwtResponse?: boolean
  /**
   * Introspect JWTs too (after every JWT check passed): a revoked JWT is then refused within
   * `cache.maxTtl`. Costs one introspection call per token and `maxTtl`. Default: false (JWTs are
   * verified locally only).
   */
  introspectJwts?: boolean
  /** Time limit of one introspection call, body included, in seconds. Default: 5. */
  timeout?: number
  /** Largest accepted introspection response, in bytes. Default: 16384. */
  maxResponseBytes?: number
  /**
   * The `Retry-After` of a 503 when the endpoint fails without naming one, in seconds. Default: 5.
   */
  retryDelay?: number
  /** The result cache; `false` turns it off (every request is one call). Default: on. */
  cache?: IntrospectionCacheOptions | false
}

/** Introspection options after validation. */
export interface NormalizedIntrospection {
  endpoint: URL | undefined
  issuer: string
  clientId: string
  clientSecret: string | undefined
  method: IntrospectionClientAuthentication
  privateKey: CryptoKey | JWK | undefined
  assertionAlgorithm: string | undefined
  assertionKeyId: string | undefined
  assertionAudience: string
  jwtResponse: boolean
  introspectJwts: boolean
  timeoutMs: number
  maxResponseBytes: number
  retryDelaySec: number
  cache: {
    maxTtlMs: number
    maxEntries: number
    store: IntrospectionResultCache | undefined
    staleMs: number
  } | null
}

function configurationError(message: string): ConfigurationError {
  return new ConfigurationError(`introspection: ${message}`)
}

function fail(message: string): never {
  throw configurationError(message)
}

function seconds(name: string, value: unknown, fallback: number, positive = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && !value)) {
    fail(`"${name}" must be a finite number of seconds, ${positive ? 'more than 0' : '0 or more'}`)
  }
  return value
}

function whole(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    fail(`"${name}" must be a whole number, 1 or more`)
  }
  return value as number
}

function text(name: string, value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    fail(`"${name}" must be a non-empty string`)
  }
  return value
}

function checkCache(value: unknown): NormalizedIntrospection['cache'] {
  if (value === false) return null
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    fail('"cache" must be an object or false')
  }
  const given = (value ?? {}) as IntrospectionCacheOptions
  const store = given.store
  if (
    store !== undefined &&
    (typeof store?.get !== 'function' || typeof store.set !== 'function')
  ) {
    fail('"cache.store" must have get(key) and set(key, value, ttlMs) methods')
  }
  return {
    maxTtlMs: seconds('cache.maxTtl', given.maxTtl, 60) * 1000,
    maxEntries: whole('cache.maxEntries', given.maxEntries, 1000),
    store,
    staleMs: seconds('cache.staleIfError', given.staleIfError, 0) * 1000,
  }
}

function checkMethod(options: IntrospectionOptions): IntrospectionClientAuthentication {
  const method =
    options.clientAuthentication ??
    (options.privateKey !== undefined ? 'private_key_jwt' : 'client_secret_basic')
  if (method === 'private_key_jwt') {
    const key = options.privateKey as unknown
    if (typeof key !== 'object' || key === null) {
      fail('"private_key_jwt" needs "privateKey" (a CryptoKey or a private JWK)')
    }
    const alg = options.assertionAlgorithm ?? (key as JWK).alg
    if (typeof alg !== 'string' || alg === '' || /^(none|HS\d+)$/i.test(alg)) {
      fail('"assertionAlgorithm" must name an asymmetric JWS algorithm such as "ES256"')
    }
  } else if (method === 'client_secret_basic' || method === 'client_secret_post') {
    if (typeof options.clientSecret !== 'string' || options.clientSecret === '') {
      fail(`"${method}" needs "clientSecret"; or pass "privateKey" for private_key_jwt`)
    }
  } else {
    fail(
      `"clientAuthentication" must be "client_secret_basic", "client_secret_post" or "private_key_jwt"`,
    )
  }
  return method
}

/**
 * Validates the introspection options against the verifier's issuers.
 *
 * @throws {@link ConfigurationError} with a sentence that says how to fix the mistake.
 * @example
 * ```ts
 * normalizeIntrospection({ clientId: 'api' }, ['https://issuer.example'], false)
 * // throws: "client_secret_basic" needs "clientSecret"; ...
 * ```
 */
export function normalizeIntrospection(
  value: unknown,
  issuers: readonly string[],
  allowInsecureHttp: boolean,
): NormalizedIntrospection | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) fail('the option must be an object')
  const options = value as IntrospectionOptions
  const clientId = text('clientId', options.clientId)
  if (clientId === undefined) fail('"clientId" is required (this API\'s client at the issuer)')
  const issuer = text('issuer', options.issuer) ?? (issuers.length === 1 ? issuers[0] : undefined)
  if (issuer === undefined || !issuers.includes(issuer)) {
    fail('"issuer" must name one of the configured issuers (required with several issuers)')
  }
  let endpoint: URL | undefined
  if (options.endpoint !== undefined) {
    const given = String(options.endpoint)
    endpoint = requireFetchUrl(given, allowInsecureHttp, (problem) =>
      configurationError(`the endpoint ${given} ${problem}`),
    )
  } else {
    requireFetchUrl(issuer, allowInsecureHttp, (problem) =>
      configurationError(
        `issuer ${issuer} cannot be used for discovery: it ${problem}; or set "endpoint"`,
      ),
    )
  }
  return {
    endpoint,
    issuer,
    clientId,
    clientSecret: text('clientSecret', options.clientSecret),
    method: checkMethod(options),
    privateKey: options.privateKey,
    assertionAlgorithm: text('assertionAlgorithm', options.assertionAlgorithm),
    assertionKeyId: text('assertionKeyId', options.assertionKeyId),
    assertionAudience: text('assertionAudience', options.assertionAudience) ?? issuer,
    jwtResponse: options.jwtResponse === true,
    introspectJwts: options.introspectJwts === true,
    timeoutMs: seconds('timeout', options.timeout, 5, true) * 1000,
    maxResponseBytes: whole('maxResponseBytes', options.maxResponseBytes, 16384),
    retryDelaySec: seconds('retryDelay', options.retryDelay, 5),
    cache: checkCache(options.cache),
  }
}
