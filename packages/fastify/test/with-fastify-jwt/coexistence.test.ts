/**
 * `@scopeguard/fastify` under a namespace beside the real `@fastify/jwt` and the `authenticate`
 * hook that apps using it usually decorate, in one app, over real HTTP. This folder is its own
 * type program (see tsconfig.json): the namespace declared below changes the types of the app.
 */
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createVerifier, scopeguard, type Verifier } from '@scopeguard/fastify'
import { send } from '../../../../test/support/http-client.js'
import { closeAfterTest } from '../../../../test/support/loopback.js'
import { mswIssuer } from '../../../../test/support/msw-issuer.js'

declare module '@scopeguard/fastify' {
  interface ScopeguardNamespace {
    name: 'oauth'
  }
}
declare module 'fastify' {
  interface FastifyInstance {
    // The app's own hook, as @fastify/jwt's README writes it: no clash with the plugin's types.
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

const idp = mswIssuer('eu-west-1_FastifyJwt', 'ES256')

/** One app: sessions signed by @fastify/jwt on /session, bearer tokens of the issuer on /photos. */
async function start(verifier: Verifier) {
  const app = Fastify()
  await app.register(fastifyJwt, { secret: 'a session secret for this test only' })
  app.decorate('authenticate', async (request: FastifyRequest) => {
    await request.jwtVerify()
  })
  await app.register(scopeguard, { verifier, namespace: 'oauth' })

  app.post('/login', async (_request, reply) => ({ token: await reply.jwtSign({ sub: 'alice' }) }))
  app.get('/session', { onRequest: app.authenticate }, (request) =>
    Promise.resolve({ user: request.user }),
  )
  app.get(
    '/photos',
    { onRequest: [app.oauth.authenticate, app.oauth.requireScopes('photos.read')] },
    (request) => Promise.resolve({ sub: request.auth?.subject }),
  )
  app.get('/albums', { config: { scopes: ['albums.read'] } }, (request) =>
    Promise.resolve({ sub: request.auth?.subject }),
  )
  app.get('/forgot-authenticate', { onRequest: app.oauth.requireScopes('photos.read') }, () =>
    Promise.resolve('ran'),
  )
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url, close: closeAfterTest(() => app.close()) }
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('@scopeguard/fastify beside @fastify/jwt', () => {
  it('serves each plugin its own routes in one app, each refusing the other one’s tokens', async () => {
    const verifier = createVerifier({ issuer: idp.issuer, clientId: 'app', tokenUse: 'access' })
    const { url, close } = await start(verifier)
    const session = ((await send(`${url}/login`, { method: 'POST' })).json as { token: string })
      .token
    const access = await idp.token('photos.read')

    const bySession = await send(`${url}/session`, bearer(session))
    const byAccess = await send(`${url}/photos`, bearer(access))
    const accessOnSession = await send(`${url}/session`, bearer(access))
    const sessionOnPhotos = await send(`${url}/photos`, bearer(session))
    const noScope = await send(`${url}/albums`, bearer(access))
    const anonymous = await send(`${url}/photos`)
    const anonymousSession = await send(`${url}/session`)
    await close()

    expect(bySession.status).toBe(200)
    expect(bySession.json).toMatchObject({ user: { sub: 'alice' } })
    expect(byAccess.status).toBe(200)
    expect(byAccess.json).toEqual({ sub: 'app' })
    // @fastify/jwt refuses the issuer's ES256 token in its own way (fast-jwt's error, no challenge).
    expect(accessOnSession.status).not.toBe(200)
    expect(accessOnSession.json).toMatchObject({ code: 'FAST_JWT_INVALID_ALGORITHM' })
    expect(accessOnSession.challenge).toBeNull()
    expect(anonymousSession.status).toBe(401)
    expect(anonymousSession.json).toMatchObject({ code: 'FST_JWT_NO_AUTHORIZATION_IN_HEADER' })
    expect(sessionOnPhotos.status).toBe(401)
    expect(sessionOnPhotos.challenge).toMatch(/^Bearer .*error="invalid_token"/)
    expect(noScope.status).toBe(403) // the declarative config still works under a namespace
    expect(noScope.challenge).toContain('scope="albums.read"')
    expect(anonymous.status).toBe(401)
    expect(anonymous.challenge).toBe('Bearer')
  })

  it('puts every decoration under the namespace and none under the default names', async () => {
    const verifier = createVerifier({ issuer: idp.issuer, clientId: 'app', tokenUse: 'access' })
    const { app } = await start(verifier)
    expect(app.oauth.verifier).toBe(verifier)
    expect(Object.keys(app.oauth).sort()).toEqual([
      'authenticate',
      'authenticateOptional',
      'requireAnyScope',
      'requireScopes',
      'requireScopesByMethod',
      'verifier',
    ])
    expect(app.hasDecorator('scopeguard')).toBe(false)
    expect(app.hasDecorator('requireScopes')).toBe(false)
    // @ts-expect-error: under a namespace the default names are not typed either
    expect(app.requireScopes).toBeUndefined()
    expect(app.authenticate).not.toBe(app.oauth.authenticate) // the app's own hook kept its name
  })

  it('names the namespaced authenticate when a scope hook runs without it', async () => {
    const verifier = createVerifier({ issuer: idp.issuer, clientId: 'app', tokenUse: 'access' })
    const { url, close } = await start(verifier)
    const response = await send(
      `${url}/forgot-authenticate`,
      bearer(await idp.token('photos.read')),
    )
    await close()
    expect(response.status).toBe(500)
    expect(response.json).toMatchObject({
      message: 'scopeguard: run fastify.oauth.authenticate before the scope guards of this route',
    })
  })

  it('names the namespace option when the app already has authenticate and none is given', async () => {
    const app = Fastify()
    closeAfterTest(() => app.close())
    await app.register(fastifyJwt, { secret: 'a session secret for this test only' })
    app.decorate('authenticate', async (request: FastifyRequest) => {
      await request.jwtVerify()
    })
    const verifier = createVerifier({ issuer: idp.issuer, clientId: 'app', tokenUse: 'access' })
    const registering = app.register(scopeguard, { verifier }).ready()
    await expect(registering).rejects.toThrow(ConfigurationError)
    await expect(registering).rejects.toThrow(
      "scopeguard: the app already has fastify.authenticate (another plugin, or the app's own hook); register scopeguard with a namespace, e.g. { namespace: 'oauth' }",
    )
  })
})
