/**
 * The conformance app on Fastify 5 (see ../app-spec.ts for the routes), twice: once guarded by
 * explicit hooks (`onRequest: [app.authenticate, app.requireScopes(...)]`), once by the plugin's
 * declarative route `config`. `/form` authenticates in `preHandler` in both, because the body
 * transport needs the body parsed and `onRequest` runs before that.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import { protectedResourceMetadata, scopeguard } from '@scopeguard/fastify'
import type { Verifier } from '@scopeguard/core'
import {
  createProbe,
  READ,
  RESOURCE_MAP,
  tlsServerOptions,
  WRITE,
  type Driver,
  type DriverTls,
  type RunningApp,
} from '../app-spec.js'

type Routes = (app: FastifyInstance, handler: (request: FastifyRequest) => Promise<unknown>) => void

const withHooks: Routes = (app, handler) => {
  app.get('/optional', { onRequest: app.authenticateOptional }, handler)
  app.get('/read', { onRequest: [app.authenticate, app.requireScopes(READ)] }, handler)
  app.get('/all', { onRequest: [app.authenticate, app.requireScopes(READ, WRITE)] }, handler)
  app.get('/any', { onRequest: [app.authenticate, app.requireAnyScope(READ, WRITE)] }, handler)
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/resource',
    onRequest: [app.authenticate, app.requireScopesByMethod(RESOURCE_MAP)],
    handler,
  })
}

const withConfig: Routes = (app, handler) => {
  app.get('/optional', { config: { auth: 'optional' } }, handler)
  app.get('/read', { config: { scopes: [READ] } }, handler)
  app.get('/all', { config: { scopes: [READ, WRITE] } }, handler)
  app.get('/any', { config: { anyScopes: [READ, WRITE] } }, handler)
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/resource',
    config: { scopesByMethod: RESOURCE_MAP },
    handler,
  })
}

function fastifyDriver(name: string, routes: Routes): Driver {
  return {
    name,
    async start(verifier: Verifier, tls?: DriverTls): Promise<RunningApp> {
      const probe = createProbe()
      // Fastify types an https instance apart; the routes and plugins are the same.
      const app =
        tls === undefined
          ? Fastify()
          : (Fastify({ https: tlsServerOptions(tls) }) as unknown as FastifyInstance)
      await app.register(formbody)
      await app.register(scopeguard, { verifier })
      const handler = (request: FastifyRequest) => Promise.resolve(probe.answer(request.auth))
      app.get('/public', handler)
      routes(app, handler)
      app.post('/form', { preHandler: [app.authenticate, app.requireScopes(READ)] }, handler)
      if (verifier.resourceMetadata !== undefined) {
        // TEAM.md fixes `app.protectedResourceMetadata` (a decoration); the adapter exports a
        // factory instead (reported to the lead).
        app.get(verifier.resourceMetadata.path, protectedResourceMetadata(verifier))
      }
      const url = await app.listen({ port: 0, host: '127.0.0.1' })
      return { url, runs: () => probe.runs, lastAnswer: () => probe.last, close: () => app.close() }
    },
  }
}

/** Fastify 5, guards as `onRequest` hooks. */
export const fastifyHooksDriver = fastifyDriver('fastify 5 (hooks)', withHooks)
/** Fastify 5, guards from the declarative route `config`. */
export const fastifyConfigDriver = fastifyDriver('fastify 5 (config)', withConfig)
