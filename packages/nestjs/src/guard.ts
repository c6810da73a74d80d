/**
 * The guard: authenticates the request with the shared verifier and enforces the route's scope
 * decorators. Use it globally (`ScopeguardModule.forRoot(..., { global: true })`, which registers it
 * as `APP_GUARD`) or per controller / method with `@UseGuards(ScopeguardGuard)`.
 *
 * @module
 */
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import type { ScopeRequirement, Verifier } from '@scopeguard/core'
import { toAuthRequest, type NestLikeRequest } from './nest-request.js'
import { AUTH_MODE_KEY, SCOPES_KEY, SCOPEGUARD_VERIFIER, type AuthMode } from './tokens.js'

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
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') {
      throw new Error('scopeguard: ScopeguardGuard protects HTTP routes only')
    }
    const handler = context.getHandler()
    const targets = [handler, context.getClass()]
    const requirement = this.reflector.getAllAndOverride<ScopeRequirement | undefined>(
      SCOPES_KEY,
      targets,
    )
    const ownMode = this.reflector.get<AuthMode | undefined>(AUTH_MODE_KEY, handler)
    const ownScopes = this.reflector.get<ScopeRequirement | undefined>(SCOPES_KEY, handler)
    const classMode = this.reflector.get<AuthMode | undefined>(AUTH_MODE_KEY, context.getClass())
    // The decorators refuse these pairs when the class is defined; metadata set by other means
    // (SetMetadata, applyDecorators with raw metadata) is caught here.
    if (
      (ownMode === 'public' && ownScopes !== undefined) ||
      (classMode === 'public' &&
        this.reflector.get<ScopeRequirement | undefined>(SCOPES_KEY, context.getClass()) !==
          undefined)
    ) {
      throw new Error('scopeguard: a route cannot be both @Public() and scope-guarded')
    }
    // A method's own scope decorator means "a token is needed here", even in a public controller.
    const mode = ownMode ?? (ownScopes === undefined ? classMode : undefined) ?? 'required'
    if (mode === 'public') return true

    const request = context.switchToHttp().getRequest<NestLikeRequest>()
    const auth = await this.verifier.authenticate(toAuthRequest(request), {
      optional: mode === 'optional',
    })
    request.auth = auth
    if (requirement !== undefined) this.verifier.checkScopes(auth, requirement, request.method)
    return true
  }
}
