import express, { type Request } from 'express'
import { expectTypeOf } from 'vitest'
import {
  authenticate,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
  type AuthInfo,
  type Verifier,
} from '../src/index.js'

declare const verifier: Verifier
const app = express()
app.use(authenticate(verifier))
app.use(authenticate({ issuer: 'https://issuer.example', audience: 'api' }, { optional: true }))
app.get('/photos', requireScopes('photos.read'), requireAnyScope('a', 'b'), (req, res) => {
  expectTypeOf(req.auth).toEqualTypeOf<AuthInfo | undefined>()
  res.json(req.auth?.scopes)
})
app.use('/photos', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))
expectTypeOf<Request['auth']>().toEqualTypeOf<AuthInfo | undefined>()
