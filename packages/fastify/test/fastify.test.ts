import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createVerifier,
  isOAuthError,
  protectedResourceMetadata,
  scopeguard,
  type VerifierOptions,
} from '../src/index.js'
import { send } from '../../../test/support/http-client.js'
import { sameTick } from '../../../test/support/same-tick.js'
import { closeAfterTest } from '../../../test/support/loopback.js'
import { mswIssuer } from '../../../test/support/msw-issuer.js'

const idp = mswIssuer('eu-west-1_Fastify', 'EdDSA')
const ISSUER = idp.issuer

const options: VerifierOptions = { issuer: ISSUER, clientId: 'app', tokenUse: 'access' }
const token = (scope: string) => idp.token(scope)

async function start(build: (app: FastifyInstance) => void | Promise<void>) {
  const app = Fastify()
  await build(app)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: closeAfterTest(() => app.close()) }
}

describe('@scopeguard/fastify', () => {
  it('builds its own verifier from plugin options and decorates request.auth', async () => {
    const { url, close } = await start(async (app) => {
      await app.register(scopeguard, options)
      app.get('/me', { config: { scopes: ['photos.read'] } }, (request) =>
        Promise.resolve({ sub: request.auth?.subject, backend: app.scopeguard.backend }),
      )
    })
    const response = await send(`${url}/me`, {
      headers: { authorization: `Bearer ${await token('photos.read')}` },
    })
    await close()
    expect(response.json).toEqual({ sub: 'app', backend: 'node' })
  })

  it('hands a token verified at once to the handler in the same tick, in both forms, and waits only for the key fetch', async () => {
    const { url, close } = await start(async (app) => {
      app.decorateRequest('same', undefined)
      app.addHook('onRequest', (request, _reply, done) => {
        ;(request as typeof request & { same: () => boolean }).same = sameTick()
        done()
      })
      await app.register(scopeguard, options)
      const answer = (request: FastifyRequest) =>
        Promise.resolve({ sameTick: (request as FastifyRequest & { same: () => boolean }).same() })
      app.get('/hooks', { onRequest: [app.authenticate, app.requireScopes('photos.read')] }, answer)
      app.get('/config', { config: { scopes: ['photos.read'] } }, answer)
    })
    const get = async (path: string, authorization: string) =>
      (await send(`${url}${path}`, { headers: { authorization } })).json
    const first = `Bearer ${await token('photos.read')}`
    const second = `Bearer ${await token('photos.read photos.write')}`
    const answers = [
      await get('/hooks', first),
      await get('/hooks', first),
      await get('/hooks', second),
      await get('/config', first),
      await get('/config', `Bearer ${await token('photos.read photos.delete')}`),
    ]
    await close()
    // The first request waited for the key set; after it, cached tokens and new ones (cached key).
    expect(answers).toEqual([
      { sameTick: false },
      { sameTick: true },
      { sameTick: true },
      { sameTick: true },
      { sameTick: true },
    ])
  })

  it("answers with a promise when an app's own hook calls the hooks", async () => {
    const { url, close } = await start(async (app) => {
      await app.register(scopeguard, options)
      const requireRead = app.requireScopes('photos.read')
      app.get(
        '/own',
        {
          onRequest: async (request, reply) => {
            const authenticated = app.authenticate(request, reply)
            expect(authenticated).toBeInstanceOf(Promise)
            await authenticated
            await requireRead(request, reply)
          },
        },
        (request) => Promise.resolve({ sub: request.auth?.subject }),
      )
    })
    const answers = await Promise.all(
      [`Bearer ${await token('photos.read')}`, `Bearer ${await token('photos.write')}`, ''].map(
        (authorization) => send(`${url}/own`, { headers: { authorization } }),
      ),
    )
    await close()
    expect(answers.map((answer) => answer.status)).toEqual([200, 403, 401])
    expect(answers[0]!.json).toEqual({ sub: 'app' })
    expect(answers[1]!.headers['www-authenticate']).toContain('error="insufficient_scope"')
  })

  it("keeps a route's own onRequest hooks after the plugin's", async () => {
    const order: string[] = []
    const { url, close } = await start(async (app) => {
      await app.register(scopeguard, options)
      app.get(
        '/x',
        {
          config: { auth: 'required' },
          onRequest: (request, _reply, done) => {
            order.push(`own hook sees auth: ${request.auth !== undefined}`)
            done()
          },
        },
        () => Promise.resolve({ ok: true }),
      )
    })
    const response = await send(`${url}/x`, {
      headers: { authorization: `Bearer ${await token('')}` },
    })
    const anonymous = await send(`${url}/x`)
    await close()
    expect(response.status).toBe(200)
    expect(anonymous.status).toBe(401)
    expect(order).toEqual(['own hook sees auth: true'])
  })

  it('authenticates in preHandler when asked, so the body transport sees the parsed form', async () => {
    const verifier = createVerifier({ ...options, transports: ['body'] })
    const { url, close } = await start(async (app) => {
      await app.register(formbody)
      await app.register(scopeguard, { verifier, hook: 'preHandler' })
      app.post('/upload', { config: { scopes: ['photos.write'] } }, (request) =>
        Promise.resolve({ sub: request.auth?.subject }),
      )
    })
    const response = await send(`${url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${await token('photos.write')}`,
    })
    await close()
    expect(response.json).toEqual({ sub: 'app' })
  })

  it("sends 503 with Retry-After through Fastify's default handler, and lets setErrorHandler take over", async () => {
    const { url, close } = await start(async (app) => {
      await app.register(scopeguard, options)
      app.get('/default', { onRequest: app.authenticate }, () => Promise.resolve('ok'))
      await app.register((child, _opts, done) => {
        child.setErrorHandler((error, _request, reply) => {
          if (isOAuthError(error))
            void reply.code(error.status).headers(error.headers).send({ mine: error.code })
          else void reply.send(error)
        })
        child.get('/custom', { onRequest: child.authenticate }, () => Promise.resolve('ok'))
        done()
      })
    })
    idp.down = true
    const authorization = `Bearer ${await token('photos.read')}`
    const standard = await send(`${url}/default`, { headers: { authorization } })
    const custom = await send(`${url}/custom`, { headers: { authorization } })
    await close()
    expect(standard.status).toBe(503)
    expect(standard.headers['retry-after']).toBe('5')
    expect(standard.challenge).toBeNull()
    expect(custom.status).toBe(503)
    expect(custom.json).toEqual({ mine: 'temporarily_unavailable' })
  })

  it('answers 500 without the token when a scope guard runs without authenticate', async () => {
    const { url, close } = await start(async (app) => {
      await app.register(scopeguard, options)
      app.get('/oops', { onRequest: app.requireScopesByMethod({ read: 'photos.read' }) }, () =>
        Promise.resolve('ran'),
      )
    })
    const secret = await token('photos.read')
    const response = await send(`${url}/oops`, { headers: { authorization: `Bearer ${secret}` } })
    await close()
    expect(response.status).toBe(500)
    expect(response.body).not.toContain(secret)
    expect((response.json as { message: string }).message).toBe(
      'scopeguard: run fastify.authenticate before the scope guards of this route',
    )
  })

  it('refuses invalid verifier options when the plugin registers', async () => {
    const app = Fastify()
    await expect(app.register(scopeguard, { issuer: 'https://issuer.example' })).rejects.toThrow(
      ConfigurationError,
    )
  })

  it('refuses a namespace that is not an identifier, or that the app already has', async () => {
    const spaced = Fastify()
    await expect(spaced.register(scopeguard, { ...options, namespace: 'o auth' })).rejects.toThrow(
      `scopeguard: namespace must be an identifier such as 'oauth' (got "o auth")`,
    )
    const taken = Fastify().decorate('oauth', {})
    await expect(taken.register(scopeguard, { ...options, namespace: 'oauth' })).rejects.toThrow(
      'scopeguard: namespace: the app already has fastify.oauth; pick another name',
    )
  })

  it('refuses, at start-up, protectedResourceMetadata() for a verifier without resourceMetadata', () => {
    expect(() => protectedResourceMetadata(createVerifier(options))).toThrow(ConfigurationError)
  })

  it('refuses, when the route is added, a config with two scope forms or a malformed requirement', async () => {
    const app = Fastify()
    const close = closeAfterTest(() => app.close())
    await app.register(scopeguard, options)
    const handler = () => Promise.resolve({})
    expect(() => app.get('/two', { config: { scopes: ['a'], anyScopes: ['b'] } }, handler)).toThrow(
      /route \/two: config has scopes and anyScopes; use one/,
    )
    expect(() => app.get('/none', { config: { anyScopes: [] } }, handler)).toThrow(
      ConfigurationError,
    )
    expect(() => app.get('/space', { config: { scopes: ['photos read'] } }, handler)).toThrow(
      /route \/space: scope requirement/,
    )
    expect(() => app.requireAnyScope()).toThrow(ConfigurationError)
    expect(() => app.requireScopes('a b')).toThrow(ConfigurationError)
    expect(() => app.requireScopesByMethod({ read: 'photos.read' }, 'most' as never)).toThrow(
      ConfigurationError,
    )
    await close()
  })
})
