/**
 * The Koa glue: read the request, call the core, put the result on `ctx.state.auth`, throw errors
 * into Koa's error flow. Koa's default handler sends the error's `status`, `headers` and, as
 * `expose` says, its message.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import {
  checkScopeRequirement,
  ConfigurationError,
  nodeRequestHeaders,
  toVerifier,
  type AuthenticateOptions,
  type AuthInfo,
  type AuthRequest,
  type MethodScopeMap,
  type RequestHeaders,
  type ScopeMode,
  type ScopeRequirement,
  type Verifier,
  type VerifierOptions,
} from '@scopeguard/core'

/** What the middleware sets on `ctx.state`. */
export interface ScopeguardState {
  /** The verified token; undefined for anonymous requests under optional authentication. */
  auth?: AuthInfo | undefined
}

/** The parts of a Koa context the middleware reads and writes. */
export interface KoaLikeContext {
  req: IncomingMessage
  method: string
  originalUrl: string
  query: unknown
  request: object
  state: object
  body: unknown
}

/** A Koa middleware. */
export type Middleware = (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void>

/** Where `authenticate()` leaves its verifier for the scope guards of the same request. */
const VERIFIER = Symbol('scopeguard.verifier')

type WithVerifier = KoaLikeContext & { [VERIFIER]?: Verifier }

/**
 * The core's view of a Koa request. A class, not an object literal with a getter: V8 gives such
 * literals a fresh hidden class each time, which costs a full garbage collection now and then.
 */
class KoaAuthRequest implements AuthRequest {
  readonly method: string
  readonly url: string
  readonly headers: RequestHeaders
  readonly body: unknown

  constructor(private readonly ctx: KoaLikeContext) {
    this.method = ctx.method
    this.url = ctx.originalUrl
    this.headers = nodeRequestHeaders(ctx.req)
    this.body = (ctx.request as { body?: unknown }).body
  }

  /** Read (and parsed) only when the query transport is enabled. */
  get query(): unknown {
    return this.ctx.query
  }
}

/**
 * Authenticates the bearer token and sets `ctx.state.auth`. Mount a body parser before it when
 * the `body` transport is enabled.
 *
 * @param verifier - the app's verifier (share one per app: it owns the key cache), or options to
 * build one.
 * @throws {@link ConfigurationError} at once for invalid options. Per request it throws the core's
 * `OAuthError` (401, 400, or 503 with `Retry-After`) into Koa's error flow.
 * @example
 * ```ts
 * app.use(authenticate(verifier))
 * router.get('/feed', authenticate(verifier, { optional: true }), feed)
 * ```
 */
export function authenticate(
  verifier: Verifier | VerifierOptions,
  options: AuthenticateOptions = {},
): Middleware {
  const shared = toVerifier(verifier)
  const optional = { optional: options.optional === true }
  return async (ctx, next) => {
    ;(ctx as WithVerifier)[VERIFIER] = shared
    const state = ctx.state as ScopeguardState
    state.auth = await shared.authenticate(new KoaAuthRequest(ctx), optional)
    await next()
  }
}

function guard(requirement: ScopeRequirement): Middleware {
  // A malformed requirement (no scope for "any", a scope with a space) throws here, at start-up.
  checkScopeRequirement(requirement)
  return async (ctx, next) => {
    const verifier = (ctx as WithVerifier)[VERIFIER]
    if (verifier === undefined) {
      throw new Error('scopeguard: mount authenticate() before the scope guards of this route')
    }
    verifier.checkScopes((ctx.state as ScopeguardState).auth, requirement, ctx.method)
    await next()
  }
}

/**
 * Requires every listed scope (prefixed with the verifier's `resourceServer` when set).
 *
 * @throws Per request: 403 `insufficient_scope` (401 for an anonymous request), or an `Error`
 * (500) when `authenticate()` did not run first.
 * @example
 * ```ts
 * router.post('/photos', requireScopes('photos.write'), upload)
 * ```
 */
export function requireScopes(...scopes: string[]): Middleware {
  return guard({ all: scopes })
}

/**
 * Requires at least one of the listed scopes.
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * router.get('/photos', requireAnyScope('photos.read', 'photos.admin'), list)
 * ```
 */
export function requireAnyScope(...scopes: string[]): Middleware {
  return guard({ any: scopes })
}

/**
 * Requires scopes by HTTP method: `read` for GET/HEAD/OPTIONS, `write` for POST/PUT/PATCH/DELETE,
 * or per method name. A method the map does not cover is refused (403).
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * router.use('/photos', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
 * ```
 */
export function requireScopesByMethod(map: MethodScopeMap, mode?: ScopeMode): Middleware {
  return guard(mode === undefined ? { byMethod: map } : { byMethod: map, mode })
}

/**
 * Answers the RFC 9728 protected-resource metadata document the 401 challenges point to.
 *
 * @throws {@link ConfigurationError} when the verifier has no `resourceMetadata` option.
 * @example
 * ```ts
 * router.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))
 * ```
 */
export function protectedResourceMetadata(verifier: Verifier): Middleware {
  const metadata = verifier.resourceMetadata
  if (metadata === undefined) {
    throw new ConfigurationError(
      'protectedResourceMetadata() needs a verifier created with the "resourceMetadata" option',
    )
  }
  return (ctx) => {
    ctx.body = metadata.document
    return Promise.resolve()
  }
}
