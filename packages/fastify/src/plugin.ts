/**
 * The Fastify glue: read the request, call the core, decorate `request.auth`, throw errors into
 * Fastify's error flow (its default handler sends the error's `statusCode` and `headers`).
 *
 * @module
 */
import {
  checkScopeRequirement,
  immediateAuthentication,
  ConfigurationError,
  nodeAuthRequest,
  metadataHandler,
  scopeGuards,
  toVerifier,
  type AuthInfo,
  type ScopeRequirement,
  type Verifier,
  type VerifierOptions,
} from '@scopeguard/core'
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteHandlerMethod,
} from 'fastify'
import fp from 'fastify-plugin'
import type { AuthHook, RouteScopeConfig, ScopeguardNamespaceDecoration } from './augment.js'

/** Plugin options: a shared verifier, or options to build one. */
export type ScopeguardPluginOptions = (
  { verifier: Verifier } | (VerifierOptions & { verifier?: undefined })
) & {
  /**
   * The stage the declarative `config` form authenticates in. `onRequest` (default) refuses before
   * the body is read; `preHandler` runs after body parsing, as the `body` transport needs.
   */
  hook?: 'onRequest' | 'preHandler'
  /**
   * Puts every instance decoration under one name instead of the default names: with
   * `namespace: 'oauth'` the app has `fastify.oauth.authenticate`, `fastify.oauth.requireScopes`,
   * ..., `fastify.oauth.verifier`, and no `fastify.authenticate` or `fastify.scopeguard`. For apps
   * where another plugin or the app itself owns those names (`@fastify/jwt` apps usually decorate
   * `authenticate`). `request.auth` keeps its name. Declare the same name in
   * `ScopeguardNamespace` for the types. Default: none (the default names).
   */
  namespace?: string
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

const DEFAULT_NAMES = [
  'scopeguard',
  'authenticate',
  'authenticateOptional',
  'requireScopes',
  'requireAnyScope',
  'requireScopesByMethod',
] as const

/**
 * Refuses at registration a decoration name the app already has, naming the way out, rather than
 * leaving Fastify's bare "already added" (or, for a namespace, an unusable name) to explain it.
 */
function checkNamespace(fastify: FastifyInstance, namespace: string | undefined): void {
  if (namespace === undefined) {
    const taken = DEFAULT_NAMES.filter((name) => fastify.hasDecorator(name))
    if (taken.length > 0) {
      throw new ConfigurationError(
        `the app already has ${taken.map((name) => `fastify.${name}`).join(', ')} (another plugin, or the app's own hook); register scopeguard with a namespace, e.g. { namespace: 'oauth' }`,
      )
    }
    return
  }
  if (typeof namespace !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(namespace)) {
    throw new ConfigurationError(
      `namespace must be an identifier such as 'oauth' (got ${JSON.stringify(namespace)})`,
    )
  }
  if (fastify.hasDecorator(namespace)) {
    throw new ConfigurationError(
      `namespace: the app already has fastify.${namespace}; pick another name`,
    )
  }
}

const plugin: FastifyPluginAsync<ScopeguardPluginOptions> = (fastify, options) => {
  const { hook = 'onRequest', namespace, verifier: given, ...verifierOptions } = options
  let verifier: Verifier
  try {
    checkNamespace(fastify, namespace)
    verifier = given ?? toVerifier(verifierOptions as VerifierOptions)
  } catch (error) {
    const failure = error as Error // toVerifier throws ConfigurationError only
    return Promise.reject(failure)
  }

  // A request whose token is verified at once (a cached key or token on Node) goes through the
  // hooks on Fastify's `done` callbacks: no promise and no microtask per hook. A check that has to
  // wait answers with a promise, which Fastify waits on instead of `done`.
  const hookFor = (optional: boolean, requirement?: ScopeRequirement): AuthHook => {
    const step = immediateAuthentication(verifier, { optional })
    const accept = (request: FastifyRequest, reply: FastifyReply, auth: AuthInfo | undefined) => {
      request.auth = auth
      // A fresh DPoP nonce, when the one the client used is about to age out.
      if (auth?.responseHeaders !== undefined) reply.headers(auth.responseHeaders)
      if (requirement !== undefined) verifier.checkScopes(auth, requirement, request.method)
    }
    return function authenticate(
      request: FastifyRequest,
      reply: FastifyReply,
      done?: HookHandlerDoneFunction,
    ) {
      let auth
      try {
        auth = step(request, nodeAuthRequest(request.raw, request.url, request))
        if (auth instanceof Promise) return auth.then((ready) => accept(request, reply, ready))
        accept(request, reply, auth)
      } catch (error) {
        return answer(done, error as Error)
      }
      return answer(done)
    } as AuthHook
  }
  const guards = scopeGuards<AuthHook>(
    (check) =>
      function requireScopes(
        request: FastifyRequest,
        _reply: FastifyReply,
        done?: HookHandlerDoneFunction,
      ) {
        try {
          check(request, request.auth, request.method)
        } catch (error) {
          return answer(done, error as Error) // an OAuthError, or the Error of a missing authenticate
        }
        return answer(done)
      } as AuthHook,
    `run fastify.${namespace === undefined ? '' : `${namespace}.`}authenticate`,
  )

  const required = hookFor(false)
  const optional = hookFor(true)
  if (namespace === undefined) {
    fastify.decorate('scopeguard', verifier)
    fastify.decorate('authenticate', required)
    fastify.decorate('authenticateOptional', optional)
    fastify.decorate('requireScopes', guards.requireScopes)
    fastify.decorate('requireAnyScope', guards.requireAnyScope)
    fastify.decorate('requireScopesByMethod', guards.requireScopesByMethod)
  } else {
    const decoration: ScopeguardNamespaceDecoration = {
      verifier,
      authenticate: required,
      authenticateOptional: optional,
      ...guards,
    }
    fastify.decorate(namespace, Object.freeze(decoration))
  }
  fastify.decorateRequest('auth', undefined)

  fastify.addHook('onRoute', (route) => {
    const config = route.config ?? {}
    const requirement = requirementOf(config, route.url)
    if (requirement === undefined && config.auth === undefined) return
    const first: AuthHook =
      requirement === undefined
        ? config.auth === 'optional'
          ? optional
          : required
        : hookFor(config.auth === 'optional', requirement)
    const existing = route[hook]
    route[hook] = [first, ...(existing === undefined ? [] : [existing].flat())] as never
  })
  return Promise.resolve()
}

/**
 * A hook's answer known now: through Fastify's `done` when it gave one, else as a promise (a hook
 * an app calls from its own code).
 */
function answer(
  done: HookHandlerDoneFunction | undefined,
  error?: Error,
): Promise<void> | undefined {
  if (done === undefined) return error === undefined ? Promise.resolve() : Promise.reject(error)
  done(error)
  return undefined
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
export const protectedResourceMetadata = metadataHandler<RouteHandlerMethod>(
  (document) => () => Promise.resolve(document),
)
