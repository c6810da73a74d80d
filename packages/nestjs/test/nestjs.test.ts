import { Injectable, Module, type DynamicModule } from '@nestjs/common'
import type { AddressInfo } from 'node:net'
import { Test } from '@nestjs/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createVerifier,
  OptionalAuth,
  Public,
  RequireAnyScope,
  RequireScopes,
  ScopeguardExceptionFilter,
  ScopeguardModule,
  SCOPEGUARD_VERIFIER,
  ScopesByMethod,
  type AuthenticateOptions,
  type AuthRequest,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js'
import { send } from '../../../test/support/http-client.js'
import { mswIssuer } from '../../../test/support/msw-issuer.js'
import { firstThenCached, WAITED_ONLY_FOR_THE_KEYS } from '../../../test/support/same-tick.js'
import {
  allControllers,
  appModule,
  GuardedController,
  OpenController,
  startNest,
  startNestForTest,
  TickController,
} from './app.js'

const idp = mswIssuer('eu-west-1_Nest', 'ES256')
const ISSUER = idp.issuer
const API = 'https://api.example.com'
const METADATA = `${API}/.well-known/oauth-protected-resource`

const options: VerifierOptions = {
  issuer: ISSUER,
  clientId: 'app',
  tokenUse: 'access',
  transports: ['header', 'body'],
  resourceMetadata: { resource: API },
}
const bearer = async (scope: string) => ({
  authorization: `Bearer ${await idp.token(scope)}`,
})
const BARE = `Bearer resource_metadata="${METADATA}"`
const challenge = (error: string, description: string, scope?: string) =>
  `Bearer error="${error}", error_description="${description}"` +
  (scope === undefined ? '' : `, scope="${scope}"`) +
  (error === 'invalid_token' ? `, resource_metadata="${METADATA}"` : '')

describe.each(['express', 'fastify'] as const)('@scopeguard/nestjs on platform-%s', (platform) => {
  describe('global guard (forRoot with { globalGuard: true })', () => {
    let app: Awaited<ReturnType<typeof startNest>>
    beforeAll(async () => {
      app = await startNest(
        platform,
        appModule(
          ScopeguardModule.forRoot({ verifier: createVerifier(options) }, { globalGuard: true }),
        ),
      )
    })
    afterAll(() => app.close())

    it('refuses a request without a token: 401, bare challenge, JSON body', async () => {
      const response = await send(`${app.url}/me`)
      expect(response.status).toBe(401)
      expect(response.challenge).toBe(BARE)
      expect(response.json).toEqual({
        statusCode: 401,
        error: 'missing_token',
        message: 'Bearer token required',
      })
    })

    it('hands the verified token to @Auth()', async () => {
      const response = await send(`${app.url}/me`, { headers: await bearer('photos.read') })
      expect(response.status).toBe(200)
      expect(response.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
    })

    it('refuses a bad token with 401 invalid_token and never echoes it', async () => {
      const forged = (await bearer('photos.read')).authorization.slice(0, -4) + 'AAAA'
      const response = await send(`${app.url}/me`, { headers: { authorization: forged } })
      expect(response.status).toBe(401)
      expect(response.challenge).toBe(
        challenge('invalid_token', 'The access token signature is invalid'),
      )
      expect(response.body).not.toContain(forged.slice(-40))
    })

    it('answers two Authorization headers with 400 invalid_request', async () => {
      const { authorization } = await bearer('photos.read')
      const response = await send(`${app.url}/me`, {
        headers: { authorization: [authorization, authorization] },
      })
      expect(response.status).toBe(400)
      expect(response.challenge).toBe(
        challenge('invalid_request', 'The request carries more than one access token'),
      )
    })

    it('@Public() routes read no token at all', async () => {
      const response = await send(`${app.url}/health`, {
        headers: { authorization: 'Bearer not-a-token' },
      })
      expect(response.status).toBe(200)
      expect(response.json).toEqual({ status: 'ok' })
    })

    it('@OptionalAuth() lets anonymous requests through but still refuses bad tokens', async () => {
      const anonymous = await send(`${app.url}/feed`)
      expect(anonymous.json).toEqual({ auth: null })
      const signedIn = await send(`${app.url}/feed`, { headers: await bearer('photos.read') })
      expect(signedIn.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
      const bad = await send(`${app.url}/feed`, { headers: { authorization: 'Bearer a.b.c' } })
      expect(bad.status).toBe(401)
      expect(bad.challenge).toBe(challenge('invalid_token', 'The access token is malformed'))
    })

    it('applies controller scopes (all-of) and lets the method override them', async () => {
      const readOnly = await bearer('photos.read')
      const list = await send(`${app.url}/albums`, { headers: readOnly })
      expect(list.status).toBe(403)
      expect(list.challenge).toBe(
        challenge(
          'insufficient_scope',
          'The access token lacks a required scope',
          'photos.read photos.write',
        ),
      )
      const both = await send(`${app.url}/albums`, {
        headers: await bearer('photos.read photos.write'),
      })
      expect(both.status).toBe(200)
      const any = await send(`${app.url}/albums/any`, { headers: await bearer('albums.read') })
      expect(any.json).toEqual({ sub: 'app', scopes: ['albums.read'] })
      const noneOf = await send(`${app.url}/albums/any`, { headers: await bearer('photos.write') })
      expect(noneOf.status).toBe(403)
      expect(noneOf.challenge).toBe(
        challenge(
          'insufficient_scope',
          'The access token lacks a required scope',
          'photos.read albums.read',
        ),
      )
      const cover = await send(`${app.url}/albums/cover`)
      expect(cover.json).toEqual({ auth: null })
    })

    it('a method with its own scopes needs a token inside a @Public() controller', async () => {
      expect((await send(`${app.url}/pages`)).json).toEqual({ auth: null })
      const edit = await send(`${app.url}/pages/edit`)
      expect(edit.status).toBe(401)
      expect(edit.challenge).toBe(BARE)
      const allowed = await send(`${app.url}/pages/edit`, { headers: await bearer('pages.edit') })
      expect(allowed.json).toEqual({ sub: 'app', scopes: ['pages.edit'] })
      expect((await send(`${app.url}/pages/mine`)).status).toBe(401)
    })

    it('@ScopesByMethod() maps reads and writes to scopes', async () => {
      const reader = await bearer('photos.read')
      expect((await send(`${app.url}/photos`, { headers: reader })).status).toBe(200)
      const head = await send(`${app.url}/photos`, { method: 'HEAD', headers: reader })
      expect(head.status).toBe(200)
      const write = await send(`${app.url}/photos`, { method: 'DELETE', headers: reader })
      expect(write.status).toBe(403)
      expect(write.challenge).toBe(
        challenge('insufficient_scope', 'The access token lacks a required scope', 'photos.write'),
      )
      const post = await send(`${app.url}/photos`, {
        method: 'POST',
        headers: await bearer('photos.write'),
      })
      expect(post.json).toEqual({ sub: 'app', scopes: ['photos.write'] })
    })

    it('reads a token from a form body when the body transport is on', async () => {
      const token = (await bearer('photos.read')).authorization.slice('Bearer '.length)
      const response = await send(`${app.url}/form`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: token }).toString(),
      })
      expect(response.status).toBe(200)
      expect(response.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
      const twice = await send(`${app.url}/form`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(await bearer('x')) },
        body: new URLSearchParams({ access_token: token }).toString(),
      })
      expect(twice.status).toBe(400)
    })

    it('answers 500, without running the handler, for a route both @Public() and guarded', async () => {
      const response = await send(`${app.url}/conflict`)
      expect(response.status).toBe(500)
      expect(response.body).not.toContain('"ran"')
    })

    it('tells apart two controllers that inherit one handler (each route read once)', async () => {
      for (let round = 0; round < 2; round++) {
        expect((await send(`${app.url}/shelf/public`)).status).toBe(200)
        expect((await send(`${app.url}/shelf/private`)).status).toBe(401)
        const denied = await send(`${app.url}/shelf/private`, {
          headers: await bearer('photos.read'),
        })
        expect(denied.status).toBe(403)
        expect(denied.challenge).toBe(
          challenge('insufficient_scope', 'The access token lacks a required scope', 'shelf.read'),
        )
        const allowed = await send(`${app.url}/shelf/private`, {
          headers: await bearer('shelf.read'),
        })
        expect(allowed.status).toBe(200)
      }
    })

    it('guards every controller, even one without @UseGuards()', async () => {
      expect((await send(`${app.url}/open`)).status).toBe(401)
    })

    it('serves the RFC 9728 document, unguarded, at the verifier path', async () => {
      const response = await send(`${app.url}/.well-known/oauth-protected-resource`)
      expect(response.status).toBe(200)
      expect(response.json).toEqual({
        resource: API,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ['header', 'body'],
      })
    })
  })

  it('guards only the controllers that use @UseGuards(ScopeguardGuard) without { globalGuard }', async () => {
    const app = await startNestForTest(
      platform,
      appModule(ScopeguardModule.forRoot(options), [GuardedController, OpenController]),
    )
    const open = await send(`${app.url}/open`)
    const refused = await send(`${app.url}/guarded`)
    const allowed = await send(`${app.url}/guarded`, { headers: await bearer('photos.read') })
    await app.close()
    expect(open.json).toEqual({ auth: null })
    expect(refused.status).toBe(401)
    expect(refused.challenge).toBe(BARE)
    expect(allowed.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
  })

  it('answers a token verified at once without an await, so Nest runs the next guard in the same tick', async () => {
    const app = await startNestForTest(
      platform,
      appModule(ScopeguardModule.forRoot(createVerifier(options)), [TickController]),
    )
    const get = async (authorization: string) =>
      (await send(`${app.url}/tick`, { headers: { authorization } })).json
    const answers = await firstThenCached(get, (scope) => idp.token(scope))
    await app.close()
    expect(answers).toEqual(WAITED_ONLY_FOR_THE_KEYS)
  })

  it('still registers the global guard with the deprecated global extra, in forRoot and forRootAsync', async () => {
    const modules = [
      ScopeguardModule.forRoot(options, { global: true }),
      ScopeguardModule.forRootAsync({ useFactory: () => options, global: true }),
    ]
    for (const scopeguard of modules) {
      const app = await startNestForTest(platform, appModule(scopeguard, [OpenController]))
      const refused = await send(`${app.url}/open`)
      const allowed = await send(`${app.url}/open`, { headers: await bearer('photos.read') })
      await app.close()
      expect(refused.status).toBe(401)
      expect(refused.challenge).toBe(BARE)
      expect(allowed.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
    }
  })

  it('answers 503 with Retry-After when the keys cannot be had', async () => {
    idp.down = true
    const app = await startNestForTest(
      platform,
      appModule(ScopeguardModule.forRoot(options, { globalGuard: true }), allControllers),
    )
    const response = await send(`${app.url}/me`, { headers: await bearer('photos.read') })
    await app.close()
    expect(response.status).toBe(503)
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/)
    expect(response.challenge).toBeNull()
    expect(response.json).toEqual({
      statusCode: 503,
      error: 'temporarily_unavailable',
      message: 'Service Unavailable',
    })
  })

  it('builds the verifier in forRootAsync from an injected config service', async () => {
    @Injectable()
    class Config {
      readonly issuer = ISSUER
    }
    @Module({ providers: [Config], exports: [Config] })
    class ConfigModule {}
    const scopeguard = ScopeguardModule.forRootAsync({
      imports: [ConfigModule],
      inject: [Config],
      useFactory: (config: Config) => ({ issuer: config.issuer, clientId: 'app' }),
      globalGuard: true,
    })
    const app = await startNestForTest(platform, appModule(scopeguard, allControllers))
    const before = idp.hits
    const headers = await bearer('photos.read')
    const answers = await Promise.all([1, 2, 3].map(() => send(`${app.url}/me`, { headers })))
    const missing = await send(`${app.url}/me`)
    const noMetadata = await send(`${app.url}/.well-known/oauth-protected-resource`)
    await app.close()
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    expect(idp.hits - before).toBe(1)
    expect(missing.challenge).toBe('Bearer')
    expect(noMetadata.status).toBe(404)
  })

  it('fails bootstrap with ConfigurationError for invalid async options', async () => {
    const scopeguard = ScopeguardModule.forRootAsync({
      useFactory: () => Promise.resolve({ issuer: ISSUER }),
    })
    await expect(startNest(platform, appModule(scopeguard, []))).rejects.toThrow(ConfigurationError)
  })

  it('leaves errors to your filters with exceptionFilter: false (Nest alone drops the challenge)', async () => {
    const scopeguard: DynamicModule = ScopeguardModule.forRoot(options, {
      globalGuard: true,
      exceptionFilter: false,
      metadataRoute: false,
    })
    const bare = await startNestForTest(platform, appModule(scopeguard, [OpenController]))
    const unhandled = await send(`${bare.url}/open`)
    const noMetadata = await send(`${bare.url}/.well-known/oauth-protected-resource`)
    await bare.close()
    expect(unhandled.status).toBe(401)
    expect(unhandled.challenge).toBeNull()
    expect(noMetadata.status).toBe(404)

    const manual = await startNestForTest(
      platform,
      appModule(scopeguard, [OpenController]),
      (app) => app.useGlobalFilters(new ScopeguardExceptionFilter()),
    )
    const handled = await send(`${manual.url}/open`)
    await manual.close()
    expect(handled.status).toBe(401)
    expect(handled.challenge).toBe(BARE)
  })
})

describe('SCOPEGUARD_VERIFIER provided by the app', () => {
  it('calls a verifier of its own (overrideProvider) through its authenticate()', async () => {
    const real = createVerifier(options)
    let calls = 0
    // What a test or a wrapper provides: an object of its own that delegates to a verifier.
    const delegating: Verifier = {
      ...real,
      authenticate: ((request: AuthRequest, opts?: AuthenticateOptions) => {
        calls++
        return real.authenticate(request, opts ?? {})
      }) as Verifier['authenticate'],
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ScopeguardModule.forRoot(options)],
      controllers: [GuardedController],
    })
      .overrideProvider(SCOPEGUARD_VERIFIER)
      .useValue(delegating)
      .compile()
    const app = moduleRef.createNestApplication({ logger: false })
    await app.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`
    const allowed = await send(`${url}/guarded`, { headers: await bearer('photos.read') })
    const refused = await send(`${url}/guarded`)
    await app.close()
    expect(allowed.json).toEqual({ sub: 'app', scopes: ['photos.read'] })
    expect(refused.status).toBe(401)
    expect(refused.challenge).toBe(BARE)
    expect(calls).toBe(2)
  })
})

describe('ScopeguardModule.forRoot', () => {
  it('throws ConfigurationError at once for invalid options', () => {
    expect(() => ScopeguardModule.forRoot({ issuer: ISSUER })).toThrow(ConfigurationError)
  })

  it('refuses globalGuard and its deprecated alias global when they disagree', () => {
    expect(() => ScopeguardModule.forRoot(options, { globalGuard: false, global: true })).toThrow(
      'scopeguard: ScopeguardModule: globalGuard is false but its deprecated alias global is true; give globalGuard only',
    )
    expect(() =>
      ScopeguardModule.forRootAsync({
        useFactory: () => options,
        globalGuard: true,
        global: false,
      }),
    ).toThrow(ConfigurationError)
    expect(() =>
      ScopeguardModule.forRoot(options, { globalGuard: true, global: true }),
    ).not.toThrow()
  })

  it('accepts a verifier itself, { verifier }, or options', () => {
    const verifier = createVerifier(options)
    const provided = (module: DynamicModule) =>
      (module.providers as { provide?: unknown; useValue?: unknown }[])[0]?.useValue
    expect(provided(ScopeguardModule.forRoot(verifier))).toBe(verifier)
    expect(provided(ScopeguardModule.forRoot({ verifier }))).toBe(verifier)
    expect(provided(ScopeguardModule.forRoot(options))).not.toBe(verifier)
  })
})

describe('decorators', () => {
  it('refuse @Public() with a scope decorator on one method or one controller, in either order', () => {
    const define = (apply: () => void) => () => {
      apply()
    }
    expect(
      define(() => {
        class Photos {
          @Public()
          @RequireScopes('photos.read')
          list() {}
        }
        return Photos
      }),
    ).toThrow(/@Public\(\) and a scope decorator on the same method/)
    expect(
      define(() => {
        class Photos {
          @RequireAnyScope('photos.read')
          @Public()
          list() {}
        }
        return Photos
      }),
    ).toThrow(ConfigurationError)
    expect(
      define(() => {
        @Public()
        @RequireScopes('photos.read')
        class Photos {}
        return Photos
      }),
    ).toThrow(/on the same controller/)
    // A public method in a guarded controller, and scopes on a method of a public one, are fine.
    expect(
      define(() => {
        @RequireScopes('photos.read')
        class Photos {
          @Public()
          cover() {}
        }
        @Public()
        class Pages {
          @RequireScopes('pages.edit')
          @OptionalAuth()
          edit() {}
        }
        return [Photos, Pages]
      }),
    ).not.toThrow()
  })

  it('refuse a malformed scope requirement when the class is defined', () => {
    expect(() => RequireAnyScope()).toThrow(ConfigurationError)
    expect(() => RequireScopes('photos read')).toThrow(/without whitespace/)
    expect(() => ScopesByMethod({ read: '' })).toThrow(ConfigurationError)
    expect(() => ScopesByMethod({ read: 'photos.read' }, 'some' as never)).toThrow(
      ConfigurationError,
    )
  })
})
