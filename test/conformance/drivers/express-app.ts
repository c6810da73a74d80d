/** The conformance app on Express (4 and 5 share it; see ../app-spec.ts for the routes). */
import { createServer } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type express5 from 'express'
import type { Request, Response } from 'express'
import {
  authenticate,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
} from '@scopeguard/express'
import {
  createProbe,
  READ,
  RESOURCE_MAP,
  tlsServerOptions,
  WRITE,
  type Driver,
} from '../app-spec.js'
import { listen } from './listen.js'

/**
 * A driver for one Express major.
 *
 * @example
 * ```ts
 * export const express5Driver = expressDriver('express 5', express)
 * ```
 */
export function expressDriver(name: string, express: typeof express5): Driver {
  return {
    name,
    start(verifier, tls) {
      const probe = createProbe()
      const app = express()
      const auth = authenticate(verifier)
      const handler = (req: Request, res: Response) => {
        res.json(probe.answer(req.auth))
      }
      app.get('/public', handler)
      app.get('/optional', authenticate(verifier, { optional: true }), handler)
      app.get('/read', auth, requireScopes(READ), handler)
      app.get('/all', auth, requireScopes(READ, WRITE), handler)
      app.get('/any', auth, requireAnyScope(READ, WRITE), handler)
      app.all('/resource', auth, requireScopesByMethod(RESOURCE_MAP), handler)
      app.post('/form', express.urlencoded({ extended: false }), auth, requireScopes(READ), handler)
      if (verifier.resourceMetadata !== undefined) {
        app.get(verifier.resourceMetadata.path, protectedResourceMetadata(verifier))
      }
      const server =
        tls === undefined ? createServer(app) : createTlsServer(tlsServerOptions(tls), app)
      return listen(server, probe)
    },
  }
}
