/**
 * `@scopeguard/nestjs`: a NestJS 11 module, guard and decorators that authenticate OAuth 2.0 bearer
 * tokens and guard routes by scope, on platform-express and platform-fastify. Re-exports
 * `@scopeguard/core`, so this is the only scopeguard package to install.
 *
 * @packageDocumentation
 */
export * from '@scopeguard/core'
export { ScopeguardModule } from './module.js'
export type {
  ScopeguardModuleAsyncOptions,
  ScopeguardModuleExtras,
  ScopeguardModuleOptions,
} from './module.js'
export { ScopeguardGuard } from './guard.js'
export { ScopeguardExceptionFilter, oauthErrorBody } from './exception-filter.js'
export type { OAuthErrorBody } from './exception-filter.js'
export {
  Auth,
  OptionalAuth,
  Public,
  RequireAnyScope,
  RequireAuth,
  RequireScopes,
  ScopesByMethod,
} from './decorators.js'
export { SCOPEGUARD_VERIFIER, AUTH_MODE_KEY, SCOPES_KEY } from './tokens.js'
export type { AuthMode } from './tokens.js'
export { toAuthRequest, authOf } from './nest-request.js'
export type { NestLikeRequest } from './nest-request.js'
