/**
 * One instance of a DPoP-protected API for the fleet test: `GET /photos` behind scopeguard with
 * DPoP on, on the framework named by FRAMEWORK (express | koa | fastify), its replay store on the
 * redis-server at REDIS_URL (or, without it, the in-memory default). Prints `{"port":N}` once
 * listening (what test/runtimes/process.ts waits for).
 */
import { createServer } from 'node:http'
import { createClient } from 'redis'
import { createRedisReplayStore } from '@scopeguard/redis'

const framework = process.env.FRAMEWORK
const redisUrl = process.env.REDIS_URL
const client = redisUrl === undefined ? undefined : createClient({ url: redisUrl })
client?.on('error', () => undefined)
await client?.connect()
const options = {
  issuer: process.env.ISSUER,
  audience: 'api',
  jwks: JSON.parse(process.env.JWKS),
  jwksUri: null,
  dpop: {
    publicOrigin: process.env.PUBLIC_ORIGIN,
    replayStore: client === undefined ? undefined : createRedisReplayStore({ client }),
  },
}
const body = JSON.stringify({ items: [] })

async function start() {
  if (framework === 'express') {
    const { default: express } = await import('express')
    const { authenticate, createVerifier } = await import('@scopeguard/express')
    const app = express()
    app.get('/photos', authenticate(createVerifier(options)), (_req, res) =>
      res.type('json').send(body),
    )
    app.use((error, _req, res, _next) =>
      res
        .status(error.status ?? 500)
        .set(error.headers ?? {})
        .end(),
    )
    return listen(createServer(app))
  }
  if (framework === 'koa') {
    const { default: Koa } = await import('koa')
    const { authenticate, createVerifier } = await import('@scopeguard/koa')
    const app = new Koa()
    app.silent = true
    app.use(authenticate(createVerifier(options)))
    app.use((ctx) => {
      ctx.type = 'json'
      ctx.body = body
    })
    return listen(createServer(app.callback()))
  }
  const { default: Fastify } = await import('fastify')
  const { scopeguard, createVerifier } = await import('@scopeguard/fastify')
  const app = Fastify()
  await app.register(scopeguard, { verifier: createVerifier(options) })
  app.get('/photos', { onRequest: [app.authenticate] }, () => Promise.resolve({ items: [] }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server.address().port
}

function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server.address().port))
  })
}

console.log(JSON.stringify({ port: await start() }))
process.on('SIGTERM', () => process.exit(0))
