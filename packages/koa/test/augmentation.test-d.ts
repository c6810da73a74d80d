import Koa from 'koa'
import { expectTypeOf } from 'vitest'
import { authenticate, requireScopes, type AuthInfo, type KoaStateWithAuth } from '../src/index.js'

const app = new Koa()
app.use(authenticate({ issuer: 'https://issuer.example', audience: 'api' }))
app.use(requireScopes('photos.read'))
app.use((ctx) => {
  expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo | undefined>()
})
expectTypeOf<KoaStateWithAuth['auth']>().toEqualTypeOf<AuthInfo | undefined>()
