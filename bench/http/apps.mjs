/**
 * The HTTP benchmark servers: one route, `GET /photos`, answering a small JSON body, on each
 * framework bare, with scopeguard (authenticate + `photos.read` scope check) and with its popular
 * peer configured for the same Cognito access token (issuer, `client_id`, `token_use`, scope).
 * Keys come from the bench process's loopback key server (`jwksUrl`), fetched before listening
 * (scopeguard's `warmup()`, unless `warmup: false`) or by the first request (the peers).
 *
 * `startApp(name, settings)` resolves `{ port, close }`.
 */
import 'reflect-metadata'
import { Buffer } from 'node:buffer'
import { verify } from 'node:crypto'
import { createServer } from 'node:http'

/**
 * @typedef {{ jwksUrl: string, issuer: string, clientId: string, scope: string, warmup?: boolean }} AppSettings
 * @typedef {{ port: number, close: () => Promise<void> }} RunningApp
 */

/** The peers' own scope/claims check (they verify the signature and `iss`; this does the rest). */
function cognitoAccessOk(claims, settings) {
  return (
    claims !== undefined &&
    claims.client_id === settings.clientId &&
    claims.token_use === 'access' &&
    typeof claims.scope === 'string' &&
    claims.scope.split(' ').includes(settings.scope)
  )
}

/**
 * The signature-only controls' whole check: node:crypto's verify of a compact JWS's signature
 * with `key`, no parsing of header or claims.
 *
 * @param {string} jws
 * @param {import('node:crypto').VerifyKeyObjectInput | import('node:crypto').KeyObject} key
 */
function jwsSignatureValid(jws, key) {
  const dot = jws.lastIndexOf('.')
  return (
    dot > 0 &&
    verify(
      'sha256',
      Buffer.from(jws.slice(0, dot), 'latin1'),
      key,
      Buffer.from(jws.slice(dot + 1), 'base64url'),
    )
  )
}

/**
 * @param {AppSettings} settings
 * @param {Record<string, unknown>} [extra] more verifier options (DPoP, revocation)
 */
async function scopeguardVerifier(createVerifier, settings, extra = {}) {
  const verifier = createVerifier({
    issuer: settings.issuer,
    clientId: settings.clientId,
    tokenUse: 'access',
    jwksUri: settings.jwksUrl,
    ...extra,
  })
  // The cold-start check turns this off: its first requests must share one key fetch.
  if (settings.warmup !== false) await verifier.warmup()
  return verifier
}

/** Fastify + scopeguard's plugin with `verifier`: GET /photos needs the scope. */
async function scopeguardFastify(verifier, settings) {
  const { default: Fastify } = await import('fastify')
  const { scopeguard } = await import('@scopeguard/fastify')
  const app = Fastify()
  await app.register(scopeguard, { verifier })
  app.get('/photos', { onRequest: [app.authenticate, app.requireScopes(settings.scope)] }, () =>
    Promise.resolve(BODY),
  )
  await app.listen({ port: 0, host: '127.0.0.1' })
  return fastifyRunning(app)
}

/** Fastify + scopeguard with DPoP (see the 'fastify/scopeguard + DPoP' apps). */
async function dpopFastify(settings, replayStore) {
  const { createVerifier } = await import('@scopeguard/fastify')
  const dpop = { publicOrigin: settings.dpopOrigin, proofMaxAge: 900, replayStore }
  const verifier = await scopeguardVerifier(createVerifier, settings, { dpop })
  return scopeguardFastify(verifier, settings)
}

/** Listens on 127.0.0.1 with an ephemeral port. */
async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  return {
    port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve(undefined))
      }),
  }
}

const BODY = { photos: ['a.jpg', 'b.jpg'] }

/**
 * Express error handler for every Express app: answers the error's status and headers without
 * logging (Express's default handler prints each refused request's stack).
 */
function expressErrors(error, _req, res, _next) {
  res.status(error.status ?? error.statusCode ?? 500)
  if (error.headers) res.set(error.headers)
  res.end()
}

/** @type {Record<string, (settings: AppSettings) => Promise<RunningApp>>} */
export const APPS = {
  async 'express/bare'() {
    const { default: express } = await import('express')
    const app = express()
    app.get('/photos', (_req, res) => {
      res.json(BODY)
    })
    app.use(expressErrors)
    return listen(createServer(app))
  },

  async 'express/scopeguard'(settings) {
    const { default: express } = await import('express')
    const { authenticate, createVerifier, requireScopes } = await import('@scopeguard/express')
    const verifier = await scopeguardVerifier(createVerifier, settings)
    const app = express()
    app.get('/photos', authenticate(verifier), requireScopes(settings.scope), (_req, res) => {
      res.json(BODY)
    })
    app.use(expressErrors)
    return listen(createServer(app))
  },

  // Control: two middlewares that check nothing, in the shape of `authenticate()` +
  // `requireScopes()` with a cached token (both call next at once): what any two-step auth costs
  // Express's router before doing any work (bench/resolution.mjs).
  async 'express/no-op middleware (control)'() {
    const { default: express } = await import('express')
    const app = express()
    const settle = (/** @type {any} */ req, /** @type {any} */ _res, /** @type {any} */ next) => {
      req.checked = true
      next()
    }
    const pass = (/** @type {any} */ _req, /** @type {any} */ _res, /** @type {any} */ next) =>
      next()
    app.get('/photos', settle, pass, (_req, res) => {
      res.json(BODY)
    })
    app.use(expressErrors)
    return listen(createServer(app))
  },

  /** The same server in another process: how far two identical servers drift apart (events bench). */
  'express/scopeguard (A/A control)'(settings) {
    return APPS['express/scopeguard'](settings)
  },

  async 'express/scopeguard + OpenTelemetry'(settings) {
    const { default: express } = await import('express')
    const { authenticate, createVerifier, requireScopes } = await import('@scopeguard/express')
    const { instrumentVerifier } = await import('@scopeguard/opentelemetry')
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics')
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus')
    // What an app scraped by Prometheus runs: an SDK MeterProvider read by the exporter.
    const meterProvider = new MeterProvider({
      readers: [new PrometheusExporter({ preventServerStart: true })],
    })
    const verifier = await scopeguardVerifier(createVerifier, settings)
    instrumentVerifier(verifier, { meterProvider })
    const app = express()
    app.get('/photos', authenticate(verifier), requireScopes(settings.scope), (_req, res) => {
      res.json(BODY)
    })
    app.use(expressErrors)
    return listen(createServer(app))
  },

  async 'express/express-oauth2-jwt-bearer'(settings) {
    const { default: express } = await import('express')
    const { auth, requiredScopes } = await import('express-oauth2-jwt-bearer')
    const app = express()
    app.get(
      '/photos',
      auth({
        issuer: settings.issuer,
        jwksUri: settings.jwksUrl,
        tokenSigningAlg: 'RS256',
        // Cognito access tokens carry no `aud`: the app client is `client_id`.
        audience: settings.clientId,
        validators: {
          aud: false,
          client_id: settings.clientId,
          token_use: 'access',
        },
      }),
      requiredScopes(settings.scope),
      (_req, res) => {
        res.json(BODY)
      },
    )
    app.use(expressErrors)
    return listen(createServer(app))
  },

  async 'express/express-jwt + jwks-rsa'(settings) {
    const { default: express } = await import('express')
    const { expressjwt } = await import('express-jwt')
    const { default: jwksRsa } = await import('jwks-rsa')
    const app = express()
    app.get(
      '/photos',
      expressjwt({
        secret: /** @type {any} */ (
          jwksRsa.expressJwtSecret({ jwksUri: settings.jwksUrl, cache: true, rateLimit: true })
        ),
        algorithms: ['RS256'],
        issuer: settings.issuer,
      }),
      (req, res, next) => {
        if (cognitoAccessOk(/** @type {any} */ (req).auth, settings)) next()
        else res.status(403).end()
      },
      (_req, res) => {
        res.json(BODY)
      },
    )
    app.use(expressErrors)
    return listen(createServer(app))
  },

  async 'koa/bare'() {
    const { default: Koa } = await import('koa')
    const app = new Koa()
    app.use((ctx) => {
      if (ctx.method === 'GET' && ctx.path === '/photos') ctx.body = BODY
    })
    return listen(createServer(app.callback()))
  },

  async 'koa/scopeguard'(settings) {
    const { default: Koa } = await import('koa')
    const { authenticate, createVerifier, requireScopes } = await import('@scopeguard/koa')
    const verifier = await scopeguardVerifier(createVerifier, settings)
    const auth = authenticate(verifier)
    const scopes = requireScopes(settings.scope)
    const app = new Koa()
    app.silent = true
    app.use((ctx, next) => {
      if (ctx.method !== 'GET' || ctx.path !== '/photos') return next()
      return auth(ctx, () =>
        scopes(ctx, () => {
          ctx.body = BODY
          return Promise.resolve()
        }),
      )
    })
    return listen(createServer(app.callback()))
  },

  async 'koa/koa-jwt + jwks-rsa'(settings) {
    const { default: Koa } = await import('koa')
    const { default: koaJwt } = await import('koa-jwt')
    const { default: jwksRsa } = await import('jwks-rsa')
    const jwt = koaJwt({
      secret: /** @type {any} */ (jwksRsa.koaJwtSecret({ jwksUri: settings.jwksUrl, cache: true })),
      issuer: settings.issuer,
      algorithms: ['RS256'],
    })
    const app = new Koa()
    app.silent = true
    app.use((ctx, next) => {
      if (ctx.method !== 'GET' || ctx.path !== '/photos') return next()
      return jwt(ctx, () => {
        if (!cognitoAccessOk(ctx.state.user, settings)) ctx.throw(403)
        ctx.body = BODY
        return Promise.resolve()
      })
    })
    return listen(createServer(app.callback()))
  },

  async 'fastify/bare'() {
    const { default: Fastify } = await import('fastify')
    const app = Fastify()
    app.get('/photos', () => Promise.resolve(BODY))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return fastifyRunning(app)
  },

  async 'fastify/scopeguard'(settings) {
    const { createVerifier } = await import('@scopeguard/fastify')
    return scopeguardFastify(await scopeguardVerifier(createVerifier, settings), settings)
  },

  // scopeguard without its token cache: with distinct tokens the cache must never cost more.
  async 'fastify/scopeguard (tokenCache: false)'(settings) {
    const { createVerifier } = await import('@scopeguard/fastify')
    const verifier = await scopeguardVerifier(createVerifier, settings, { tokenCache: false })
    return scopeguardFastify(verifier, settings)
  },

  // scopeguard with DPoP on (both schemes), proofs checked on every request; the replay store is
  // the in-memory default, or Redis when `redisUrl` is set. Proofs are minted up front by the
  // bench, so their age window is widened (`proofMaxAge`) to cover the whole run.
  async 'fastify/scopeguard + DPoP'(settings) {
    return dpopFastify(settings, undefined)
  },
  // The DPoP yardstick: the Bearer server (unbound token) behind a hook that does nothing but one
  // ES256 check of the request's DPoP proof signature, with the proof key imported once: what "a
  // Bearer request plus one proof signature check" costs inside a server, big request included.
  async 'fastify/scopeguard + proof signature only (control)'(settings) {
    const { default: Fastify } = await import('fastify')
    const { scopeguard, createVerifier } = await import('@scopeguard/fastify')
    const { createPublicKey } = await import('node:crypto')
    const verifier = await scopeguardVerifier(createVerifier, settings)
    const app = Fastify()
    await app.register(scopeguard, { verifier })
    /** @type {Map<string, { key: import('node:crypto').KeyObject, dsaEncoding: 'ieee-p1363' }>} */
    const keys = new Map()
    const proofSignature = async (/** @type {any} */ request, /** @type {any} */ reply) => {
      const proof = typeof request.headers.dpop === 'string' ? request.headers.dpop : ''
      const head = proof.slice(0, proof.indexOf('.'))
      let key = keys.get(head)
      if (key === undefined) {
        const { jwk } = JSON.parse(Buffer.from(head, 'base64url').toString())
        key = { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }
        keys.set(head, key)
      }
      if (!jwsSignatureValid(proof, key)) return reply.code(401).send()
    }
    app.get(
      '/photos',
      { onRequest: [proofSignature, app.authenticate, app.requireScopes(settings.scope)] },
      () => Promise.resolve(BODY),
    )
    await app.listen({ port: 0, host: '127.0.0.1' })
    return fastifyRunning(app)
  },
  async 'fastify/scopeguard + DPoP (Redis store)'(settings) {
    const { createClient } = await import('redis')
    const { createRedisReplayStore } = await import('@scopeguard/redis')
    const client = createClient({ url: settings.redisUrl })
    client.on('error', () => undefined)
    await client.connect()
    const running = await dpopFastify(settings, createRedisReplayStore({ client }))
    return { port: running.port, close: () => running.close().finally(() => client.destroy()) }
  },

  // scopeguard with a revocation list of 10,000 live entries (jti, origin_jti and sub): the
  // per-request check against a fleet's replica, beside 'fastify/scopeguard' (revocation off).
  async 'fastify/scopeguard + revocation (10k)'(settings) {
    const { createVerifier, createRevocationList } = await import('@scopeguard/fastify')
    const revocation = createRevocationList()
    const kinds = /** @type {const} */ (['jti', 'origin_jti', 'sub'])
    for (let i = 0; i < 10_000; i++)
      revocation.revoke({ kind: kinds[i % 3], value: `revoked-${i}` })
    const verifier = await scopeguardVerifier(createVerifier, settings, { revocation })
    return scopeguardFastify(verifier, settings)
  },

  // The two halves of 'fastify/scopeguard + revocation (10k)' apart (bench/resolution.mjs): the
  // check on every request against an empty list, and the 10,000 entries held but never consulted.
  async 'fastify/scopeguard + revocation (empty list)'(settings) {
    const { createVerifier, createRevocationList } = await import('@scopeguard/fastify')
    const revocation = createRevocationList()
    const verifier = await scopeguardVerifier(createVerifier, settings, { revocation })
    return scopeguardFastify(verifier, settings)
  },
  async 'fastify/scopeguard + 10k revocations held, unused'(settings) {
    const { createVerifier, createRevocationList } = await import('@scopeguard/fastify')
    const held = createRevocationList()
    const kinds = /** @type {const} */ (['jti', 'origin_jti', 'sub'])
    for (let i = 0; i < 10_000; i++) held.revoke({ kind: kinds[i % 3], value: `revoked-${i}` })
    const verifier = await scopeguardVerifier(createVerifier, settings)
    const running = await scopeguardFastify(verifier, settings)
    // Kept reachable for the server's life, as a verifier's list would be.
    return { port: running.port, close: () => running.close().finally(() => held.size) }
  },

  // 'fastify/scopeguard' with an unused route `config` object: per request the same work, a
  // start-up a little different (bench/resolution.mjs; see warmNextTick in ./server.mjs).
  async 'fastify/scopeguard + an unused route config'(settings) {
    const { default: Fastify } = await import('fastify')
    const { scopeguard, createVerifier } = await import('@scopeguard/fastify')
    const verifier = await scopeguardVerifier(createVerifier, settings)
    const app = Fastify()
    await app.register(scopeguard, { verifier })
    const onRequest = [app.authenticate, app.requireScopes(settings.scope)]
    app.get('/photos', { config: { unused: true }, onRequest }, () => Promise.resolve(BODY))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return fastifyRunning(app)
  },

  // Control: an onRequest hook that checks nothing. What any auth hook costs Fastify before doing
  // any work.
  async 'fastify/no-op hook (control)'() {
    const { default: Fastify } = await import('fastify')
    const app = Fastify()
    // In the shape of scopeguard's hook with a cached token: it answers on `done` at once.
    const hook = (
      /** @type {any} */ request,
      /** @type {any} */ _reply,
      /** @type {any} */ done,
    ) => {
      request.checked = true
      done()
    }
    app.get('/photos', { onRequest: [hook] }, () => Promise.resolve(BODY))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return fastifyRunning(app)
  },

  // Control: an onRequest hook that does only the RS256 signature check (node:crypto, key fetched
  // once at start, no parsing of the claims, no cache). For distinct tokens, the ceiling of any
  // verifier that checks the signature on this machine.
  async 'fastify/signature only (control)'(settings) {
    const { default: Fastify } = await import('fastify')
    const { createPublicKey } = await import('node:crypto')
    const { keys } = await (await globalThis.fetch(settings.jwksUrl)).json()
    const key = createPublicKey({ key: keys[0], format: 'jwk' })
    const app = Fastify()
    const hook = async (/** @type {any} */ request, /** @type {any} */ reply) => {
      const header = request.headers.authorization ?? ''
      const ok = header.startsWith('Bearer ') && jwsSignatureValid(header.slice(7), key)
      if (!ok) return reply.code(401).send()
    }
    app.get('/photos', { onRequest: [hook] }, () => Promise.resolve(BODY))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return fastifyRunning(app)
  },

  async 'fastify/fastify-jwt-jwks'(settings) {
    const { default: Fastify } = await import('fastify')
    const { default: fastifyJwtJwks } = await import('fastify-jwt-jwks')
    const app = Fastify()
    await app.register(fastifyJwtJwks, { jwksUrl: settings.jwksUrl, issuer: settings.issuer })
    const scopes = (/** @type {any} */ request, /** @type {any} */ reply, done) => {
      if (cognitoAccessOk(request.user, settings)) done()
      else reply.code(403).send()
    }
    app.get('/photos', { onRequest: [/** @type {any} */ (app).authenticate, scopes] }, () =>
      Promise.resolve(BODY),
    )
    await app.listen({ port: 0, host: '127.0.0.1' })
    return fastifyRunning(app)
  },

  async 'hono/bare'() {
    const { Hono } = await import('hono')
    const app = new Hono()
    app.get('/photos', (c) => c.json(BODY))
    return honoListen(app)
  },

  async 'hono/scopeguard'(settings) {
    const { Hono } = await import('hono')
    const { authenticate, createVerifier, requireScopes } = await import('@scopeguard/hono')
    const verifier = await scopeguardVerifier(createVerifier, settings)
    const app = new Hono()
    app.get('/photos', authenticate(verifier), requireScopes(settings.scope), (c) => c.json(BODY))
    app.onError((error, c) => /** @type {any} */ (error).getResponse?.() ?? c.body(null, 500))
    return honoListen(app)
  },

  // Hono's own JWK middleware: fetches jwks_uri on every request (it keeps no key cache).
  async 'hono/hono-jwk'(settings) {
    const { Hono } = await import('hono')
    const { jwk } = await import('hono/jwk')
    const app = new Hono()
    app.get(
      '/photos',
      jwk({ jwks_uri: settings.jwksUrl, alg: ['RS256'], verification: { iss: settings.issuer } }),
      (c) => (cognitoAccessOk(c.get('jwtPayload'), settings) ? c.json(BODY) : c.body(null, 403)),
    )
    app.onError((error, c) => /** @type {any} */ (error).getResponse?.() ?? c.body(null, 500))
    return honoListen(app)
  },

  'nestjs/bare'() {
    return nestApp(undefined)
  },

  async 'nestjs/scopeguard'(settings) {
    const nest = await import('@scopeguard/nestjs')
    const verifier = await scopeguardVerifier(nest.createVerifier, settings)
    return nestApp({ nest, verifier, scope: settings.scope })
  },

  // Control: a global guard (APP_GUARD) whose canActivate checks nothing. What any guard costs a
  // Nest app before doing any work.
  'nestjs/no-op guard (control)'() {
    return nestApp(undefined, true)
  },
}

/** Serves a Hono app on Node through @hono/node-server's request listener. */
async function honoListen(app) {
  const { getRequestListener } = await import('@hono/node-server')
  const handle = getRequestListener(app.fetch)
  return listen(createServer((req, res) => void handle(req, res)))
}

function fastifyRunning(app) {
  return {
    port: /** @type {import('node:net').AddressInfo} */ (app.server.address()).port,
    close: () => app.close(),
  }
}

/**
 * A NestJS 11 app on platform-express, decorators applied by hand (no decorator syntax in .mjs).
 * With scopeguard: `ScopeguardModule.forRoot({ verifier }, { global: true })` and
 * `@RequireScopes('photos.read')` on the handler; with `noopGuard`, a global guard that allows all.
 */
async function nestApp(withScopeguard, noopGuard = false) {
  const { Controller, Get, Injectable, Module } = await import('@nestjs/common')
  const { APP_GUARD, NestFactory } = await import('@nestjs/core')
  // As scopeguard's guard answers a cached token: `true` at once, which Nest takes without an await.
  class AllowAll {
    canActivate() {
      return true
    }
  }
  Injectable()(AllowAll)
  class PhotosController {
    list() {
      return BODY
    }
  }
  const descriptor = /** @type {PropertyDescriptor} */ (
    Object.getOwnPropertyDescriptor(PhotosController.prototype, 'list')
  )
  Get('photos')(PhotosController.prototype, 'list', descriptor)
  if (withScopeguard) {
    withScopeguard.nest.RequireScopes(withScopeguard.scope)(
      PhotosController.prototype,
      'list',
      descriptor,
    )
  }
  Object.defineProperty(PhotosController.prototype, 'list', descriptor)
  Controller()(PhotosController)
  class AppModule {}
  Module({
    imports: withScopeguard
      ? [
          withScopeguard.nest.ScopeguardModule.forRoot(
            { verifier: withScopeguard.verifier },
            { global: true },
          ),
        ]
      : [],
    providers: noopGuard ? [{ provide: APP_GUARD, useClass: AllowAll }] : [],
    controllers: [PhotosController],
  })(AppModule)
  const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false })
  await app.listen(0, '127.0.0.1')
  const server = /** @type {import('node:http').Server} */ (app.getHttpServer())
  return {
    port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
    close: () => app.close(),
  }
}
