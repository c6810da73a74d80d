/**
 * The Hono glue: read the Web request, call the core, put the result in `c.var.auth`, and throw
 * failures as `HTTPException`s whose response is the core's exact status and headers (Hono's
 * default error handler sends that response as it is).
 *
 * @module
 */
import type { Context, Handler, MiddlewareHandler, Next } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import {
  immediateAuthentication,
  isOAuthError,
  metadataHandler,
  nodeRequestHeaders,
  scopeGuards,
  webRequestHeaders,
  type AuthenticateOptions,
  type AuthInfo,
  type AuthRequest,
  type NodeSocketLike,
  type RequestHeaders,
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

/**
 * The request's headers as Fetch joins them. On @hono/node-server the Node request is at hand:
 * one pass over its raw header lines for the few headers the verifier reads, joined with ", " as
 * `Headers` would (so Hono answers alike on every runtime), instead of a `Headers.get()` per name
 * that validates and lower-cases it each time (~1.7 us of a 20 us request, measured).
 */
function headersOf(c: Context): Pick<Headers, 'get'> {
  const incoming = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming
  if (!Array.isArray(incoming?.rawHeaders)) return c.req.raw.headers
  const lines = nodeRequestHeaders(incoming as { rawHeaders: string[] })
  return {
    get(name) {
      const value = lines[name]
      return value === undefined ? null : typeof value === 'string' ? value : value.join(', ')
    },
  }
}

/** The core's view of a Hono request: method, absolute URL, the headers the core reads. */
class HonoAuthRequest implements AuthRequest {
  readonly method: string
  readonly url: string
  readonly headers: RequestHeaders

  constructor(private readonly c: Context) {
    this.method = c.req.method
    this.url = c.req.url
    this.headers = webRequestHeaders(headersOf(c))
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
  const step = immediateAuthentication(verifier, options)
  // No async frames or awaits: each costs Hono's hot path a measurable share of a bare request. A
  // token verified at once (a cached key or token) hands over to `next()` and returns its promise;
  // one that has to wait, when it is ready. Errors of `next()` pass through untouched.
  return createMiddleware<ScopeguardEnv>((c, next) => {
    let auth
    try {
      auth = step(c, new HonoAuthRequest(c))
    } catch (error) {
      throw toHttpException(error)
    }
    if (auth instanceof Promise) {
      return auth.then(
        (ready) => accept(c, next, ready),
        (error: unknown) => {
          throw toHttpException(error)
        },
      )
    }
    return accept(c, next, auth)
  })
}

function accept(c: Context<ScopeguardEnv>, next: Next, auth: AuthInfo | undefined): Promise<void> {
  c.set('auth', auth)
  // A fresh DPoP nonce, when the one the client used is about to age out.
  const extra = auth?.responseHeaders
  for (const name in extra) c.header(name, extra[name])
  return next()
}

/**
 * The core's scope guards (`ScopeGuards`: what each requires) as Hono middleware: per request they
 * throw the refusal (403, or 401 for an anonymous request) as an `HTTPException` whose response is
 * the exact answer.
 *
 * @throws `ConfigurationError` at once for a malformed requirement.
 * @example
 * ```ts
 * app.post('/photos', authenticate(verifier), requireScopes('photos.write'), upload)
 * app.use('/photos/*', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
 * ```
 */
export const { requireScopes, requireAnyScope, requireScopesByMethod } = scopeGuards((check) =>
  createMiddleware<ScopeguardEnv>((c, next) => {
    try {
      // `c.get`, not `c.var`: Hono builds a new object of every variable on each `c.var` read.
      check(c, c.get('auth'), c.req.method)
    } catch (error) {
      throw toHttpException(error) // an OAuthError, or as is the Error of a missing authenticate()
    }
    return next()
  }),
)

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
export const protectedResourceMetadata = metadataHandler<Handler>(
  (document) => (c) => c.json(document),
)
