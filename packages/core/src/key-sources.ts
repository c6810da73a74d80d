/**
 * Where each issuer's keys come from, decided once when a verifier is created:
 * - a configured `jwksUri` (it must pass the URL policy);
 * - a Cognito user pool: its fixed `<issuer>/.well-known/jwks.json`;
 * - keys given up front only (`jwksUri: null`, or `jwks` without a URL): nothing is ever fetched;
 * - any other issuer: OpenID Connect discovery, then the RFC 8414 form.
 *
 * Issuers whose keys come from the same place share one cache; keys given up front for an issuer
 * get a cache of their own.
 *
 * @module
 */
import { backend } from '#crypto-backend'
import { isCognitoIssuer } from './cognito.js'
import { discoverJwksUri } from './discovery.js'
import { ConfigurationError } from './errors.js'
import type { FetchLimits } from './http-fetch.js'
import type { EventHub } from './events.js'
import { JwksCache } from './jwks-cache.js'
import type { NormalizedOptions } from './normalize-options.js'
import { requireFetchUrl } from './url-policy.js'

interface KeySource {
  /** Issuers with equal keys share the cache found under this key. */
  key: string
  locate: () => Promise<URL>
  staticOnly: boolean
}

function keySourceOf(issuer: string, config: NormalizedOptions, limits: FetchLimits): KeySource {
  const configured = config.jwksUris.get(issuer)
  const preload = config.jwks.get(issuer)
  const staticOnly = configured === null || (configured === undefined && preload !== undefined)
  if (staticOnly) {
    if (preload === undefined) {
      throw new ConfigurationError(`jwksUri is null for ${issuer} but no "jwks" keys are given`)
    }
    return {
      key: `static:${issuer}`,
      locate: () => Promise.reject(new Error('static key set')),
      staticOnly,
    }
  }
  if (configured !== undefined || isCognitoIssuer(issuer)) {
    const uri = configured ?? `${issuer}/.well-known/jwks.json`
    const url = requireFetchUrl(
      uri,
      config.allowInsecureHttp,
      (problem) => new ConfigurationError(`the key-set URL ${uri} ${problem}`),
    )
    return { key: url.href, locate: () => Promise.resolve(url), staticOnly }
  }
  requireFetchUrl(
    issuer,
    config.allowInsecureHttp,
    (problem) =>
      new ConfigurationError(
        `issuer ${issuer} cannot be used for discovery: it ${problem}; or set "jwksUri"`,
      ),
  )
  return {
    key: `discovery:${issuer}`,
    locate: () => discoverJwksUri(issuer, limits, config.allowInsecureHttp),
    staticOnly,
  }
}

/**
 * The JWKS cache of every configured issuer.
 *
 * @throws {@link ConfigurationError} for a key-set or discovery URL the URL policy refuses, or
 * `jwksUri: null` without keys.
 */
export function createKeySources(
  config: NormalizedOptions,
  events?: EventHub,
): ReadonlyMap<string, JwksCache> {
  const tuning = config.jwksCache
  const limits: FetchLimits = {
    fetch: config.fetch,
    timeoutMs: tuning.timeout * 1000,
    maxBytes: tuning.maxResponseBytes,
  }
  const byKey = new Map<string, JwksCache>()
  const caches = new Map<string, JwksCache>()
  for (const issuer of config.issuers) {
    const source = keySourceOf(issuer, config, limits)
    const preload = config.jwks.get(issuer)
    let cache = byKey.get(source.key)
    if (cache === undefined || preload !== undefined) {
      cache = new JwksCache({
        ...limits,
        locate: source.locate,
        backend,
        cooldownMs: tuning.cooldown * 1000,
        defaultTtlMs: tuning.maxAge * 1000,
        minTtlMs: tuning.minMaxAge * 1000,
        maxTtlMs: tuning.maxMaxAge * 1000,
        maxStaleMs: tuning.staleIfError * 1000,
        retryDelayMs: tuning.retryDelay * 1000,
        preload,
        staticOnly: source.staticOnly,
        events,
      })
      byKey.set(source.key, cache)
    }
    caches.set(issuer, cache)
  }
  return caches
}
