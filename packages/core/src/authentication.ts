/**
 * What every adapter's `authenticate()` does besides its framework's calling convention: build the
 * verifier once, read the `optional` flag once, and mark the framework's request (or context) with
 * the verifier, which is how its scope guards know that authentication ran before them.
 *
 * @module
 */
import type { AuthInfo } from './auth-info.js'
import type { AuthRequest } from './bearer.js'
import { promised, type MaybePromise } from './maybe-async.js'
import type { VerifierOptions } from './options.js'
import {
  authenticateNowOf,
  toVerifier,
  type AuthenticateOptions,
  type Verifier,
} from './verifier.js'

/** The mark `authenticate()` leaves on the framework's request object. */
const AUTHENTICATED_BY = Symbol('scopeguard.verifier')

type Marked = { [AUTHENTICATED_BY]?: Verifier }

/**
 * One adapter `authenticate()`'s per-request step: marks `carrier` (the framework's request or
 * context, where the scope guards look) and authenticates `request`.
 */
export type AuthenticationStep = (
  carrier: object,
  request: AuthRequest,
) => Promise<AuthInfo | undefined>

/**
 * {@link AuthenticationStep}, answering now when it can: the result (or the refusal, thrown) when
 * nothing had to be waited for, which on Node is every request whose key or token is cached; a
 * promise only for a key fetch, Web Crypto, introspection, a custom validator or a shared store.
 */
export type ImmediateAuthenticationStep = (
  carrier: object,
  request: AuthRequest,
) => MaybePromise<AuthInfo | undefined>

/**
 * The per-request step of an adapter's `authenticate(verifier, options)`, as a promise.
 *
 * @param verifier - The app's verifier, or options to build one.
 * @throws `ConfigurationError` at once for invalid verifier options. The step rejects with
 * the verifier's `OAuthError` (401, 400, or 503).
 * @example
 * ```ts
 * const step = authentication(verifier, { optional: true })
 * app.use((req, res, next) => step(req, nodeAuthRequest(req, req.url, req)).then(... , next))
 * ```
 */
export function authentication(
  verifier: Verifier | VerifierOptions,
  options: AuthenticateOptions = {},
): AuthenticationStep {
  const step = immediateAuthentication(verifier, options)
  return (carrier, request) => promised(step, carrier, request)
}

/**
 * The per-request step of an adapter's `authenticate(verifier, options)`, answering now when it
 * can (see {@link ImmediateAuthenticationStep}): what the bundled adapters call, so that a request
 * whose token is verified without waiting costs them no promise and no microtask.
 *
 * @param verifier - The app's verifier, or options to build one.
 * @throws `ConfigurationError` at once for invalid verifier options. The step throws, or its
 * promise rejects with, the verifier's `OAuthError` (401, 400, or 503).
 * @example
 * ```ts
 * const step = immediateAuthentication(verifier)
 * app.use((req, res, next) => {
 *   let auth
 *   try { auth = step(req, nodeAuthRequest(req, req.url, req)) } catch (error) { return next(error) }
 *   if (auth instanceof Promise) auth.then((ready) => accept(req, ready, next), next)
 *   else accept(req, auth, next)
 * })
 * ```
 */
export function immediateAuthentication(
  verifier: Verifier | VerifierOptions,
  options: AuthenticateOptions = {},
): ImmediateAuthenticationStep {
  const shared = toVerifier(verifier)
  const authenticateNow = authenticateNowOf(shared)
  const opts = { optional: options.optional === true }
  return (carrier, request) => {
    ;(carrier as Marked)[AUTHENTICATED_BY] = shared
    return authenticateNow(request, opts)
  }
}

/**
 * The verifier whose `authenticate()` step ran on `carrier`, or `undefined`: what the scope guards
 * of `scopeGuards()` look for.
 *
 * @example
 * ```ts
 * if (authenticatedBy(req) === undefined) throw new Error('mount authenticate() first')
 * ```
 */
export function authenticatedBy(carrier: object): Verifier | undefined {
  return (carrier as Marked)[AUTHENTICATED_BY]
}
