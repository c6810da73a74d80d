import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import { expectTypeOf } from 'vitest'
import {
  authenticate,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
  type AuthInfo,
  type ScopeguardEnv,
  type Verifier,
} from '../src/index.js'

declare const verifier: Verifier

// An app whose Env names no variables: the ContextVariableMap augmentation types c.get('auth').
const app = new Hono()
app.use('/photos/*', authenticate(verifier))
app.use(
  '/feed',
  authenticate({ issuer: 'https://issuer.example', audience: 'api' }, { optional: true }),
)
app.get('/photos', requireScopes('photos.read'), requireAnyScope('a', 'b'), (c) => {
  expectTypeOf(c.get('auth')).toEqualTypeOf<AuthInfo | undefined>()
  expectTypeOf(c.var.auth).toEqualTypeOf<AuthInfo | undefined>()
  return c.json(c.get('auth')?.scopes ?? [])
})
app.use('/photos/*', requireScopesByMethod({ read: 'photos.read', write: 'photos.write' }))

// An app typed with ScopeguardEnv, and a middleware of the app's own after authenticate().
const typed = new Hono<ScopeguardEnv>()
const owner = createMiddleware<ScopeguardEnv>(async (c, next) => {
  expectTypeOf(c.var.auth?.subject).toEqualTypeOf<string | undefined>()
  await next()
})
typed.get('/me', authenticate(verifier), owner, (c) => c.json({ sub: c.var.auth?.subject }))

// @ts-expect-error: the auth variable holds the verified token, not a string.
app.get('/x', (c) => c.set('auth', 'nope'))
