/** The conformance app on Hono served by `@hono/node-server` (see ../app-spec.ts for the routes). */
import type { Server } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { createAdaptorServer } from '@hono/node-server'
import { Hono, type Handler } from 'hono'
import { validator } from 'hono/validator'
import {
  authenticate,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
} from '@scopeguard/hono'
import {
  createProbe,
  READ,
  RESOURCE_MAP,
  tlsServerOptions,
  WRITE,
  type Driver,
} from '../app-spec.js'
import { listen } from './listen.js'

/** Hono 4 on Node (`@hono/node-server`). */
export const honoDriver: Driver = {
  name: 'hono',
  fetchHeaders: true,
  start(verifier, tls) {
    const probe = createProbe()
    const app = new Hono()
    const auth = authenticate(verifier)
    const handler: Handler = (c) => c.json(probe.answer(c.get('auth')))
    // The form body is parsed before authentication, as the body transport needs.
    const form = validator('form', (fields) => fields)
    app.get('/public', handler)
    app.get('/optional', authenticate(verifier, { optional: true }), handler)
    app.get('/read', auth, requireScopes(READ), handler)
    app.get('/all', auth, requireScopes(READ, WRITE), handler)
    app.get('/any', auth, requireAnyScope(READ, WRITE), handler)
    app.all('/resource', auth, requireScopesByMethod(RESOURCE_MAP), handler)
    app.post('/form', form, auth, requireScopes(READ), handler)
    if (verifier.resourceMetadata !== undefined) {
      app.get(verifier.resourceMetadata.path, protectedResourceMetadata(verifier))
    }
    // Over TLS, @hono/node-server's `createServer` option makes it a `node:https` server.
    const server =
      tls === undefined
        ? createAdaptorServer({ fetch: app.fetch })
        : createAdaptorServer({
            fetch: app.fetch,
            createServer: createTlsServer,
            serverOptions: tlsServerOptions(tls),
          })
    return listen(server as Server, probe)
  },
}
