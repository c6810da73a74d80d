/**
 * Fastify type augmentation: `request.auth`, the instance decorations, and the per-route `config`.
 *
 * @module
 */
import type { AuthInfo, MethodScopeMap, ScopeMode, Verifier } from '@scopeguard/core'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/**
 * An `onRequest` / `preHandler` hook from the plugin. Called from an app's own code (two
 * arguments) it returns a promise. Fastify calls it with `done`: it answers through `done` when
 * the check finished at once (a cached key or token: no promise, no microtask), else through the
 * promise it returns.
 */
export interface AuthHook {
  (request: FastifyRequest, reply: FastifyReply): Promise<void>
  (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): Promise<void> | undefined
}

/** Declarative per-route protection, read by the plugin's `onRoute` hook. */
export interface RouteScopeConfig {
  /** All of these scopes (authentication implied). */
  scopes?: string[]
  /** At least one of these scopes (authentication implied). */
  anyScopes?: string[]
  /** Scopes per HTTP method (authentication implied). */
  scopesByMethod?: MethodScopeMap
  /** Mode of `scopesByMethod` lists. Default: `all`. */
  scopesMode?: ScopeMode
  /** `'required'` authenticates without a scope check; `'optional'` lets anonymous requests in. */
  auth?: 'required' | 'optional'
}

/** The hooks the plugin decorates the instance with (by their own names, or under a namespace). */
export interface ScopeguardHooks {
  /** Authenticates the request (401/400/503 on failure) and sets `request.auth`. */
  authenticate: AuthHook
  /** Authenticates when a token is present; anonymous requests pass with `request.auth` undefined. */
  authenticateOptional: AuthHook
  /** A hook requiring every listed scope; put it after `authenticate`. */
  requireScopes(...scopes: string[]): AuthHook
  /** A hook requiring at least one listed scope; put it after `authenticate`. */
  requireAnyScope(...scopes: string[]): AuthHook
  /** A hook requiring scopes by HTTP method; put it after `authenticate`. */
  requireScopesByMethod(map: MethodScopeMap, mode?: ScopeMode): AuthHook
}

/** What `fastify[namespace]` holds when the plugin is registered with a `namespace`. */
export interface ScopeguardNamespaceDecoration extends ScopeguardHooks {
  /** The plugin's verifier (one per app: it owns the key cache). */
  verifier: Verifier
}

/**
 * Declares the `namespace` the plugin is registered with, so the types follow the decorations:
 * `declare module '@scopeguard/fastify' { interface ScopeguardNamespace { name: 'oauth' } }` types
 * `fastify.oauth` and removes the default names (`fastify.authenticate`, ...) from
 * `FastifyInstance`, leaving them free for another plugin or the app. Empty by default.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ScopeguardNamespace {}

/** The instance decorations: the default names, or one namespace once it is declared above. */
type InstanceDecorations = ScopeguardNamespace extends { name: infer Name extends string }
  ? { [K in Name]: ScopeguardNamespaceDecoration }
  : ScopeguardHooks & {
      /** The app's verifier (one per app: it owns the key cache). */
      scopeguard: Verifier
    }

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; undefined until authenticated, or for anonymous requests. */
    auth: AuthInfo | undefined
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface FastifyInstance extends InstanceDecorations {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface FastifyContextConfig extends RouteScopeConfig {}
}
