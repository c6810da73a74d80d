/**
 * A fleet of three API processes (Express, Koa, Fastify) behind one public origin, their DPoP
 * replay store on one real redis-server: a proof accepted by one instance is refused by every
 * other, and of three simultaneous requests with one proof exactly one is served. The control:
 * the same three processes with their own in-memory stores each accept the proof once, which is
 * the cross-node replay a shared store closes.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dpopKey, proof, type DpopKey } from '../support/dpop.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { startServer, type ServerProcess } from '../runtimes/process.js'
import { mint, nowSec, signingKey, type SigningKey } from '../support/tokens.js'

const ISSUER = 'https://issuer.fleet.example'
const ORIGIN = 'https://api.fleet.example'
const FRAMEWORKS = ['express', 'koa', 'fastify'] as const
const instance = fileURLToPath(new URL('./dpop-instance.mjs', import.meta.url))
const servers: ServerProcess[] = []
let redis: RedisServer
let issuerKey: SigningKey
let client: DpopKey

beforeAll(async () => {
  redis = await startRedisServer()
  issuerKey = await signingKey('ES256', 'fleet-1')
  client = await dpopKey('ES256')
}, 30_000)

afterAll(async () => {
  for (const server of servers.splice(0)) await server.stop()
  await redis?.stop()
})

/** Starts one instance; resolves its `/photos` URL once it listens. */
async function start(framework: string, shared: boolean): Promise<string> {
  const server = await startServer(process.execPath, [instance], 30_000, {
    FRAMEWORK: framework,
    ISSUER,
    PUBLIC_ORIGIN: ORIGIN,
    JWKS: JSON.stringify({ keys: [issuerKey.jwk] }),
    ...(shared ? { REDIS_URL: redis.url } : {}),
  })
  servers.push(server)
  return `${server.url}/photos`
}

const boundToken = () =>
  mint(issuerKey, {
    iss: ISSUER,
    aud: 'api',
    sub: 'alice',
    iat: nowSec(),
    exp: nowSec() + 600,
    cnf: { jkt: client.jkt },
  })

async function call(url: string, token: string, dpop: string) {
  const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop } })
  await response.arrayBuffer()
  return { status: response.status, challenge: response.headers.get('www-authenticate') }
}

describe('a fleet sharing its DPoP replay store on Redis', () => {
  let urls: string[]
  beforeAll(async () => {
    urls = await Promise.all(FRAMEWORKS.map((framework) => start(framework, true)))
  }, 60_000)

  it('refuses on every other instance a proof one instance accepted', async () => {
    const token = await boundToken()
    for (const [first, ...others] of [urls, [...urls].reverse()]) {
      const p = await proof(client, { htm: 'GET', htu: `${ORIGIN}/photos`, token })
      expect((await call(first!, token, p)).status).toBe(200)
      for (const url of others) {
        const answer = await call(url, token, p)
        expect(answer.status).toBe(401)
        expect(answer.challenge).toBe(
          'DPoP error="invalid_dpop_proof", error_description="The DPoP proof was already used", algs="ES256 EdDSA PS256 RS256"',
        )
      }
    }
  })

  it('serves exactly one of three simultaneous requests with one proof, every time', async () => {
    const token = await boundToken()
    for (let round = 0; round < 15; round++) {
      const p = await proof(client, { htm: 'GET', htu: `${ORIGIN}/photos`, token })
      const answers = await Promise.all(urls.map((url) => call(url, token, p)))
      expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401])
    }
  })
})

describe('a fleet whose Redis stops answering', () => {
  it('answers 503 with Retry-After while Redis is paused (never serves an unchecked proof), and serves again once it resumes', async () => {
    const urls = await Promise.all(FRAMEWORKS.map((framework) => start(framework, true)))
    const token = await boundToken()
    redis.pause()
    try {
      for (const url of urls) {
        const p = await proof(client, { htm: 'GET', htu: `${ORIGIN}/photos`, token })
        const started = Date.now()
        const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: p } })
        await response.arrayBuffer()
        expect(response.status).toBe(503)
        expect(response.headers.get('retry-after')).toBe('1')
        // The store's command timeout (250 ms) bounds the wait; allow for a loaded machine.
        expect(Date.now() - started).toBeLessThan(5000)
      }
    } finally {
      redis.resume()
    }
    for (const url of urls) {
      const p = await proof(client, { htm: 'GET', htu: `${ORIGIN}/photos`, token })
      expect((await call(url, token, p)).status).toBe(200)
    }
  }, 60_000)
})

describe('the same fleet with in-memory replay stores (the control)', () => {
  it('accepts one proof once on each instance: the cross-node replay a shared store closes', async () => {
    const urls = await Promise.all(FRAMEWORKS.map((framework) => start(framework, false)))
    const token = await boundToken()
    const p = await proof(client, { htm: 'GET', htu: `${ORIGIN}/photos`, token })
    const answers = await Promise.all(urls.map((url) => call(url, token, p)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    for (const url of urls) expect((await call(url, token, p)).status).toBe(401)
  }, 60_000)
})
