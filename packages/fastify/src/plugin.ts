/**
 * The Fastify glue: read the request, call the core, decorate `request.auth`, throw errors into
 * Fastify's error flow (its default handler sends the error's `statusCode` and `headers`).
 *
 * @module
 */
import {
  checkScopeRequirement,
  ConfigurationError,
  nodeRequestHeaders,
  resourceMetadataDocument,
  scopeGuards,
  toVerifier,
  type AuthRequest,
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

/** A request decoration: set once `authenticate` has run (the scope guards check it). */
const AUTHENTICATED = Symbol('scopeguard.authenticated')

type Marked = FastifyRequest & { [AUTHENTICATED]: boolean }

function authRequestOf(request: FastifyRequest): AuthRequest {
  return {
    method: request.method,
    url: request.url,
    headers: nodeRequestHeaders(request.raw),
    query: request.query,
    body: request.body,
    socket: request.raw.socket,
  }
}

/**
 * The requirement of a route's declarative config, checked when the route is added: one of
 * `scopes`, `anyScopes`, `scopesByMethod`, well formed.
 */
function requirementOf(config: RouteScopeConfig, url: string): ScopeRequirement | undefined {
  const forms = (['scopes', 'anyScopes', 'scopesByMethod'] as const).filter(
    (name) => config[name] !== undefined,
  )
  if (forms.length > 1) {
    throw new ConfigurationError(
      `route ${url}: config has ${forms.join(' and ')}; use one (scopesByMethod can say any per method with scopesMode)`,
    )
  }
  let requirement: ScopeRequirement | undefined
  if (config.scopes !== undefined) requirement = { all: config.scopes }
  else if (config.anyScopes !== undefined) requirement = { any: config.anyScopes }
  else if (config.scopesByMethod !== undefined) {
    requirement = { byMethod: config.scopesByMethod, mode: config.scopesMode }
  }
  if (requirement === undefined) return undefined
  try {
    return checkScopeRequirement(requirement)
  } catch (error) {
    const reason = (error as Error).message.replace(/^scopeguard: /, '')
    throw new ConfigurationError(`route ${url}: ${reason}`)
  }
}

const plugin: FastifyPluginAsync<ScopeguardPluginOptions> = (fastify, options) => {
  const { hook = 'onRequest', verifier: given, ...verifierOptions } = options
  let verifier: Verifier
  try {
    verifier = given ?? toVerifier(verifierOptions as VerifierOptions)
  } catch (error) {
    const failure = error as Error // toVerifier throws ConfigurationError only
    return Promise.reject(failure)
  }

  // Hooks return promise chains rather than being async functions: no extra awaits per request.
  const authenticateWith = (optional: boolean): AuthHook => {
    const opts = { optional }
    return function authenticate(request, reply) {
      ;(request as Marked)[AUTHENTICATED] = true
      return verifier.authenticate(authRequestOf(request), opts).then((auth) => {
        request.auth = auth
        // A fresh DPoP nonce, when the one the client used is about to age out.
        if (auth?.responseHeaders !== undefined) reply.headers(auth.responseHeaders)
      })
    }
  }
  const guards = scopeGuards<AuthHook>(
    (check) =>
      function requireScopes(request) {
        try {
          check(
            (request as Marked)[AUTHENTICATED] ? verifier : undefined,
            request.auth,
            request.method,
          )
        } catch (error) {
          const failure = error as Error // an OAuthError, or the Error of a missing authenticate
          return Promise.reject(failure)
        }
        return Promise.resolve()
      },
    'run fastify.authenticate',
  )
  // The declarative form: authentication and the route's requirement in one hook.
  const protect = (optional: boolean, requirement: ScopeRequirement): AuthHook => {
    const opts = { optional }
    return function authenticateAndRequireScopes(request, reply) {
      ;(request as Marked)[AUTHENTICATED] = true
      return verifier.authenticate(authRequestOf(request), opts).then((auth) => {
        request.auth = auth
        if (auth?.responseHeaders !== undefined) reply.headers(auth.responseHeaders)
        verifier.checkScopes(auth, requirement, request.method)
      })
    }
  }

  const required = authenticateWith(false)
  const optional = authenticateWith(true)
  fastify.decorate('scopeguard', verifier)
  fastify.decorate('authenticate', required)
  fastify.decorate('authenticateOptional', optional)
  fastify.decorate('requireScopes', guards.requireScopes)
  fastify.decorate('requireAnyScope', guards.requireAnyScope)
  fastify.decorate('requireScopesByMethod', guards.requireScopesByMethod)
  fastify.decorateRequest('auth', undefined)
  fastify.decorateRequest(AUTHENTICATED as unknown as string, false)

  fastify.addHook('onRoute', (route) => {
    const config = route.config ?? {}
    const requirement = requirementOf(config, route.url)
    if (requirement === undefined && config.auth === undefined) return
    const hooks: AuthHook[] = [
      requirement === undefined
        ? config.auth === 'optional'
          ? optional
          : required
        : protect(config.auth === 'optional', requirement),
    ]
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
  const document = resourceMetadataDocument(verifier)
  return () => Promise.resolve(document)
}
