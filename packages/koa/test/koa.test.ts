import Koa3 from 'koa'
import Koa2 from 'koa2'
import { describe, expect, it } from 'vitest'
import {
  authenticate,
  ConfigurationError,
  createVerifier,
  isOAuthError,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
  type VerifierOptions,
} from '../src/index.js'
import { send } from '../../../test/support/http-client.js'
import {
  firstThenCached,
  sameTick,
  WAITED_ONLY_FOR_THE_KEYS,
} from '../../../test/support/same-tick.js'
import { serveForTest } from '../../../test/support/loopback.js'
import { mswIssuer } from '../../../test/support/msw-issuer.js'

const idp = mswIssuer('eu-west-1_Koa', 'ES256', 503)
const ISSUER = idp.issuer

const options: VerifierOptions = { issuer: ISSUER, clientId: 'app', tokenUse: 'access' }
const token = (scope: string) => idp.token(scope)

function serve(app: Koa3) {
  const handle = app.callback()
  return serveForTest((req, res) => void handle(req, res))
}

describe.each([
  ['koa 3', Koa3],
  ['koa 2', Koa2],
])('@scopeguard/koa on %s', (_name, Koa) => {
  it('builds its own verifier from options and sets ctx.state.auth', async () => {
    const app = new Koa()
    app.use(authenticate(options))
    app.use(requireAnyScope('photos.read', 'photos.write'))
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject, scopes: ctx.state.auth?.scopes }
    })
    const { url, close } = await serve(app)
    const response = await send(url, {
      headers: { authorization: `Bearer ${await token('photos.write')}` },
    })
    await close()
    expect(response.json).toEqual({ sub: 'app', scopes: ['photos.write'] })
  })

  it('hands a token verified at once to the next middleware in the same tick, and waits only for the key fetch', async () => {
    const verifier = createVerifier(options)
    const app = new Koa()
    app.use((ctx, next) => {
      ctx.state.same = sameTick()
      return next()
    })
    app.use(authenticate(verifier))
    app.use(requireScopes('photos.read'))
    app.use((ctx) => {
      ctx.body = { sameTick: (ctx.state.same as () => boolean)() }
    })
    const { url, close } = await serve(app)
    const get = async (authorization: string) =>
      (await send(url, { headers: { authorization } })).json
    const answers = await firstThenCached(get, token)
    await close()
    expect(answers).toEqual(WAITED_ONLY_FOR_THE_KEYS)
  })

  it("sends the core's status and headers through Koa's default handler, and lets an app handler take over", async () => {
    const app = new Koa()
    app.silent = true
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        if (!isOAuthError(error) || ctx.path !== '/custom') throw error
        ctx.status = error.status
        ctx.set(error.headers)
        ctx.body = { error: error.code }
      }
    })
    app.use(authenticate(options))
    app.use(requireScopes('photos.write'))
    app.use((ctx) => {
      ctx.body = 'ok'
    })
    const { url, close } = await serve(app)
    const authorization = `Bearer ${await token('photos.read')}`
    const standard = await send(`${url}/default`, { headers: { authorization } })
    const custom = await send(`${url}/custom`, { headers: { authorization } })
    await close()
    const challenge =
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.write"'
    expect(standard.status).toBe(403)
    expect(standard.challenge).toBe(challenge)
    expect(standard.body).toBe('The access token lacks a required scope')
    expect(custom.status).toBe(403)
    expect(custom.challenge).toBe(challenge)
    expect(custom.json).toEqual({ error: 'insufficient_scope' })
  })

  it('answers 503 with Retry-After and a generic body when the key server is down', async () => {
    const app = new Koa()
    app.silent = true
    app.use(authenticate(options))
    const { url, close } = await serve(app)
    idp.down = true
    const response = await send(url, { headers: { authorization: `Bearer ${await token('x')}` } })
    idp.down = false
    await close()
    expect(response.status).toBe(503)
    expect(response.headers['retry-after']).toBe('5')
    expect(response.challenge).toBeNull()
    expect(response.body).toBe('Service Unavailable')
  })

  it('answers 500 without the token when a scope guard runs without authenticate()', async () => {
    const app = new Koa()
    app.silent = true
    app.use(requireScopes('photos.read'))
    const { url, close } = await serve(app)
    const secret = await token('photos.read')
    const response = await send(url, { headers: { authorization: `Bearer ${secret}` } })
    await close()
    expect(response.status).toBe(500)
    expect(response.body).toBe('Internal Server Error')
  })

  it('serves the RFC 9728 document', async () => {
    const verifier = createVerifier({
      ...options,
      resourceMetadata: { resource: 'https://api.example/v1' },
    })
    const app = new Koa()
    app.use(protectedResourceMetadata(verifier))
    const { url, close } = await serve(app)
    const response = await send(`${url}${verifier.resourceMetadata!.path}`)
    await close()
    expect(verifier.resourceMetadata!.path).toBe('/.well-known/oauth-protected-resource/v1')
    expect(response.json).toEqual({
      resource: 'https://api.example/v1',
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
    })
  })
})

it('refuses, at start-up, protectedResourceMetadata() for a verifier without resourceMetadata', () => {
  expect(() => protectedResourceMetadata(createVerifier(options))).toThrow(ConfigurationError)
})

describe('scope guards', () => {
  it('refuse a malformed requirement when they are created, not per request', () => {
    expect(() => requireAnyScope()).toThrow(ConfigurationError)
    expect(() => requireScopes('photos read')).toThrow(/without whitespace/)
    expect(() => requireScopesByMethod({ write: '' })).toThrow(ConfigurationError)
    expect(() => requireScopesByMethod({ read: 'a' }, 'most' as never)).toThrow(ConfigurationError)
  })

  it('with no scope (requireScopes()) require authentication only: any valid token passes', async () => {
    const app = new Koa3()
    app.silent = true
    app.use(authenticate(options))
    app.use(requireScopes())
    app.use((ctx) => {
      ctx.body = { scopes: ctx.state.auth?.scopes }
    })
    const { url } = await serve(app)
    const anonymous = await send(url)
    const unscoped = await send(url, {
      headers: { authorization: `Bearer ${await token('other.scope')}` },
    })
    expect([anonymous.status, anonymous.challenge]).toEqual([401, 'Bearer'])
    expect([unscoped.status, unscoped.json]).toEqual([200, { scopes: ['other.scope'] }])
  })
})
