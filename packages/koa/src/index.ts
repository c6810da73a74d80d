/**
 * `@scopeguard/koa`: Koa 2 and 3 middleware that authenticates OAuth 2.0 bearer tokens and guards
 * routes by scope. Re-exports `@scopeguard/core`, so this is the only package to install.
 *
 * @packageDocumentation
 */
export * from '@scopeguard/core'
export {
  authenticate,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
} from './middleware.js'
export type { KoaLikeContext, Middleware, ScopeguardState } from './middleware.js'
export type { KoaStateWithAuth } from './augment.js'
