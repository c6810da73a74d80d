/**
 * The Koa glue: read the request, call the core, put the result on `ctx.state.auth`, throw errors
 * into Koa's error flow. Koa's default handler sends the error's `status`, `headers` and, as
 * `expose` says, its message.
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
  /** Koa's request: its `query`, and the `body` a body parser set. */
  request: { query?: unknown; body?: unknown }
  state: object
  body: unknown
  set(fields: Readonly<Record<string, string>>): void
}

/** A Koa middleware. */
export type Middleware = (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<unknown>

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
  const step = immediateAuthentication(verifier, options)
  // Not an async function: a token verified at once (a cached key or token on Node) hands over
  // to `next()` and returns its promise, with no promise or await of its own.
  return (ctx, next) => {
    let auth
    try {
      auth = step(ctx, nodeAuthRequest(ctx.req, ctx.originalUrl, ctx.request))
    } catch (error) {
      const failure = error as Error // an OAuthError, or a bug's Error
      return Promise.reject(failure)
    }
    if (auth instanceof Promise) return auth.then((ready) => accept(ctx, next, ready))
    return accept(ctx, next, auth)
  }
}

function accept(
  ctx: KoaLikeContext,
  next: () => Promise<unknown>,
  auth: AuthInfo | undefined,
): Promise<unknown> {
  ;(ctx.state as ScopeguardState).auth = auth
  // A fresh DPoP nonce, when the one the client used is about to age out.
  if (auth?.responseHeaders !== undefined) ctx.set(auth.responseHeaders)
  return next()
}

/**
 * The core's scope guards (`ScopeGuards`: what each requires) as Koa middleware: per request they
 * throw the refusal (403, or 401 for an anonymous request) into Koa's error flow.
 *
 * @throws `ConfigurationError` at once for a malformed requirement.
 * @example
 * ```ts
 * router.post('/photos', requireScopes('photos.write'), upload)
 * router.use('/photos', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
 * ```
 */
export const { requireScopes, requireAnyScope, requireScopesByMethod } = scopeGuards<Middleware>(
  (check) => (ctx, next) => {
    try {
      check(ctx, (ctx.state as ScopeguardState).auth, ctx.method)
    } catch (error) {
      const failure = error as Error // an OAuthError, or the Error of a missing authenticate
      return Promise.reject(failure)
    }
    return next()
  },
)

/**
 * Answers the RFC 9728 protected-resource metadata document the 401 challenges point to.
 *
 * @throws {@link ConfigurationError} when the verifier has no `resourceMetadata` option.
 * @example
 * ```ts
 * router.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))
 * ```
 */
export const protectedResourceMetadata = metadataHandler<Middleware>((document) => (ctx) => {
  ctx.body = document
  return Promise.resolve()
})
