/**
 * The Express glue: read the request, call the core, put the result on `req.auth`, hand errors to
 * `next(err)`. Express's own error handler (4 and 5) sends the error's `status` and `headers`.
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

/** The parts of an Express request the middleware reads and writes. */
export interface ExpressLikeRequest extends IncomingMessage {
  originalUrl?: string
  query?: unknown
  body?: unknown
  auth?: AuthInfo | undefined
}

/** The parts of an Express response the metadata handler uses. */
export interface ExpressLikeResponse {
  json(body: unknown): unknown
  setHeader?(name: string, value: string): unknown
}

/** Express's `next`. */
export type NextFunction = (error?: unknown) => void

/** A middleware usable with `app.use`, a router, or a route. */
export type Middleware = (
  req: ExpressLikeRequest,
  res: ExpressLikeResponse,
  next: NextFunction,
) => void

/** Where `authenticate()` leaves its verifier for the scope guards of the same request. */
const VERIFIER = Symbol('scopeguard.verifier')

type WithVerifier = ExpressLikeRequest & { [VERIFIER]?: Verifier }

/**
 * The core's view of an Express request. A class, not an object literal with a getter: V8 gives
 * such literals a fresh hidden class each time, which costs a full garbage collection now and then.
 */
class ExpressAuthRequest implements AuthRequest {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: RequestHeaders
  readonly body: unknown
  readonly socket: IncomingMessage['socket']

  constructor(private readonly req: ExpressLikeRequest) {
    this.method = req.method
    this.url = req.originalUrl ?? req.url
    this.headers = nodeRequestHeaders(req)
    this.body = req.body
    this.socket = req.socket
  }

  /** Express 5 parses the query string on every read of `req.query`: read only when asked. */
  get query(): unknown {
    return this.req.query
  }
}

/**
 * Authenticates the bearer token of every request it sees and sets `req.auth`. Mount a body parser
 * (`express.urlencoded()`) before it when the `body` transport is enabled.
 *
 * @param verifier - the app's verifier (share one per app: it owns the key cache), or options to
 * build one.
 * @throws {@link ConfigurationError} at once for invalid options. Per request, the core's
 * `OAuthError` goes to `next(err)`: 401, 400, or 503 with `Retry-After`.
 * @example
 * ```ts
 * app.use(authenticate(verifier))                      // every route needs a valid token
 * app.use(authenticate(verifier, { optional: true }))  // anonymous requests pass, req.auth undefined
 * ```
 */
export function authenticate(
  verifier: Verifier | VerifierOptions,
  options: AuthenticateOptions = {},
): Middleware {
  const shared = toVerifier(verifier)
  const optional = { optional: options.optional === true }
  return (req, res, next) => {
    ;(req as WithVerifier)[VERIFIER] = shared
    shared.authenticate(new ExpressAuthRequest(req), optional).then((auth) => {
      req.auth = auth
      // A fresh DPoP nonce, when the one the client used is about to age out.
      const extra = auth?.responseHeaders
      for (const name in extra) res.setHeader?.(name, extra[name] as string)
      next()
    }, next)
  }
}

const guards = scopeGuards<Middleware>((check) => (req, _res, next) => {
  try {
    check((req as WithVerifier)[VERIFIER], req.auth, req.method)
  } catch (error) {
    next(error)
    return
  }
  next()
})

/**
 * Requires every listed scope (`photos.read`; prefixed with the verifier's `resourceServer`).
 *
 * @throws {@link ConfigurationError} at once for a malformed scope; per request `next(err)` with
 * 403 `insufficient_scope` (401 for an anonymous request), or an `Error` (500) when
 * `authenticate()` did not run first.
 * @example
 * ```ts
 * app.post('/photos', requireScopes('photos.write'), upload)
 * ```
 */
export const requireScopes: (...scopes: string[]) => Middleware = guards.requireScopes

/**
 * Requires at least one of the listed scopes.
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * app.get('/photos', requireAnyScope('photos.read', 'photos.admin'), list)
 * ```
 */
export const requireAnyScope: (...scopes: string[]) => Middleware = guards.requireAnyScope

/**
 * Requires scopes by HTTP method: `read` for GET/HEAD/OPTIONS, `write` for POST/PUT/PATCH/DELETE,
 * or per method name. A method the map does not cover is refused (403).
 *
 * @throws as {@link requireScopes}.
 * @example
 * ```ts
 * app.use('/photos', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
 * ```
 */
export const requireScopesByMethod: (map: MethodScopeMap, mode?: ScopeMode) => Middleware =
  guards.requireScopesByMethod

/**
 * Serves the RFC 9728 protected-resource metadata document the 401 challenges point to.
 *
 * @throws {@link ConfigurationError} when the verifier has no `resourceMetadata` option.
 * @example
 * ```ts
 * app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))
 * ```
 */
export function protectedResourceMetadata(verifier: Verifier): Middleware {
  const document = resourceMetadataDocument(verifier)
  return (_req, res) => {
    res.json(document)
  }
}
