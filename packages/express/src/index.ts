/**
 * `@scopeguard/express`: Express 4 and 5 middleware that authenticates OAuth 2.0 bearer tokens and
 * guards routes by scope. Re-exports `@scopeguard/core`, so this is the only package to install.
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
export type {
  ExpressLikeRequest,
  ExpressLikeResponse,
  Middleware,
  NextFunction,
} from './middleware.js'
import './augment.js'
