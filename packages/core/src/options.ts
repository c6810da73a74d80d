/**
 * The verifier's options (validated by `normalize-options.ts`).
 *
 * @module
 */
import type { JSONWebKeySet } from 'jose'
import type { Algorithm } from './algorithms.js'
import type { AuthInfo } from './auth-info.js'
import type { TokenTransport } from './bearer.js'
import type { IntrospectionOptions } from './introspection-options.js'
import type { DpopOptions } from './sender-options.js'
import type { RevocationSource } from './stores.js'

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
   * Default: 86400. 0 turns it off for key lookups: once the keys are past their lifetime and a
   * refresh fails, a token that needs a key (any token not in the verified-token cache) is refused
   * with 503. It does not bound the token cache: a token verified before the failure keeps being
   * served from that cache until its own `exp` (or until it is evicted), because a failed refresh
   * leaves the last key set, and so the token's key, in place. To refuse those too, also set
   * `tokenCache: false`.
   */
  staleIfError?: number
  /** Wait after a failed fetch before the next one (sent as `Retry-After`), in seconds. Default: 5. */
  retryDelay?: number
  /** Largest accepted key-set or discovery response, in bytes. Default: 65536. */
  maxResponseBytes?: number
}

/** The verified-token cache. */
export interface TokenCacheOptions {
  /**
   * Most tokens remembered, a whole number (least recently used are dropped first, approximately:
   * see the README). Default: 1000.
   * 0 remembers nothing.
   */
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

/**
 * A custom check run after every built-in one. Return (or resolve) `false`, or throw, to refuse
 * the token; any other result accepts it. Throw an {@link OAuthError} to choose the response.
 *
 * @example
 * ```ts
 * const notRevoked: ClaimValidator = async (auth) => !(await denyList.has(auth.claims.jti))
 * ```
 */
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
   * The key-set URL, or an object with one per issuer. Default: `<issuer>/.well-known/jwks.json`
   * for Cognito issuers, otherwise OIDC discovery (`<issuer>/.well-known/openid-configuration`,
   * then the RFC 8414 form). Must be `https` (or plain `http` on a loopback host, or with
   * `allowInsecureHttp`). `null` means "never fetch": only the keys in `jwks` are used.
   */
  jwksUri?: string | null | Readonly<Record<string, string | null>>
  /**
   * Keys given up front (a JSON Web Key Set), for one issuer or as an object with one per issuer.
   * Without a `jwksUri` for that issuer (or with `jwksUri: null`) these are its only keys: nothing
   * is fetched, no discovery runs, and a rotated key is unknown until you restart. With a
   * `jwksUri`, they are a preload: used until they expire (`jwksCache.maxAge`) or an unknown `kid`
   * arrives, then refreshed from the URL. Default: none.
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
  /** Allowed clock skew for `exp`, `nbf`, `iat` and `maxTokenAge`, in seconds. Default: 5. */
  clockTolerance?: number
  /**
   * Largest accepted token age, counted from `iat`, in seconds. When set, tokens without a
   * numeric `iat` are refused. Default: `null` (no limit beyond `exp`).
   */
  maxTokenAge?: number | null
  /**
   * Required token type (header `typ`). `'at+jwt'` enforces RFC 9068 (`at+jwt` or
   * `application/at+jwt`). Default: not checked (Cognito sends no `typ`).
   */
  typ?: string | null
  /** Claims that must be present (and not null), e.g. `['sub', 'jti']`. Default: none. */
  requiredClaims?: readonly string[]
  /**
   * Custom checks, run in order after all built-in ones, on every verification (token-cache hits
   * included). A validator refuses the token by returning (or resolving) `false` or by throwing:
   * a thrown {@link OAuthError} is passed on as it is, anything else becomes `invalid_token` /
   * `rejected` with the thrown value as `cause`. Default: none.
   */
  validators?: readonly ClaimValidator[]
  /** Largest accepted token, in characters (a positive integer). Default: 8192. */
  maxTokenLength?: number
  /**
   * Where tokens may travel (RFC 6750): `'header'`, `'query'` (`access_token` parameter), `'body'`
   * (form-encoded `access_token`). Default: `['header']`. The query form leaks tokens into logs.
   */
  transports?: readonly TokenTransport[]
  /** The `realm` parameter of every `WWW-Authenticate` challenge. Default: none (not sent). */
  realm?: string
  /** RFC 9728 metadata: when set, 401 challenges carry `resource_metadata`. Default: none. */
  resourceMetadata?: ResourceMetadataOptions
  /** JWKS cache tuning. */
  jwksCache?: JwksCacheOptions
  /**
   * The verified-token cache: a token seen again skips parsing and the signature check (times,
   * the signing key's presence and `validators` are checked again on every hit). `false` turns it
   * off. Default: on, 1000 entries.
   */
  tokenCache?: TokenCacheOptions | false
  /**
   * Where revoked tokens are looked up, on every verification (token-cache hits included): a
   * revoked token is 401 `invalid_token` ("The access token was revoked"), a source that cannot
   * answer is 503. `createRevocationList()` for one process, `@scopeguard/redis` for a fleet, or
   * your own {@link RevocationSource}. Default: none (a JWT stays valid until its `exp`).
   */
  revocation?: RevocationSource | null
  /** The `fetch` used for keys and discovery. Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** Allow plain-http key and discovery URLs on non-loopback hosts. Default: false. */
  allowInsecureHttp?: boolean
  /**
   * RFC 7662 token introspection: tokens that are not JWTs (opaque tokens) are checked by the
   * issuer's introspection endpoint, and optionally JWTs too (`introspectJwts`). Default: off
   * (an opaque token is refused as malformed).
   */
  introspection?: IntrospectionOptions
  /**
   * DPoP (RFC 9449): sender-constrained tokens proved by a signed proof per request. Absent:
   * Bearer only (a DPoP-bound token is refused). `{ publicOrigin }`: both schemes. `{ required:
   * true, publicOrigin }`: DPoP only. See `DpopOptions`. Default: absent.
   */
  dpop?: DpopOptions
  /**
   * Certificate-bound tokens (RFC 8705): a token with `cnf["x5t#S256"]` is served only over a TLS
   * connection whose client certificate has that SHA-256 thumbprint (the adapters pass the
   * socket's certificate; a `Client-Cert` header counts only from `trustedProxies`). Off: such
   * tokens are refused, never served as bearer tokens. Default: false.
   */
  mtls?: boolean
  /**
   * Addresses (IPv4 or IPv6, exact) of reverse proxies whose `X-Forwarded-Proto`,
   * `X-Forwarded-Host` (the public origin of DPoP proofs) and RFC 9440 `Client-Cert` headers are
   * believed. The adapters pass the connection's peer address. From any other peer these headers
   * are ignored. Default: none.
   */
  trustedProxies?: readonly string[]
}
