/**
 * Validation of {@link VerifierOptions}, once, at construction: every mistake throws a
 * {@link ConfigurationError} with a sentence that says how to fix it, never at the first request.
 *
 * @module
 */
import type { JSONWebKeySet } from 'jose'
import { checkAlgorithmList, DEFAULT_ALGORITHMS, type Algorithm } from './algorithms.js'
import type { TokenTransport } from './bearer.js'
import type { ClaimRules } from './claims.js'
import { ConfigurationError } from './errors.js'
import { normalizeIntrospection, type NormalizedIntrospection } from './introspection-options.js'
import { normalizeDpop, type NormalizedDpop } from './sender-options.js'
import { trustedProxySet } from './trusted-proxy.js'
import { isKeySet } from './key-policy.js'
import type {
  ClaimValidator,
  JwksCacheOptions,
  ResourceMetadataOptions,
  TokenCacheOptions,
  VerifierOptions,
} from './options.js'
import type { RevocationSource } from './stores.js'

/** Options after validation, as the verifier uses them (every default filled in). */
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
  revocation: RevocationSource | null
  fetch: typeof globalThis.fetch
  allowInsecureHttp: boolean
  introspection: NormalizedIntrospection | undefined
  dpop: NormalizedDpop | undefined
  mtls: boolean
  trustedProxies: ReadonlySet<string>
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringList(name: string, value: unknown): string[] {
  const list =
    typeof value === 'string' ? [value] : Array.isArray(value) ? [...(value as unknown[])] : []
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    fail(`"${name}" must be a non-empty string or a non-empty array of non-empty strings`)
  }
  return list as string[]
}

function optionalSet(name: string, value: unknown): Set<string> | null {
  return value === undefined || value === null ? null : new Set(stringList(name, value))
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`"${name}" must be a finite number of seconds, 0 or more`)
  }
  return value
}

function positiveInteger(name: string, value: unknown, fallback: number, zero = false): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) < (zero ? 0 : 1)) {
    fail(`"${name}" must be a whole number, ${zero ? '0' : '1'} or more`)
  }
  return value as number
}

function isAbsoluteUrl(value: string): boolean {
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

/** Reads an option that is either one value (single issuer) or an object keyed by issuer. */
function perIssuer<T>(
  name: string,
  value: unknown,
  issuers: string[],
  isOne: (v: unknown) => v is T,
  what: string,
): Map<string, T> {
  if (isOne(value)) {
    if (issuers.length > 1) {
      fail(`"${name}" must be an object keyed by issuer when several issuers are configured`)
    }
    return new Map([[issuers[0] as string, value]])
  }
  if (!isObject(value)) fail(`"${name}" must be ${what}, or an object with one per issuer`)
  const map = new Map<string, T>()
  for (const [issuer, item] of Object.entries(value)) {
    if (!issuers.includes(issuer)) {
      fail(`"${name}" names "${issuer}", which is not a configured issuer`)
    }
    if (!isOne(item)) fail(`"${name}" for "${issuer}" must be ${what}`)
    map.set(issuer, item)
  }
  return map
}

function checkTypes(options: VerifierOptions): Set<string> | null {
  const typ = options.typ ?? null
  if (typ !== null && (typeof typ !== 'string' || typ === '')) {
    fail('"typ" must be a non-empty string (e.g. "at+jwt") or null')
  }
  const base = typ?.toLowerCase().replace(/^application\//, '')
  return base === undefined ? null : new Set([base, `application/${base}`])
}

function checkTransports(value: unknown): Set<TokenTransport> {
  if (value === undefined) return new Set(['header'])
  if (!Array.isArray(value) || value.length === 0) {
    fail('"transports" must be a non-empty array of "header", "query" and "body"')
  }
  for (const transport of value) {
    if (transport !== 'header' && transport !== 'query' && transport !== 'body') {
      fail(`transport "${String(transport)}" is unknown; use "header", "query" or "body"`)
    }
  }
  return new Set(value as TokenTransport[])
}

function checkJwksCache(value: unknown): Required<JwksCacheOptions> {
  if (value !== undefined && !isObject(value)) fail('"jwksCache" must be an object')
  const given = (value ?? {}) as JwksCacheOptions
  const tuning = { ...JWKS_DEFAULTS }
  for (const key of Object.keys(JWKS_DEFAULTS) as (keyof JwksCacheOptions)[]) {
    tuning[key] = nonNegative(`jwksCache.${key}`, given[key], JWKS_DEFAULTS[key])
  }
  tuning.maxResponseBytes = positiveInteger(
    'jwksCache.maxResponseBytes',
    given.maxResponseBytes,
    JWKS_DEFAULTS.maxResponseBytes,
  )
  if (tuning.timeout === 0) fail('"jwksCache.timeout" must be more than 0 seconds')
  if (tuning.minMaxAge > tuning.maxMaxAge) {
    fail('"jwksCache.minMaxAge" must not be larger than "jwksCache.maxMaxAge"')
  }
  return tuning
}

function checkResourceMetadata(value: unknown): ResourceMetadataOptions | undefined {
  if (value === undefined) return undefined
  if (!isObject(value)) fail('"resourceMetadata" must be an object with at least "resource"')
  const metadata = value as unknown as ResourceMetadataOptions
  for (const name of ['resource', 'url'] as const) {
    const url = metadata[name]
    if (name === 'url' && url === undefined) continue
    if (typeof url !== 'string' || !isAbsoluteUrl(url)) {
      fail(`"resourceMetadata.${name}" must be an absolute URL such as https://api.example.com`)
    }
  }
  for (const name of ['authorizationServers', 'scopesSupported'] as const) {
    const list = metadata[name]
    if (list !== undefined && (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))) {
      fail(`"resourceMetadata.${name}" must be an array of strings`)
    }
  }
  if (metadata.extra !== undefined && !isObject(metadata.extra)) {
    fail('"resourceMetadata.extra" must be an object of extra document members')
  }
  return metadata
}

/**
 * Validates and normalizes verifier options.
 *
 * @throws {@link ConfigurationError} with a sentence that says how to fix the mistake.
 * @example
 * ```ts
 * normalizeOptions({ issuer: 'https://issuer.example' })
 * // throws: scopeguard: "audience" is required unless "clientId" is set; ...
 * ```
 */
export function normalizeOptions(options: VerifierOptions): NormalizedOptions {
  if (!isObject(options)) fail('createVerifier needs an options object')
  if (options.issuer === undefined) fail('"issuer" is required (the exact "iss" of your tokens)')
  const issuers = [...new Set(stringList('issuer', options.issuer))]
  const audiences = optionalSet('audience', options.audience)
  const clientIds = optionalSet('clientId', options.clientId)
  if (options.audience === undefined && clientIds === null) {
    fail(
      '"audience" is required unless "clientId" is set; pass audience: null to accept any audience',
    )
  }
  const tokenUse = options.tokenUse ?? null
  if (tokenUse !== null && tokenUse !== 'access' && tokenUse !== 'id') {
    fail('"tokenUse" must be "access", "id" or null')
  }
  const algorithms = checkAlgorithmList(
    'algorithms',
    options.algorithms,
    DEFAULT_ALGORITHMS,
    'RS256',
  )
  const resourceServer = options.resourceServer
  if (
    resourceServer !== undefined &&
    (typeof resourceServer !== 'string' || resourceServer === '' || resourceServer.endsWith('/'))
  ) {
    fail('"resourceServer" must be the resource-server identifier without a trailing slash')
  }
  const requiredClaims: unknown = options.requiredClaims ?? []
  if (!Array.isArray(requiredClaims) || requiredClaims.some((c) => typeof c !== 'string')) {
    fail('"requiredClaims" must be an array of claim names such as ["sub"]')
  }
  const validators: unknown = options.validators ?? []
  if (!Array.isArray(validators) || validators.some((v) => typeof v !== 'function')) {
    fail('"validators" must be an array of functions (auth) => boolean | Promise<boolean>')
  }
  if (options.realm !== undefined && typeof options.realm !== 'string') {
    fail('"realm" must be a string')
  }
  const revocation = options.revocation ?? null
  if (
    revocation !== null &&
    typeof (revocation as Partial<RevocationSource>).isRevoked !== 'function'
  ) {
    fail(
      '"revocation" must be a revocation source (an object with isRevoked(claims)), e.g. createRevocationList()',
    )
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function') {
    fail('no "fetch" is available; pass one as the "fetch" option')
  }
  const jwksUris =
    options.jwksUri === undefined
      ? new Map<string, string | null>()
      : perIssuer(
          'jwksUri',
          options.jwksUri,
          issuers,
          (v): v is string | null => (typeof v === 'string' && v !== '') || v === null,
          'a URL string or null',
        )
  const jwks =
    options.jwks === undefined
      ? new Map<string, JSONWebKeySet>()
      : perIssuer('jwks', options.jwks, issuers, isKeySet, 'a JSON Web Key Set ({ keys: [...] })')
  const tokenCache =
    options.tokenCache === false
      ? false
      : {
          maxEntries: positiveInteger(
            'tokenCache.maxEntries',
            options.tokenCache?.maxEntries,
            1000,
            true,
          ),
        }
  const proxies: unknown = options.trustedProxies ?? []
  if (!Array.isArray(proxies) || proxies.some((p) => typeof p !== 'string' || p.trim() === '')) {
    fail('"trustedProxies" must be an array of proxy IP addresses such as ["10.0.0.5"]')
  }
  if (options.mtls !== undefined && typeof options.mtls !== 'boolean') {
    fail('"mtls" must be true or false')
  }
  const trustedProxies = trustedProxySet(proxies as string[])
  return {
    issuers,
    jwksUris,
    jwks,
    algorithms: new Set(algorithms),
    rules: {
      issuers: new Set(issuers),
      audiences,
      clientIds,
      tokenUse,
      types: checkTypes(options),
      clockToleranceSec: nonNegative('clockTolerance', options.clockTolerance, 5),
      maxTokenAgeSec:
        options.maxTokenAge == null ? null : nonNegative('maxTokenAge', options.maxTokenAge, 0),
      requiredClaims: requiredClaims as string[],
    },
    resourceServer,
    validators: validators as ClaimValidator[],
    maxTokenLength: positiveInteger('maxTokenLength', options.maxTokenLength, 8192),
    transports: checkTransports(options.transports),
    realm: options.realm,
    resourceMetadata: checkResourceMetadata(options.resourceMetadata),
    jwksCache: checkJwksCache(options.jwksCache),
    tokenCache,
    revocation,
    fetch: fetchImpl,
    allowInsecureHttp: options.allowInsecureHttp === true,
    introspection: normalizeIntrospection(
      options.introspection,
      issuers,
      options.allowInsecureHttp === true,
    ),
    dpop: normalizeDpop(options.dpop, trustedProxies),
    mtls: options.mtls === true,
    trustedProxies,
  }
}
