/**
 * What a verifier offers: the `Verifier` interface and its option and counter types, apart from
 * `createVerifier` (verifier.ts), which builds one.
 *
 * @module
 */
import type { AuthInfo } from './auth-info.js'
import type { AuthRequest } from './bearer.js'
import type { ChallengeContext } from './challenge.js'
import type { EventListener } from './events.js'
import type { ResourceMetadata } from './resource-metadata.js'
import type { ScopeMode, ScopeRequirement } from './scopes.js'

/** Options of {@link Verifier.authenticate}. */
export interface AuthenticateOptions {
  /** Let requests without any bearer credentials through (resolves `undefined`). Default: false. */
  optional?: boolean
}

/** Counters for tests, health checks and metrics. */
export interface VerifierStats {
  /** Key-set fetches started, over all issuers. */
  jwksFetches: number
  /** Key-set generation per issuer (changes when the key set changes). */
  generations: Record<string, number>
  /** Tokens in the verified-token cache. */
  tokenCacheSize: number
}

/** A configured verifier. One per application: it owns the JWKS and token caches. */
export interface Verifier {
  /**
   * Verifies a bearer token: parsing, signature, times, issuer, audience/client, token use, scope
   * claim types, custom validators.
   *
   * @throws {@link OAuthError} `invalid_token` (401) or `temporarily_unavailable` (503).
   * @example
   * ```ts
   * const auth = await verifier.verify(token)
   * auth.scopes // ['https://photos.example.com/photos.read']
   * ```
   */
  verify(token: string): Promise<AuthInfo>
  /**
   * Finds the request's bearer token (see `transports`) and verifies it.
   *
   * @throws {@link OAuthError} `missing_token` (401 bare challenge), `invalid_request` (400),
   * `invalid_token` (401) or `temporarily_unavailable` (503).
   * @example
   * ```ts
   * const auth = await verifier.authenticate({ method: req.method, url: req.url, headers: req.headersDistinct })
   * ```
   */
  authenticate(
    request: AuthRequest,
    options?: AuthenticateOptions & { optional?: false },
  ): Promise<AuthInfo>
  authenticate(request: AuthRequest, options: AuthenticateOptions): Promise<AuthInfo | undefined>
  /**
   * Requires every listed scope (route form: prefixed with `resourceServer` when set).
   *
   * @throws {@link OAuthError} `insufficient_scope` (403), or `missing_token` (401) when `auth` is
   * undefined (an anonymous request under optional authentication).
   * @example
   * ```ts
   * verifier.requireScopes(auth, ['photos.write'])
   * ```
   */
  requireScopes(auth: AuthInfo | undefined, scopes: readonly string[]): void
  /**
   * Requires at least one of the listed scopes.
   *
   * @throws {@link OAuthError} as {@link Verifier.requireScopes}.
   * @example
   * ```ts
   * verifier.requireAnyScope(auth, ['photos.read', 'photos.write'])
   * ```
   */
  requireAnyScope(auth: AuthInfo | undefined, scopes: readonly string[]): void
  /**
   * Enforces a scope requirement (all-of, any-of, or per HTTP method). Requirement objects are
   * compiled once and remembered, so pass the same object on every request.
   *
   * @throws {@link OAuthError} as {@link Verifier.requireScopes} (a method a `byMethod` map does
   * not cover is `insufficient_scope` too); {@link ConfigurationError} for a malformed
   * requirement; `TypeError` for a `byMethod` requirement checked without `method`.
   * @example
   * ```ts
   * const photos = { byMethod: { read: 'photos.read', write: 'photos.write' } }
   * verifier.checkScopes(auth, photos, req.method)
   * ```
   */
  checkScopes(auth: AuthInfo | undefined, requirement: ScopeRequirement, method?: string): void
  /**
   * True when `auth` holds the scopes (all of them, or any with `mode: 'any'`); false for an
   * undefined `auth`.
   *
   * @throws {@link ConfigurationError} for a malformed scope list.
   * @example
   * ```ts
   * if (verifier.hasScopes(auth, ['photos.write'])) showUploadButton()
   * ```
   */
  hasScopes(auth: AuthInfo | undefined, scopes: readonly string[], mode?: ScopeMode): boolean
  /**
   * Loads every issuer's keys ahead of traffic (discovery included).
   *
   * @throws {@link OAuthError} `temporarily_unavailable` when some keys cannot be had.
   * @example
   * ```ts
   * await verifier.warmup()
   * ```
   */
  warmup(): Promise<void>
  /** The RFC 9728 document, its URL and the path to serve it at, when configured. */
  readonly resourceMetadata: ResourceMetadata | undefined
  /** The challenge parameters every error of this verifier carries. */
  readonly challenge: ChallengeContext
  /** The signature backend in use: `node` or `webcrypto`. */
  readonly backend: 'node' | 'webcrypto'
  /** Current counters. */
  stats(): VerifierStats
  /**
   * Attaches an event listener (verification outcomes, key-set fetches and failures,
   * introspection calls; see the README's "Events"). Events hold no token, claim value or key
   * material. A listener that throws is ignored; with none attached, verification does no event
   * work at all.
   *
   * @returns The function that detaches the listener.
   * @throws TypeError when `listener` is not a function.
   * @example
   * ```ts
   * const off = verifier.subscribe((event) => {
   *   if (event.type === 'verification' && event.outcome === 'refused') log.warn(event)
   * })
   * ```
   */
  subscribe(listener: EventListener): () => void
}
