/**
 * The Fastify glue: read the request, call the core, decorate `request.auth`, throw errors into
 * Fastify's error flow (its default handler sends the error's `statusCode` and `headers`).
 *
 * @module
 */
import {
  ConfigurationError,
  useVerifier,
  type ScopeRequirement,
  type Verifier,
  type VerifierOptions,
} from '@scopeguard/core'
import type { FastifyPluginAsync, FastifyRequest, RouteHandlerMethod } from 'fastify'
import fp from 'fastify-plugin'
import type { AuthHook, RouteScopeConfig } from './augment.js'

/** Plugin options: a shared verifier, or options to build one. */
export type ScopeguardPluginOptions = (
  { verifier: Verifier } | (VerifierOptions & { verifier?: undefined })
) & {
  /**
   * The stage the declarative `config` form authenticates in. `onRequest` (default) refuses before
   * the body is read; `preHandler` runs after body parsing, as the `body` transport needs.
   */
  hook?: 'onRequest' | 'preHandler'
}

const authenticated = new WeakSet<FastifyRequest>()

function requirementOf(config: RouteScopeConfig): ScopeRequirement | undefined {
  if (config.scopes !== undefined) return { all: config.scopes }
  if (config.anyScopes !== undefined) return { any: config.anyScopes }
  if (config.scopesByMethod !== undefined) {
    return config.scopesMode === undefined
      ? { byMethod: config.scopesByMethod }
      : { byMethod: config.scopesByMethod, mode: config.scopesMode }
  }
  return undefined
}

const plugin: FastifyPluginAsync<ScopeguardPluginOptions> = (fastify, options) => {
  const { hook = 'onRequest', verifier: given, ...verifierOptions } = options
  let verifier: Verifier
  try {
    verifier = given ?? useVerifier(verifierOptions as VerifierOptions)
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)))
  }

  const authenticateWith = (optional: boolean): AuthHook =>
    async function authenticate(request) {
      authenticated.add(request)
      request.auth = await verifier.authenticate(
        {
          method: request.method,
          url: request.url,
          headers: request.raw.headersDistinct,
          query: request.query,
          body: request.body,
        },
        { optional },
      )
    }
  const guard = (requirement: ScopeRequirement): AuthHook =>
    function requireScopes(request) {
      if (!authenticated.has(request)) {
        return Promise.reject(
          new Error('scopeguard: run fastify.authenticate before the scope guards of this route'),
        )
      }
      verifier.checkScopes(request.auth, requirement, request.method)
      return Promise.resolve()
    }

  const required = authenticateWith(false)
  const optional = authenticateWith(true)
  fastify.decorate('scopeguard', verifier)
  fastify.decorate('authenticate', required)
  fastify.decorate('authenticateOptional', optional)
  fastify.decorate('requireScopes', (...scopes: string[]) => guard({ all: scopes }))
  fastify.decorate('requireAnyScope', (...scopes: string[]) => guard({ any: scopes }))
  fastify.decorate('requireScopesByMethod', (map, mode) =>
    guard(mode === undefined ? { byMethod: map } : { byMethod: map, mode }),
  )
  fastify.decorateRequest('auth', undefined)

  fastify.addHook('onRoute', (route) => {
    const config = route.config ?? {}
    const requirement = requirementOf(config)
    if (requirement === undefined && config.auth === undefined) return
    const hooks: AuthHook[] = [config.auth === 'optional' ? optional : required]
    if (requirement !== undefined) hooks.push(guard(requirement))
    const existing = route[hook]
    route[hook] = [...hooks, ...(existing === undefined ? [] : [existing].flat())] as never
  })
  return Promise.resolve()
}

/**
 * The plugin. Register it before the routes it protects (its `onRoute` hook only sees routes
 * added after it); it is wrapped with `fastify-plugin`, so its decorations reach the whole app.
 *
 * @throws {@link ConfigurationError} at registration for invalid verifier options.
 * @example
 * ```ts
 * await app.register(scopeguard, { verifier })
 * app.get('/photos', { config: { scopes: ['photos.read'] } }, list)
 * app.post('/photos', { onRequest: [app.authenticate, app.requireScopes('photos.write')] }, upload)
 * ```
 */
export const scopeguard = fp(plugin, { fastify: '5.x', name: '@scopeguard/fastify' })

/**
 * A route handler answering the RFC 9728 protected-resource metadata document.
 *
 * @throws {@link ConfigurationError} when the verifier has no `resourceMetadata` option.
 * @example
 * ```ts
 * app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))
 * ```
 */
export function protectedResourceMetadata(verifier: Verifier): RouteHandlerMethod {
  const metadata = verifier.resourceMetadata
  if (metadata === undefined) {
    throw new ConfigurationError(
      'protectedResourceMetadata() needs a verifier created with the "resourceMetadata" option',
    )
  }
  return () => Promise.resolve(metadata.document)
}
