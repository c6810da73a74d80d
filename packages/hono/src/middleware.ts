/**
 * The Hono glue: read the Web request, call the core, put the result in `c.var.auth`, and throw
 * failures as `HTTPException`s whose response is the core's exact status and headers (Hono's
 * default error handler sends that response as it is).
 *
 * @module
 */
import type { Context, Handler, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import {
  isOAuthError,
  resourceMetadataDocument,
  scopeGuards,
  toVerifier,
  webRequestHeaders,
  type AuthenticateOptions,
  type AuthInfo,
  type AuthRequest,
  type NodeSocketLike,
  type MethodScopeMap,
  type RequestHeaders,
  type ScopeMode,
  type Verifier,
  type VerifierOptions,
} from '@scopeguard/core'

/** The Hono `Env` the middleware sets: `c.get('auth')` / `c.var.auth`. */
export interface ScopeguardEnv {
  Variables: {
    /** The verified token; undefined for anonymous requests under optional authentication. */
    auth: AuthInfo | undefined
  }
}

/** Where `authenticate()` leaves its verifier for the scope guards of the same request. */
const VERIFIER = Symbol('scopeguard.verifier')

type WithVerifier = Context & { [VERIFIER]?: Verifier }

/** The core's view of a Hono request: method, absolute URL, the headers the core reads. */
class HonoAuthRequest implements AuthRequest {
  readonly method: string
  readonly url: string
  readonly headers: RequestHeaders

  constructor(private readonly c: Context) {
    this.method = c.req.method
    this.url = c.req.url
    this.headers = webRequestHeaders(c.req.raw.headers)
  }

  /** The form a `validator('form', ...)` mounted before `authenticate()` parsed (body transport). */
  get body(): unknown {
    return (this.c.req as unknown as { valid(target: string): unknown }).valid('form')
  }

  /** On `@hono/node-server`, the Node socket (peer address, TLS client certificate); else none. */
  get socket(): NodeSocketLike | undefined {
    const env = this.c.env as { incoming?: { socket?: NodeSocketLike } } | undefined
    return env?.incoming?.socket
  }
}

/** The core's `OAuthError` as Hono's `HTTPException` carrying the exact response; others as is. */
function toHttpException(error: unknown): unknown {
  if (!isOAuthError(error)) return error
  const text = error.expose ? error.message : 'Service Unavailable'
  const res = new Response(text, { status: error.status, headers: error.headers })
  const status = error.status as ContentfulStatusCode
  return new HTTPException(status, { res, message: error.message, cause: error })
}

/**
 * Authenticates the bearer token of every request it sees and sets `c.var.auth`. For the `body`
 * transport, mount `validator('form', (form) => form)` (from `hono/validator`) before it.
 *
 * @param verifier - the app's verifier (share one per app: it owns the key cache), or options to
 * build one.
 * @throws {@link ConfigurationError} at once for invalid options. Per request, an
 * `HTTPException` (its `cause` the core's `OAuthError`): 401, 400, or 503 with `Retry-After`.
 * @example
 * ```ts
 * app.use('/photos/*', authenticate(verifier))
 * app.get('/feed', authenticate(verifier, { optional: true }), (c) => c.json(c.var.auth ?? null))
 * ```
 */
export function authenticate(
  verifier: Verifier | VerifierOptions,
  options: AuthenticateOptions = {},
): MiddlewareHandler<ScopeguardEnv> {
  const shared = toVerifier(verifier)
  const optional = { optional: options.optional === true }
  return createMiddleware<ScopeguardEnv>(async (c, next) => {
    ;(c as WithVerifier)[VERIFIER] = shared
    let auth: AuthInfo | undefined
    try {
      auth = await shared.authenticate(new HonoAuthRequest(c), optional)
    } catch (error) {
      throw toHttpException(error)
    }
    c.set('auth', auth)
    // A fresh DPoP nonce, when the one the client used is about to age out.
    const extra = auth?.responseHeaders
    for (const name in extra) c.header(name, extra[name])
    await next()
  })
}

const guards = scopeGuards((check) =>
  createMiddleware<ScopeguardEnv>(async (c, next) => {
    const verifier = (c as WithVerifier)[VERIFIER]
    try {
      check(verifier, c.var.auth, c.req.method)
    } catch (error) {
      throw verifier === undefined ? error : toHttpException(error)
    }
    await next()
  }),
)

/**
 * Requires every listed scope (`photos.read`; prefixed with the verifier's `resourceServer`).
 *
 * @throws {@link ConfigurationError} at once for a malformed scope. Per request an
 * `HTTPException`: 403 `insufficient_scope` (401 for an anonymous request); an `Error` (500) when
 * `authenticate()` did not run first.
 * @example
 * ```ts
 * app.post('/photos', authenticate(verifier), requireScopes('photos.write'), upload)
 * ```
 */
export const requireScopes: (...scopes: string[]) => MiddlewareHandler<ScopeguardEnv> =
  guards.requireScopes

/**
 * Requires at least one of the listed scopes.
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * app.get('/photos', authenticate(verifier), requireAnyScope('photos.read', 'photos.admin'), list)
 * ```
 */
export const requireAnyScope: (...scopes: string[]) => MiddlewareHandler<ScopeguardEnv> =
  guards.requireAnyScope

/**
 * Requires scopes for each HTTP method of a path: `read` covers the safe methods, `write` the
 * others, and an upper-case method name sets one method. Methods left out are refused with 403.
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * app.use('/photos/*', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
 * ```
 */
export const requireScopesByMethod: (
  map: MethodScopeMap,
  mode?: ScopeMode,
) => MiddlewareHandler<ScopeguardEnv> = guards.requireScopesByMethod

/**
 * Responds with the RFC 9728 protected-resource metadata document (the `resource_metadata` URL
 * of 401 challenges).
 *
 * @throws {@link ConfigurationError} when the verifier has no `resourceMetadata` option.
 * @example
 * ```ts
 * app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))
 * ```
 */
export function protectedResourceMetadata(verifier: Verifier): Handler {
  const document = resourceMetadataDocument(verifier)
  return (c) => c.json(document)
}
