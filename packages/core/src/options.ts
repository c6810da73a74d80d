/**
 * The verifier's options, and their validation: every mistake fails at construction with a
 * sentence that says how to fix it, never at the first request.
 *
 * @module
 */
import type { JSONWebKeySet } from 'jose'
import { ALGORITHMS, DEFAULT_ALGORITHMS, isAlgorithm, type Algorithm } from './algorithms.js'
import type { TokenTransport } from './bearer.js'
import type { ClaimRules } from './claims.js'
import type { AuthInfo } from './auth-info.js'

/** JWKS cache tuning. Every duration is in seconds. */
export interface JwksCacheOptions {
  /** Time limit of one key-set or discovery fetch, body included, in seconds. Default: 5. */
  timeout?: number
  /**
   * Least time between two refetches caused by unknown `kid`s, in seconds, counted from the last
   * such refetch. Default: 10. Lower values let a flood of random kids cost more fetches.
   */
  cooldown?: number
  /** Key-set lifetime when the server sends no `Cache-Control: max-age`, in seconds. Default: 600. */
  maxAge?: number
  /** Lower bound applied to the server's max-age, in seconds. Default: 60. */
  minMaxAge?: number
  /** Upper bound applied to the server's max-age, in seconds. Default: 86400 (one day). */
  maxMaxAge?: number
  /**
   * How long expired keys keep verifying while the key server fails (stale-if-error), in seconds.
   * Default: 86400. 0 turns it off: tokens are then refused with 503 as soon as the keys expire
   * and cannot be refreshed.
   */
  staleIfError?: number
  /** Wait after a failed fetch before the next one (sent as `Retry-After`), in seconds. Default: 5. */
  retryDelay?: number
  /** Largest accepted key-set or discovery response, in bytes. Default: 65536. */
  maxResponseBytes?: number
}

/** The verified-token cache. */
export interface TokenCacheOptions {
  /** Most tokens remembered (least recently used are dropped). Default: 1000. */
  maxEntries?: number
}

/** RFC 9728 protected-resource metadata served by the adapters. */
export interface ResourceMetadataOptions {
  /** The resource identifier (the API's URL), e.g. `https://api.example.com`. Required. */
  resource: string
  /** Authorization servers that issue tokens for this API. Default: the configured issuers. */
  authorizationServers?: readonly string[]
  /** Route scopes the API knows (prefixed with `resourceServer` when it is set). Default: none. */
  scopesSupported?: readonly string[]
  /**
   * The metadata document's public URL, sent as `resource_metadata` in 401 challenges. Default:
   * `<origin of resource>/.well-known/oauth-protected-resource<path of resource>`.
   */
  url?: string
  /** More members for the document (`resource_name`, `resource_documentation`, ...). */
  extra?: Readonly<Record<string, unknown>>
}

/** A custom check run after every built-in one; return `false` or throw to refuse the token. */
export type ClaimValidator = (auth: AuthInfo) => unknown

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  /**
   * The accepted issuer(s): the token's `iss` must equal one of them exactly (no trailing-slash or
   * case folding). Several issuers make a multi-tenant verifier; each token's keys then come only
   * from its own issuer's key set. Required.
   */
  issuer: string | readonly string[]
  /**
   * The key-set URL, or one per issuer. Default: `<issuer>/.well-known/jwks.json` for Cognito
   * issuers, otherwise OIDC discovery (`<issuer>/.well-known/openid-configuration`, then the RFC
   * 8414 form). Must be `https` (or plain `http` on loopback, or with `allowInsecureHttp`).
   */
  jwksUri?: string | Readonly<Record<string, string>>
  /**
   * Keys to start with, for one issuer or per issuer. Without a `jwksUri` nor discovery
   * (`jwksUri: null`), these are the only keys and nothing is ever fetched.
   */
  jwks?: JSONWebKeySet | Readonly<Record<string, JSONWebKeySet>>
  /**
   * Accepted audience(s): the token's `aud` must contain one. Required unless `clientId` is set;
   * `null` turns the check off (a token minted for another API is then accepted).
   */
  audience?: string | readonly string[] | null
  /**
   * Accepted app client(s) (Cognito): `client_id` of access tokens, `aud` of ID tokens. Default:
   * not checked.
   */
  clientId?: string | readonly string[] | null
  /**
   * The Cognito token kind accepted: `'access'` or `'id'` (the `token_use` claim). Default: not
   * checked. Set it for Cognito, or an ID token is accepted where an access token is meant.
   */
  tokenUse?: 'access' | 'id' | null
  /**
   * The signature algorithm allowlist. Default: `['RS256', 'ES256', 'EdDSA', 'Ed25519']`. HMAC and
   * `none` are never accepted.
   */
  algorithms?: readonly Algorithm[]
  /**
   * The resource-server identifier that prefixes custom scopes (Cognito): with
   * `'https://photos.example.com'`, a route's `photos.read` needs the token scope
   * `https://photos.example.com/photos.read`. Default: none (scopes compared as they are).
   */
  resourceServer?: string
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. Default: 5. */
  clockTolerance?: number
  /** Largest accepted token age from `iat`, in seconds (requires `iat`). Default: none. */
  maxTokenAge?: number | null
  /**
   * Required token type (header `typ`). `'at+jwt'` enforces RFC 9068 (`at+jwt` or
   * `application/at+jwt`). Default: not checked (Cognito sends no `typ`).
   */
  typ?: string | null
  /** Claims that must be present (and not null). Default: none. */
  requiredClaims?: readonly string[]
  /** Custom checks, run in order after all built-in ones (also on token-cache hits). */
  validators?: readonly ClaimValidator[]
  /** Largest accepted token, in characters. Default: 8192. */
  maxTokenLength?: number
  /**
   * Where tokens may travel (RFC 6750): `'header'`, `'query'` (`access_token` parameter), `'body'`
   * (form-encoded `access_token`). Default: `['header']`. The query form leaks tokens into logs.
   */
  transports?: readonly TokenTransport[]
  /** The `realm` of challenges. Default: none. */
  realm?: string
  /** RFC 9728 metadata: when set, 401 challenges carry `resource_metadata`. Default: none. */
  resourceMetadata?: ResourceMetadataOptions
  /** JWKS cache tuning. */
  jwksCache?: JwksCacheOptions
  /** Verified-token cache; `false` turns it off. Default: on, 1000 entries. */
  tokenCache?: TokenCacheOptions | false
  /** The `fetch` used for keys and discovery. Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** Allow plain-http key and discovery URLs on non-loopback hosts. Default: false. */
  allowInsecureHttp?: boolean
}

/** Options after validation, as the verifier uses them. */
export interface NormalizedOptions {
  issuers: readonly string[]
  jwksUris: ReadonlyMap<string, string | null>
  jwks: ReadonlyMap<string, JSONWebKeySet>
  algorithms: ReadonlySet<Algorithm>
  rules: ClaimRules
  resourceServer: string | undefined
  validators: readonly ClaimValidator[]
  maxTokenLength: number
  transports: ReadonlySet<TokenTransport>
  realm: string | undefined
  resourceMetadata: ResourceMetadataOptions | undefined
  jwksCache: Required<JwksCacheOptions>
  tokenCache: Required<TokenCacheOptions> | false
  fetch: typeof globalThis.fetch
  allowInsecureHttp: boolean
}

/** A configuration mistake, thrown by {@link createVerifier}. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError'
  constructor(message: string) {
    super(`scopeguard: ${message}`)
  }
}

const JWKS_DEFAULTS: Required<JwksCacheOptions> = {
  timeout: 5,
  cooldown: 10,
  maxAge: 600,
  minMaxAge: 60,
  maxMaxAge: 86400,
  staleIfError: 86400,
  retryDelay: 5,
  maxResponseBytes: 65536,
}

function fail(message: string): never {
  throw new ConfigurationError(message)
}

function stringList(name: string, value: string | readonly string[]): string[] {
  const list = typeof value === 'string' ? [value] : [...value]
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    fail(`"${name}" must be a non-empty string or a non-empty array of non-empty strings`)
  }
  return list
}

function optionalSet(name: string, value: string | readonly string[] | null | undefined) {
  return value === undefined || value === null ? null : new Set(stringList(name, value))
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`"${name}" must be a finite number of seconds, 0 or more`)
  }
  return value
}

function perIssuer<T>(
  name: string,
  value: T | Readonly<Record<string, T>>,
  issuers: string[],
  isOne: (v: unknown) => boolean,
): Map<string, T> {
  if (isOne(value)) {
    if (issuers.length > 1) {
      fail(`"${name}" must be an object keyed by issuer when several issuers are configured`)
    }
    return new Map([[issuers[0] as string, value as T]])
  }
  const map = new Map<string, T>()
  for (const [issuer, item] of Object.entries(value as Record<string, T>)) {
    if (!issuers.includes(issuer))
      fail(`"${name}" names "${issuer}", which is not a configured issuer`)
    map.set(issuer, item)
  }
  return map
}

/**
 * Validates and normalizes verifier options.
 *
 * @throws {@link ConfigurationError} with a sentence that says how to fix the mistake.
 */
export function normalizeOptions(options: VerifierOptions): NormalizedOptions {
  if (typeof options !== 'object' || options === null)
    fail('createVerifier needs an options object')
  if (options.issuer === undefined) fail('"issuer" is required (the exact "iss" of your tokens)')
  const issuers = stringList('issuer', options.issuer)
  const audiences = optionalSet('audience', options.audience)
  const clientIds = optionalSet('clientId', options.clientId)
  if (options.audience === undefined && clientIds === null) {
    fail(
      '"audience" is required unless "clientId" is set; pass audience: null to accept any audience',
    )
  }
  if (options.tokenUse != null && options.tokenUse !== 'access' && options.tokenUse !== 'id') {
    fail('"tokenUse" must be "access", "id" or null')
  }
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    fail('"algorithms" must be a non-empty array')
  }
  for (const alg of algorithms) {
    if (!isAlgorithm(alg)) {
      fail(
        `algorithm "${String(alg)}" is not supported; use some of ${Object.keys(ALGORITHMS).join(', ')} (HMAC and "none" are never accepted)`,
      )
    }
  }
  const resourceServer = options.resourceServer
  if (
    resourceServer !== undefined &&
    (typeof resourceServer !== 'string' || resourceServer === '' || resourceServer.endsWith('/'))
  ) {
    fail('"resourceServer" must be the resource-server identifier without a trailing slash')
  }
  const typ = options.typ ?? null
  if (typ !== null && (typeof typ !== 'string' || typ === ''))
    fail('"typ" must be a string or null')
  const baseType = typ?.toLowerCase().replace(/^application\//, '')
  const types = baseType === undefined ? null : new Set([baseType, `application/${baseType}`])
  const transports = new Set<TokenTransport>(options.transports ?? ['header'])
  for (const transport of transports) {
    if (transport !== 'header' && transport !== 'query' && transport !== 'body') {
      fail(`transport "${String(transport)}" is unknown; use "header", "query" or "body"`)
    }
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function')
    fail('no "fetch" is available; pass one as the "fetch" option')
  const jwksUris = new Map<string, string | null>()
  if (options.jwksUri !== undefined) {
    for (const [issuer, uri] of perIssuer(
      'jwksUri',
      options.jwksUri,
      issuers,
      (v) => typeof v === 'string' || v === null,
    )) {
      jwksUris.set(issuer, uri)
    }
  }
  const jwks =
    options.jwks === undefined
      ? new Map<string, JSONWebKeySet>()
      : perIssuer('jwks', options.jwks, issuers, (v) =>
          Array.isArray((v as { keys?: unknown }).keys),
        )
  const jwksCache = { ...JWKS_DEFAULTS }
  for (const key of Object.keys(JWKS_DEFAULTS) as (keyof JwksCacheOptions)[]) {
    jwksCache[key] = nonNegative(`jwksCache.${key}`, options.jwksCache?.[key], JWKS_DEFAULTS[key])
  }
  const tokenCache =
    options.tokenCache === false
      ? false
      : { maxEntries: nonNegative('tokenCache.maxEntries', options.tokenCache?.maxEntries, 1000) }
  const metadata = options.resourceMetadata
  if (metadata !== undefined) {
    try {
      new URL(metadata.resource)
      if (metadata.url !== undefined) new URL(metadata.url)
    } catch {
      fail('"resourceMetadata.resource" (and "url" when set) must be absolute URLs')
    }
  }
  return {
    issuers,
    jwksUris,
    jwks,
    algorithms: new Set(algorithms),
    rules: {
      issuers: new Set(issuers),
      audiences,
      clientIds,
      tokenUse: options.tokenUse ?? null,
      types,
      clockToleranceSec: nonNegative('clockTolerance', options.clockTolerance, 5),
      maxTokenAgeSec:
        options.maxTokenAge == null ? null : nonNegative('maxTokenAge', options.maxTokenAge, 0),
      requiredClaims: options.requiredClaims ?? [],
    },
    resourceServer,
    validators: options.validators ?? [],
    maxTokenLength: nonNegative('maxTokenLength', options.maxTokenLength, 8192),
    transports,
    realm: options.realm,
    resourceMetadata: metadata,
    jwksCache,
    tokenCache,
    fetch: fetchImpl,
    allowInsecureHttp: options.allowInsecureHttp === true,
  }
}
