import type { AddressInfo } from 'node:net'
import { serve as honoServe } from '@hono/node-server'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { validator } from 'hono/validator'
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
import { closeAfterTest } from '../../../test/support/loopback.js'
import { mswIssuer } from '../../../test/support/msw-issuer.js'

const idp = mswIssuer('eu-west-1_Hono', 'ES256')
const options: VerifierOptions = { issuer: idp.issuer, clientId: 'app', tokenUse: 'access' }
const token = (scope: string) => idp.token(scope)

/** Serves `app` with `@hono/node-server` on 127.0.0.1, port 0, until the test finishes. */
async function serve(app: Hono) {
  const server = await new Promise<ReturnType<typeof honoServe>>((resolve) => {
    const started = honoServe({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started),
    )
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return { url, close: closeAfterTest(close) }
}

describe('@scopeguard/hono', () => {
  it("builds its own verifier from options and sets c.get('auth')", async () => {
    const app = new Hono()
    app.get('/me', authenticate(options), requireScopes('photos.read'), (c) =>
      c.json({ sub: c.get('auth')?.subject, scopes: c.var.auth?.scopes }),
    )
    const { url, close } = await serve(app)
    const response = await send(`${url}/me`, {
      headers: { authorization: `Bearer ${await token('photos.read')}` },
    })
    await close()
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
  })

  it('hands a token verified at once to the next handler in the same tick, and waits only for the key fetch', async () => {
    const verifier = createVerifier(options)
    const app = new Hono<{ Variables: { same: () => boolean } }>()
    app.get(
      '/tick',
      (c, next) => {
        c.set('same', sameTick())
        return next()
      },
      authenticate(verifier),
      requireScopes('photos.read'),
      (c) => c.json({ sameTick: c.get('same')() }),
    )
    const { url, close } = await serve(app as unknown as Hono)
    const get = async (authorization: string) =>
      (await send(`${url}/tick`, { headers: { authorization } })).json
    const answers = await firstThenCached(get, token)
    await close()
    expect(answers).toEqual(WAITED_ONLY_FOR_THE_KEYS)
  })

  it('shares one verifier (one key fetch) between several authenticate() middlewares', async () => {
    const verifier = createVerifier(options)
    const app = new Hono()
    app.get('/a', authenticate(verifier), (c) => c.json({ ok: 'a' }))
    app.get('/b', authenticate(verifier), (c) => c.json({ ok: 'b' }))
    const { url, close } = await serve(app)
    const before = idp.hits
    const authorization = `Bearer ${await token('photos.read')}`
    const answers = await Promise.all(
      ['/a', '/b', '/a', '/b'].map((path) => send(`${url}${path}`, { headers: { authorization } })),
    )
    await close()
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect(idp.hits - before).toBe(1)
  })

  it('throws HTTPExceptions whose response carries the exact status, headers and cause', async () => {
    const app = new Hono()
    const seen: unknown[] = []
    app.get('/photos', authenticate(options), requireScopes('photos.write'), (c) => c.json([]))
    app.onError((err, c) => {
      seen.push(err)
      if (err instanceof HTTPException && isOAuthError(err.cause)) {
        return c.json({ error: err.cause.code, reason: err.cause.reason }, err.getResponse())
      }
      return c.text('unexpected', 500)
    })
    const { url, close } = await serve(app)
    const scoped = await send(`${url}/photos`, {
      headers: { authorization: `Bearer ${await token('photos.read')}` },
    })
    const malformed = await send(`${url}/photos`, { headers: { authorization: 'Bearer x.y.z' } })
    await close()
    expect(seen.every((err) => err instanceof HTTPException)).toBe(true)
    expect([scoped.status, scoped.json]).toEqual([
      403,
      { error: 'insufficient_scope', reason: 'insufficient_scope' },
    ])
    expect(scoped.challenge).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.write"',
    )
    expect([malformed.status, malformed.json]).toEqual([
      401,
      { error: 'invalid_token', reason: 'malformed' },
    ])
  })

  it("answers through Hono's default handler with the core's headers and a fixed sentence", async () => {
    const app = new Hono()
    app.get('/photos', authenticate(options), (c) => c.json([]))
    const { url, close } = await serve(app)
    const forged = `${(await token('photos.read')).slice(0, -4)}AAAA`
    const response = await send(`${url}/photos`, { headers: { authorization: `Bearer ${forged}` } })
    idp.down = true
    const fresh = createVerifier(options)
    const cold = new Hono()
    cold.get('/photos', authenticate(fresh), (c) => c.json([]))
    const second = await serve(cold)
    const unavailable = await send(`${second.url}/photos`, {
      headers: { authorization: `Bearer ${await token('photos.read')}` },
    })
    await Promise.all([close(), second.close()])
    expect(response.status).toBe(401)
    expect(response.challenge).toBe(
      'Bearer error="invalid_token", error_description="The access token signature is invalid"',
    )
    expect(response.body).toBe('The access token signature is invalid')
    expect(response.body).not.toContain(forged.split('.')[2])
    expect(unavailable.status).toBe(503)
    expect(unavailable.headers['retry-after']).toMatch(/^[1-9]\d*$/)
    expect(unavailable.challenge).toBeNull()
    expect(unavailable.body).toBe('Service Unavailable')
  })

  it('refuses two Authorization headers with 400 although Headers joins them into one', async () => {
    const app = new Hono()
    app.get('/photos', authenticate(options), (c) => c.json([]))
    const { url, close } = await serve(app)
    const good = `Bearer ${await token('photos.read')}`
    const response = await send(`${url}/photos`, { headers: { authorization: [good, good] } })
    await close()
    expect(response.status).toBe(400)
    expect(response.challenge).toBe(
      'Bearer error="invalid_request", error_description="The request carries more than one access token"',
    )
  })

  it('lets anonymous requests through with optional authentication', async () => {
    const app = new Hono()
    app.get('/feed', authenticate(options, { optional: true }), (c) =>
      c.json({ auth: c.get('auth') ?? null }),
    )
    const { url, close } = await serve(app)
    const response = await send(`${url}/feed`)
    await close()
    expect([response.status, response.json]).toEqual([200, { auth: null }])
  })

  it('reads a query token from the absolute request URL (query transport)', async () => {
    const verifier = createVerifier({ ...options, transports: ['query'] })
    const api = new Hono().get('/list', authenticate(verifier), (c) =>
      c.json({ sub: c.var.auth?.subject }),
    )
    const app = new Hono().route('/photos', api)
    const { url, close } = await serve(app)
    const response = await send(`${url}/photos/list?access_token=${await token('photos.read')}`)
    await close()
    expect(response.json).toEqual({ sub: 'app' })
  })

  it('reads a form-body token that a form validator parsed first (body transport)', async () => {
    const verifier = createVerifier({ ...options, transports: ['header', 'body'] })
    const app = new Hono()
    app.post(
      '/upload',
      validator('form', (form) => form),
      authenticate(verifier),
      (c) => c.json({ sub: c.var.auth?.subject }),
    )
    const { url, close } = await serve(app)
    const response = await send(`${url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${await token('photos.read')}`,
    })
    await close()
    expect([response.status, response.json]).toEqual([200, { sub: 'app' }])
  })

  it('guards by method: a GET needs the read scope, a DELETE the write scope', async () => {
    const app = new Hono()
    const photos = requireScopesByMethod({ read: 'photos.read', write: 'photos.write' })
    app.all('/photos', authenticate(options), photos, (c) => c.json({ ok: true }))
    const { url, close } = await serve(app)
    const authorization = `Bearer ${await token('photos.read')}`
    const get = await send(`${url}/photos`, { headers: { authorization } })
    const del = await send(`${url}/photos`, { method: 'DELETE', headers: { authorization } })
    await close()
    expect([get.status, del.status]).toEqual([200, 403])
  })

  it('answers 500 without the token when a scope guard runs without authenticate()', async () => {
    const app = new Hono()
    app.get('/oops', requireAnyScope('photos.read'), (c) => c.json({ ran: true }))
    app.onError((err, c) => c.json({ message: err.message }, 500))
    const { url, close } = await serve(app)
    const secret = await token('photos.read')
    const response = await send(`${url}/oops`, { headers: { authorization: `Bearer ${secret}` } })
    await close()
    expect(response.status).toBe(500)
    expect(response.json).toEqual({
      message: 'scopeguard: mount authenticate() before the scope guards of this route',
    })
    expect(response.body).not.toContain(secret)
  })

  it('serves the RFC 9728 document', async () => {
    const verifier = createVerifier({
      ...options,
      resourceMetadata: { resource: 'https://api.example', scopesSupported: ['photos.read'] },
    })
    const app = new Hono()
    app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))
    const { url, close } = await serve(app)
    const response = await send(`${url}${verifier.resourceMetadata!.path}`)
    await close()
    expect(response.status).toBe(200)
    expect(response.json).toEqual(verifier.resourceMetadata!.document)
  })
})

describe('protectedResourceMetadata', () => {
  it('refuses, at start-up, a verifier without resourceMetadata', () => {
    expect(() => protectedResourceMetadata(createVerifier(options))).toThrow(ConfigurationError)
  })
})

describe('scope guards', () => {
  it('refuse a malformed requirement when they are created, not per request', () => {
    expect(() => requireAnyScope()).toThrow(ConfigurationError)
    expect(() => requireScopes('photos read')).toThrow(/without whitespace/)
    expect(() => requireScopesByMethod({ write: '' })).toThrow(ConfigurationError)
    expect(() => requireScopesByMethod({ read: 'a' }, 'most' as never)).toThrow(ConfigurationError)
  })
})
