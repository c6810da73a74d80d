/**
 * `@scopeguard/hono`: Hono 4 middleware that authenticates OAuth 2.0 bearer tokens and guards
 * routes by scope, on Node, Cloudflare Workers, Bun and Deno. Re-exports `@scopeguard/core`, so
 * this is the only package to install.
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
export type { ScopeguardEnv } from './middleware.js'
import './augment.js'
