/**
 * Route decorators: which routes need a token, and which scopes. On a method or on a whole
 * controller; the method's own decorator wins over the controller's.
 *
 * @module
 */
import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common'
import {
  checkScopeRequirement,
  ConfigurationError,
  type AuthInfo,
  type MethodScopeMap,
  type ScopeMode,
  type ScopeRequirement,
} from '@scopeguard/core'
import { authOf } from './nest-request.js'
import { AUTH_MODE_KEY, SCOPES_KEY, type AuthMode } from './tokens.js'

type Decorator = ClassDecorator & MethodDecorator

/** What the decorators have put on each method (its function) and each controller (its class). */
const applied = new WeakMap<object, { public: boolean; scopes: boolean }>()

/**
 * Applies `decorator` after noting what it says; `@Public()` and a scope decorator on the same
 * method or the same controller are refused here, when the class is defined.
 */
function noted(kind: 'public' | 'scopes' | 'mode', decorator: Decorator): Decorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const owner = (descriptor?.value as object | undefined) ?? target
    const seen = applied.get(owner) ?? { public: false, scopes: false }
    if (kind === 'public') seen.public = true
    if (kind === 'scopes') seen.scopes = true
    applied.set(owner, seen)
    if (seen.public && seen.scopes) {
      throw new ConfigurationError(
        `scopeguard: @Public() and a scope decorator on the same ${descriptor === undefined ? 'controller' : 'method'}; remove one`,
      )
    }
    return descriptor === undefined
      ? (decorator as ClassDecorator)(target as never)
      : (decorator as MethodDecorator)(target, key as string | symbol, descriptor)
  }) as Decorator
}

function scopesDecorator(requirement: ScopeRequirement): Decorator {
  // A malformed requirement (no scope for "any", a scope with a space) throws here, at start-up.
  return noted('scopes', SetMetadata(SCOPES_KEY, checkScopeRequirement(requirement)))
}

function authModeDecorator(mode: AuthMode): Decorator {
  return noted(mode === 'public' ? 'public' : 'mode', SetMetadata(AUTH_MODE_KEY, mode))
}

/**
 * Requires every listed scope (`photos.read`; prefixed with the verifier's `resourceServer`).
 *
 * @throws Nothing at once; per request the guard answers 403 `insufficient_scope` (401 for an
 * anonymous request on an `@OptionalAuth()` route).
 * @example
 * ```ts
 * @Post() @RequireScopes('photos.write') create() {}
 * ```
 */
export function RequireScopes(...scopes: string[]): Decorator {
  return scopesDecorator({ all: scopes })
}

/**
 * Requires at least one of the listed scopes.
 *
 * @throws as {@link RequireScopes}.
 * @example
 * ```ts
 * @Get() @RequireAnyScope('photos.read', 'photos.admin') list() {}
 * ```
 */
export function RequireAnyScope(...scopes: string[]): Decorator {
  return scopesDecorator({ any: scopes })
}

/**
 * Requires scopes by HTTP method, for resource controllers: `read` for GET/HEAD/OPTIONS, `write`
 * for POST/PUT/PATCH/DELETE, or per method name. A method the map does not cover is refused (403).
 *
 * @throws as {@link RequireScopes}.
 * @example
 * ```ts
 * @Controller('photos') @ScopesByMethod({ read: 'photos.read', write: 'photos.write' })
 * class PhotosController {}
 * ```
 */
export function ScopesByMethod(map: MethodScopeMap, mode?: ScopeMode): Decorator {
  return scopesDecorator({ byMethod: map, mode })
}

/**
 * Opts a route (or a controller) out of the guard: no token is read, no scope checked, `@Auth()`
 * is undefined. Conflicts with a scope decorator on the same method (the guard answers 500).
 *
 * @throws Nothing.
 * @example
 * ```ts
 * @Public() @Get('health') health() { return { status: 'ok' } }
 * ```
 */
export function Public(): Decorator {
  return authModeDecorator('public')
}

/**
 * Authenticates when a token is sent and lets anonymous requests through (`@Auth()` is then
 * undefined). A bad token is still refused (401).
 *
 * @throws Nothing.
 * @example
 * ```ts
 * @OptionalAuth() @Get('feed') feed(@Auth() auth: AuthInfo | undefined) {}
 * ```
 */
export function OptionalAuth(): Decorator {
  return authModeDecorator('optional')
}

/**
 * Requires a valid token (the default under the guard; useful to override a controller's
 * `@Public()` or `@OptionalAuth()` on one method).
 *
 * @throws Nothing.
 * @example
 * ```ts
 * @Public() @Controller() class SiteController { @RequireAuth() @Get('me') me() {} }
 * ```
 */
export function RequireAuth(): Decorator {
  return authModeDecorator('required')
}

/**
 * Parameter decorator: the verified token the guard put on the request (`AuthInfo`), or
 * undefined on public routes and anonymous optional ones.
 *
 * @throws Nothing.
 * @example
 * ```ts
 * @Get('me') me(@Auth() auth: AuthInfo | undefined) { return { sub: auth?.subject } }
 * ```
 */
export const Auth: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthInfo | undefined =>
    authOf(context.switchToHttp().getRequest<object>()),
)
