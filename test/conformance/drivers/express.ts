import { createServer } from 'node:http'
import express5 from 'express'
import express4 from 'express4'
import {
  authenticate,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
} from '@scopeguard/express'
import type { Request, Response } from 'express'
import { describeAuth, READ, RESOURCE_MAP, WRITE, type Driver } from '../app-spec.js'
import { listen } from './listen.js'

function expressDriver(name: string, express: typeof express5): Driver {
  return {
    name,
    start(verifier) {
      const app = express()
      const auth = authenticate(verifier)
      const handler = (req: Request, res: Response) => {
        res.json(describeAuth(req.auth))
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
      return listen(createServer(app))
    },
  }
}

export const express5Driver = expressDriver('express 5', express5)
export const express4Driver = expressDriver('express 4', express4)
