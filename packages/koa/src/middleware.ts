/**
 * The Koa glue: read the request, call the core, put the result on `ctx.state.auth`, throw errors
 * into Koa's error flow. Koa's default handler sends the error's `status`, `headers` and, as
 * `expose` says, its message.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import {
  nodeRequestHeaders,
  resourceMetadataDocument,
  scopeGuards,
  toVerifier,
  type AuthenticateOptions,
  type AuthInfo,
  type AuthRequest,
  type MethodScopeMap,
  type RequestHeaders,
  type ScopeMode,
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
  set(fields: Readonly<Record<string, string>>): void
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
  readonly socket: KoaLikeContext['req']['socket']

  constructor(private readonly ctx: KoaLikeContext) {
    this.method = ctx.method
    this.url = ctx.originalUrl
    this.headers = nodeRequestHeaders(ctx.req)
    this.body = (ctx.request as { body?: unknown }).body
    this.socket = ctx.req.socket
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
    const auth = await shared.authenticate(new KoaAuthRequest(ctx), optional)
    state.auth = auth
    // A fresh DPoP nonce, when the one the client used is about to age out.
    if (auth?.responseHeaders !== undefined) ctx.set(auth.responseHeaders)
    await next()
  }
}

const guards = scopeGuards<Middleware>((check) => async (ctx, next) => {
  check((ctx as WithVerifier)[VERIFIER], (ctx.state as ScopeguardState).auth, ctx.method)
  await next()
})

/**
 * Requires every listed scope (prefixed with the verifier's `resourceServer` when set).
 *
 * @throws {@link ConfigurationError} at once for a malformed scope. Per request: 403
 * `insufficient_scope` (401 for an anonymous request), or an `Error` (500) when `authenticate()`
 * did not run first.
 * @example
 * ```ts
 * router.post('/photos', requireScopes('photos.write'), upload)
 * ```
 */
export const requireScopes: (...scopes: string[]) => Middleware = guards.requireScopes

/**
 * Requires at least one of the listed scopes.
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * router.get('/photos', requireAnyScope('photos.read', 'photos.admin'), list)
 * ```
 */
export const requireAnyScope: (...scopes: string[]) => Middleware = guards.requireAnyScope

/**
 * Requires scopes per HTTP method (`read`: GET, HEAD, OPTIONS; `write`: POST, PUT, PATCH,
 * DELETE; or a method by name). A method the map leaves out is refused with 403.
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * router.use('/photos', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
 * ```
 */
export const requireScopesByMethod: (map: MethodScopeMap, mode?: ScopeMode) => Middleware =
  guards.requireScopesByMethod

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
  const document = resourceMetadataDocument(verifier)
  return (ctx) => {
    ctx.body = document
    return Promise.resolve()
  }
}
