/**
 * `@scopeguard/fastify`: a Fastify 5 plugin that authenticates OAuth 2.0 bearer tokens and guards
 * routes by scope. Re-exports `@scopeguard/core`, so this is the only package to install.
 *
 * @packageDocumentation
 */
export * from '@scopeguard/core'
export { scopeguard, protectedResourceMetadata, type ScopeguardPluginOptions } from './plugin.js'
export type {
  AuthHook,
  RouteScopeConfig,
  ScopeguardHooks,
  ScopeguardNamespace,
  ScopeguardNamespaceDecoration,
} from './augment.js'
export { scopeguard as default } from './plugin.js'
