/**
 * The Express glue: read the request, call the core, put the result on `req.auth`, hand errors to
 * `next(err)`. Express's own error handler (4 and 5) sends the error's `status` and `headers`.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import {
  immediateAuthentication,
  metadataHandler,
  nodeAuthRequest,
  scopeGuards,
} from '@scopeguard/core'
import type { AuthenticateOptions, AuthInfo, Verifier, VerifierOptions } from '@scopeguard/core'

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
  const step = immediateAuthentication(verifier, options)
  // A token verified at once (a cached key or token on Node) passes to `next` in the same call
  // stack: no promise and no microtask; one that has to wait, when it is ready.
  return (req, res, next) => {
    let auth
    try {
      auth = step(req, nodeAuthRequest(req, req.originalUrl ?? req.url, req))
    } catch (error) {
      next(error)
      return
    }
    if (auth instanceof Promise) auth.then((ready) => accept(req, res, next, ready), next)
    else accept(req, res, next, auth)
  }
}

function accept(
  req: ExpressLikeRequest,
  res: ExpressLikeResponse,
  next: NextFunction,
  auth: AuthInfo | undefined,
): void {
  req.auth = auth
  // A fresh DPoP nonce, when the one the client used is about to age out.
  const extra = auth?.responseHeaders
  for (const name in extra) res.setHeader?.(name, extra[name] as string)
  next()
}

/**
 * The core's scope guards (`ScopeGuards`: what each requires) as Express middleware: per request
 * they pass the refusal (403, or 401 for an anonymous request) to `next(err)`.
 *
 * @throws `ConfigurationError` at once for a malformed requirement.
 * @example
 * ```ts
 * app.post('/photos', requireScopes('photos.write'), upload)
 * app.use('/photos', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
 * ```
 */
export const { requireScopes, requireAnyScope, requireScopesByMethod } = scopeGuards<Middleware>(
  (check) => (req, _res, next) => {
    try {
      check(req, req.auth, req.method)
    } catch (error) {
      next(error)
      return
    }
    next()
  },
)

/**
 * Serves the RFC 9728 protected-resource metadata document the 401 challenges point to.
 *
 * @throws {@link ConfigurationError} when the verifier has no `resourceMetadata` option.
 * @example
 * ```ts
 * app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))
 * ```
 */
export const protectedResourceMetadata = metadataHandler<Middleware>((document) => (_req, res) => {
  res.json(document)
})
