import express5, { type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'
import { describe, expect, it } from 'vitest'
import {
  authenticate,
  ConfigurationError,
  createVerifier,
  isOAuthError,
  protectedResourceMetadata,
  requireScopes,
  requireAnyScope,
  requireScopesByMethod,
  type VerifierOptions,
} from '../src/index.js'
import { send } from '../../../test/support/http-client.js'
import {
  firstThenCached,
  sameTick,
  WAITED_ONLY_FOR_THE_KEYS,
} from '../../../test/support/same-tick.js'
import { serveForTest as serve } from '../../../test/support/loopback.js'
import { mswIssuer } from '../../../test/support/msw-issuer.js'

const idp = mswIssuer('eu-west-1_Express', 'RS256')
const ISSUER = idp.issuer

const options: VerifierOptions = { issuer: ISSUER, clientId: 'app', tokenUse: 'access' }
const token = (scope: string) => idp.token(scope)

describe.each([
  ['express 5', express5],
  ['express 4', express4],
])('@scopeguard/express on %s', (_name, express) => {
  it('builds its own verifier from options and sets req.auth', async () => {
    const app = express()
    app.get(
      '/me',
      authenticate(options),
      requireScopes('photos.read'),
      (req: Request, res: Response) => {
        res.json({ sub: req.auth?.subject, scopes: req.auth?.scopes })
      },
    )
    const { url, close } = await serve(app)
    const response = await send(`${url}/me`, {
      headers: { authorization: `Bearer ${await token('photos.read')}` },
    })
    await close()
    expect(response.status).toBe(200)
    expect(response.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
  })

  it('hands a token verified at once to the route in the same tick, and waits only for the key fetch', async () => {
    const verifier = createVerifier(options)
    const app = express()
    app.get(
      '/tick',
      (req: Request, _res: Response, next: NextFunction) => {
        ;(req as Request & { same?: () => boolean }).same = sameTick()
        next()
      },
      authenticate(verifier),
      requireScopes('photos.read'),
      (req: Request, res: Response) => {
        res.json({ sameTick: (req as Request & { same: () => boolean }).same() })
      },
    )
    const { url, close } = await serve(app)
    const get = async (authorization: string) =>
      (await send(`${url}/tick`, { headers: { authorization } })).json
    const answers = await firstThenCached(get, token)
    await close()
    expect(answers).toEqual(WAITED_ONLY_FOR_THE_KEYS)
  })

  it('shares one verifier (one key fetch) between several authenticate() middlewares', async () => {
    const verifier = createVerifier(options)
    const app = express()
    app.get(
      '/a',
      authenticate(verifier),
      (_req: Request, res: Response) => void res.json({ ok: 'a' }),
    )
    app.get(
      '/b',
      authenticate(verifier),
      (_req: Request, res: Response) => void res.json({ ok: 'b' }),
    )
    const { url, close } = await serve(app)
    const before = idp.hits
    const authorization = `Bearer ${await token('photos.read')}`
    const answers = await Promise.all(
      ['/a', '/b', '/a', '/b'].map((path) => send(`${url}${path}`, { headers: { authorization } })),
    )
    await close()
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect(idp.hits - before).toBe(1)
    expect(verifier.stats().jwksFetches).toBe(1)
  })

  it("lets the app's own error handler take over, with the OAuthError in hand", async () => {
    const app = express()
    app.get('/photos', authenticate(options), (_req: Request, res: Response) => void res.json([]))
    app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (!isOAuthError(err)) return next(err)
      res.status(err.status).set(err.headers).json({ error: err.code, reason: err.reason })
    })
    const { url, close } = await serve(app)
    const response = await send(`${url}/photos`, { headers: { authorization: 'Bearer x.y.z' } })
    await close()
    expect(response.status).toBe(401)
    expect(response.json).toEqual({ error: 'invalid_token', reason: 'malformed' })
    expect(response.challenge).toBe(
      'Bearer error="invalid_token", error_description="The access token is malformed"',
    )
  })

  it('answers 500 without the token when a scope guard runs without authenticate()', async () => {
    const app = express()
    app.get(
      '/oops',
      requireScopesByMethod({ read: 'photos.read' }),
      (_req: Request, res: Response) => void res.json({ ran: true }),
    )
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ message: err.message })
    })
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

  it('reads the original URL under a mounted router (query transport)', async () => {
    const verifier = createVerifier({ ...options, transports: ['query'] })
    const router = express.Router()
    router.get(
      '/list',
      authenticate(verifier),
      (req: Request, res: Response) => void res.json({ sub: req.auth?.subject }),
    )
    const app = express()
    app.use('/photos', router)
    const { url, close } = await serve(app)
    const response = await send(`${url}/photos/list?access_token=${await token('photos.read')}`)
    await close()
    expect(response.json).toEqual({ sub: 'app' })
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

  it('with no scope (requireScopes()) require authentication only: any valid token passes', async () => {
    const app = express5()
    app.get('/signed-in', authenticate(options), requireScopes(), (req: Request, res: Response) => {
      res.json({ scopes: req.auth?.scopes })
    })
    const { url } = await serve(app)
    const anonymous = await send(`${url}/signed-in`)
    const unscoped = await send(`${url}/signed-in`, {
      headers: { authorization: `Bearer ${await token('other.scope')}` },
    })
    expect([anonymous.status, anonymous.challenge]).toEqual([401, 'Bearer'])
    expect([unscoped.status, unscoped.json]).toEqual([200, { scopes: ['other.scope'] }])
  })
})
