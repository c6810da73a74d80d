import Fastify from 'fastify'
import { expectTypeOf } from 'vitest'
import { scopeguard, type AuthHook, type AuthInfo, type Verifier } from '../src/index.js'

const app = Fastify()
await app.register(scopeguard, { issuer: 'https://issuer.example', audience: 'api' })
expectTypeOf(app.scopeguard).toEqualTypeOf<Verifier>()
expectTypeOf(app.authenticate).toEqualTypeOf<AuthHook>()
expectTypeOf(app.requireScopes('a')).toEqualTypeOf<AuthHook>()
app.get('/a', { config: { scopes: ['photos.read'] } }, (request) => {
  expectTypeOf(request.auth).toEqualTypeOf<AuthInfo | undefined>()
  return Promise.resolve('ok')
})
app.get('/b', { config: { scopesByMethod: { read: 'r', write: 'w' }, auth: 'optional' } }, () =>
  Promise.resolve('ok'),
)
// @ts-expect-error: scopes is a list
app.get('/c', { config: { scopes: 'photos.read' } }, () => Promise.resolve('ok'))
