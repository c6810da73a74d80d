/**
 * The guard: authenticates the request with the shared verifier and enforces the route's scope
 * decorators. Use it globally (`ScopeguardModule.forRoot(..., { global: true })`, which registers it
 * as `APP_GUARD`) or per controller / method with `@UseGuards(ScopeguardGuard)`.
 *
 * @module
 */
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import {
  immediateAuthentication,
  isVerifier,
  type AuthInfo,
  type ImmediateAuthenticationStep,
  type ScopeRequirement,
  type Verifier,
} from '@scopeguard/core'
import { setResponseHeaders } from './exception-filter.js'
import { toAuthRequest, type NestLikeRequest } from './nest-request.js'
import { AUTH_MODE_KEY, SCOPES_KEY, SCOPEGUARD_VERIFIER, type AuthMode } from './tokens.js'

/**
 * The guard's per-request step. `SCOPEGUARD_VERIFIER` is an injectable token, so an app (or its
 * tests) may provide an object of its own that delegates to a verifier: that one is called through
 * its `authenticate()`, the promise form.
 */
function stepOf(verifier: Verifier, optional: boolean): ImmediateAuthenticationStep {
  // Typed `Verifier` either way: `isVerifier` tells createVerifier's own from a look-alike.
  const given: unknown = verifier
  if (isVerifier(given)) return immediateAuthentication(given, { optional })
  return (_request, authRequest) => verifier.authenticate(authRequest, { optional })
}

/**
 * Authenticates every request it guards and checks the route's scopes. Failures are the core's
 * `OAuthError` (401, 400, 403, 503), answered by {@link ScopeguardExceptionFilter} with their
 * status and headers.
 *
 * Constructor parameters carry explicit `@Inject()` tokens, so the guard also works where
 * decorator metadata is not emitted (esbuild, tsx, Vitest).
 *
 * @throws `OAuthError` per request; an `Error` (500) for a route that is both `@Public()` and
 * scope-guarded, and for non-HTTP contexts (the guard protects HTTP routes only).
 * @example
 * ```ts
 * @UseGuards(ScopeguardGuard)
 * @Controller('photos')
 * class PhotosController {}
 * ```
 */
@Injectable()
export class ScopeguardGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(SCOPEGUARD_VERIFIER) private readonly verifier: Verifier,
  ) {
    this.required = stepOf(verifier, false)
    this.optional = stepOf(verifier, true)
  }

  private readonly required: ImmediateAuthenticationStep
  private readonly optional: ImmediateAuthenticationStep

  /** Each route's decorators, read once per handler and class (decorator metadata is static). */
  private readonly plans = new WeakMap<RouteHandler, WeakMap<RouteController, RoutePlan>>()

  // Not async: a token verified at once (a cached key or token on Node) answers `true` now, which
  // Nest takes without awaiting; a check that has to wait answers a promise.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') {
      throw new Error('scopeguard: ScopeguardGuard protects HTTP routes only')
    }
    const { mode, requirement, conflict } = this.planOf(context.getHandler(), context.getClass())
    if (conflict) throw new Error('scopeguard: a route cannot be both @Public() and scope-guarded')
    if (mode === 'public') return true

    const request = context.switchToHttp().getRequest<NestLikeRequest>()
    const step = mode === 'optional' ? this.optional : this.required
    const auth = step(request, toAuthRequest(request))
    if (auth instanceof Promise) {
      return auth.then((ready) => this.accept(context, request, requirement, ready))
    }
    return this.accept(context, request, requirement, auth)
  }

  private accept(
    context: ExecutionContext,
    request: NestLikeRequest,
    requirement: ScopeRequirement | undefined,
    auth: AuthInfo | undefined,
  ): true {
    request.auth = auth
    // A fresh DPoP nonce, when the one the client used is about to age out.
    if (auth?.responseHeaders !== undefined) {
      setResponseHeaders(context.switchToHttp().getResponse(), auth.responseHeaders)
    }
    if (requirement !== undefined) this.verifier.checkScopes(auth, requirement, request.method)
    return true
  }

  private planOf(handler: RouteHandler, controller: RouteController): RoutePlan {
    let byController = this.plans.get(handler)
    let plan = byController?.get(controller)
    if (plan !== undefined) return plan
    const ownMode = this.reflector.get<AuthMode | undefined>(AUTH_MODE_KEY, handler)
    const ownScopes = this.reflector.get<ScopeRequirement | undefined>(SCOPES_KEY, handler)
    const classMode = this.reflector.get<AuthMode | undefined>(AUTH_MODE_KEY, controller)
    const classScopes = this.reflector.get<ScopeRequirement | undefined>(SCOPES_KEY, controller)
    plan = {
      // A method's own scope decorator means "a token is needed here", even in a public controller.
      mode: ownMode ?? (ownScopes === undefined ? classMode : undefined) ?? 'required',
      // The method's own scopes replace the controller's; the two are never combined.
      requirement: ownScopes ?? classScopes,
      // The decorators refuse these pairs when the class is defined; metadata set by other means
      // (SetMetadata, applyDecorators with raw metadata) is caught here.
      conflict:
        (ownMode === 'public' && ownScopes !== undefined) ||
        (classMode === 'public' && classScopes !== undefined),
    }
    if (byController === undefined) {
      byController = new WeakMap()
      this.plans.set(handler, byController)
    }
    byController.set(controller, plan)
    return plan
  }
}

type RouteHandler = ReturnType<ExecutionContext['getHandler']>
type RouteController = ReturnType<ExecutionContext['getClass']>

/** What a route's decorators ask of the guard. */
interface RoutePlan {
  readonly mode: AuthMode
  readonly requirement: ScopeRequirement | undefined
  readonly conflict: boolean
}
