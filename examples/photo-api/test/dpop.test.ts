/**
 * DPoP (RFC 9449) through the example on every framework, over real HTTP: `DPOP=allowed` and
 * `DPOP=required` (with `DPOP_NONCE_SECRET`), tokens bound by the development issuer, proofs made
 * by the example's client (panva's `dpop`), and the `npm run dpop-call` script run as a child
 * process against a started example.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { generateKeyPair, generateProof, type KeyPair } from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../../test/support/redis-server.js'
import { DEMO_CLIENTS, type DemoClient } from '../src/dev-issuer.js'
import { createDpopClient, type DpopClient } from '../src/dpop-client.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import { accessToken, call, startExample, type Harness } from './harness.js'

const NONCE_SECRET = 'photo-api-test-nonce-secret-0123456789'
const script = fileURLToPath(new URL('../dist/dpop-call.js', import.meta.url))
const run = promisify(execFile)

/** A DPoP client with a token from the example's development issuer. */
async function boundClient(
  app: Harness,
  demo: DemoClient = DEMO_CLIENTS.writer,
): Promise<DpopClient> {
  const client = await createDpopClient(app.devIssuerUrl!, demo)
  const token = await client.token()
  expect([token.response.status, token.tokenType]).toEqual([200, 'DPoP'])
  return client
}

/** The DPoP-bound access token itself, for sending it the wrong way. */
async function boundToken(app: Harness): Promise<string> {
  return boundTokenFor(app, await generateKeyPair('ES256'))
}

/** A token from the example's development issuer bound to `keys`. */
async function boundTokenFor(app: Harness, keys: KeyPair): Promise<string> {
  const url = `${app.devIssuerUrl}/token`
  const basic = Buffer.from(`${DEMO_CLIENTS.reader.id}:${DEMO_CLIENTS.reader.secret}`)
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic.toString('base64')}`,
      dpop: await generateProof(keys, url, 'POST'),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

describe.each(E2E_FRAMEWORKS)('DPoP through the example on %s', (framework) => {
  describe('DPOP=allowed', () => {
    let app: Harness
    beforeAll(async () => {
      app = await startExample({ FRAMEWORK: framework, DPOP: 'allowed' })
    })
    afterAll(() => app.stop())

    it('serves a DPoP-bound token with a fresh proof per request (200, then 201)', async () => {
      const client = await boundClient(app)
      const list = await client.request('GET', `${app.url}/photos?limit=5`)
      expect([list.response.status, await list.response.json()]).toEqual([
        200,
        { items: [], nextCursor: null },
      ])
      expect(list.exchanges).toHaveLength(1)
      const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex')
      const upload = await client.request('POST', `${app.url}/photos`, {
        body: new Uint8Array(png),
        contentType: 'image/png',
      })
      expect(upload.response.status).toBe(201)
    })

    it('refuses the DPoP-bound token sent as Bearer: 401 invalid_token', async () => {
      const response = await call(`${app.url}/photos`, await boundToken(app))
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
    })

    it('still serves a plain bearer token, and offers both schemes to a request without one', async () => {
      const bearer = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.reader)
      expect((await call(`${app.url}/photos`, bearer)).status).toBe(200)
      const none = await call(`${app.url}/photos`)
      expect(none.status).toBe(401)
      expect(none.headers.get('www-authenticate')).toMatch(
        /^Bearer .*, DPoP algs="ES256 EdDSA PS256 RS256"$/,
      )
    })

    it('advertises DPoP in the RFC 9728 metadata', async () => {
      const metadata = (await (
        await fetch(`${app.url}/.well-known/oauth-protected-resource`)
      ).json()) as Record<string, unknown>
      expect(metadata.dpop_signing_alg_values_supported).toEqual([
        'ES256',
        'EdDSA',
        'PS256',
        'RS256',
      ])
      expect(metadata.dpop_bound_access_tokens_required).toBeUndefined()
    })
  })

  describe('DPOP=required with DPOP_NONCE_SECRET', () => {
    let app: Harness
    beforeAll(async () => {
      app = await startExample({
        FRAMEWORK: framework,
        DPOP: 'required',
        DPOP_NONCE_SECRET: NONCE_SECRET,
      })
    })
    afterAll(() => app.stop())

    it('asks for a nonce (401 use_dpop_nonce with DPoP-Nonce), then serves the retry: 200', async () => {
      const client = await boundClient(app, DEMO_CLIENTS.reader)
      const { response, exchanges } = await client.request('GET', `${app.url}/photos`)
      expect(exchanges.map((e) => [e.status, e.error])).toEqual([
        [401, 'use_dpop_nonce'],
        [200, undefined],
      ])
      expect(response.status).toBe(200)
      // The nonce is remembered: the next request needs no retry.
      const again = await client.request('GET', `${app.url}/photos`)
      expect(again.exchanges.map((e) => e.status)).toEqual([200])
    })

    it('answers the nonce challenge with exactly one DPoP-Nonce header', async () => {
      const keys = await generateKeyPair('ES256')
      const token = await boundToken(app)
      const response = await fetch(`${app.url}/photos`, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await generateProof(keys, `${app.url}/photos`, 'GET', undefined, token),
        },
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/)
      // RFC 9449 §8.1: one nonce of NQCHARs (two headers would read back joined by ", ").
      expect(response.headers.get('dpop-nonce')).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/)
    })

    it('refuses a bearer token: 401 with a DPoP challenge only', async () => {
      const bearer = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.reader)
      const response = await call(`${app.url}/photos`, bearer)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(
        /^DPoP algs="ES256 EdDSA PS256 RS256"/,
      )
    })

    it('says DPoP-bound tokens are required in the RFC 9728 metadata', async () => {
      const metadata = (await (
        await fetch(`${app.url}/.well-known/oauth-protected-resource`)
      ).json()) as Record<string, unknown>
      expect(metadata.dpop_bound_access_tokens_required).toBe(true)
    })

    it('npm run dpop-call (a child process) gets a bound token and lists the photos after the nonce retry', async () => {
      if (!existsSync(script)) throw new Error(`${script} is missing: run "npx tsc -b"`)
      const { stdout } = await run(process.execPath, [
        script,
        '--issuer',
        app.devIssuerUrl!,
        '--api',
        app.url,
        '--client',
        'reader',
        'GET',
        '/photos?limit=3',
      ])
      const lines = stdout.trimEnd().split('\n')
      expect(lines[0]).toMatch(/^new ES256 key, thumbprint \(jkt\) [\w-]{43}$/)
      expect(lines.slice(1)).toEqual([
        `POST ${app.devIssuerUrl}/token: 200 (token request with a DPoP proof)`,
        'token_type DPoP: the token is bound to this key (cnf.jkt)',
        `GET ${app.url}/photos?limit=3: 401 use_dpop_nonce (fresh DPoP proof)`,
        `GET ${app.url}/photos?limit=3: 200 (fresh DPoP proof, retried with the server’s DPoP-Nonce)`,
        '{"items":[],"nextCursor":null}',
      ])
    })
  })
})

describe('DPOP=off', () => {
  let app: Harness
  beforeAll(async () => {
    app = await startExample()
  })
  afterAll(() => app.stop())

  it('refuses a DPoP-bound token, as Bearer and as DPoP: 401 invalid_token', async () => {
    expect((await call(`${app.url}/photos`, await boundToken(app))).status).toBe(401)
    const client = await boundClient(app)
    const { response } = await client.request('GET', `${app.url}/photos`)
    expect(response.status).toBe(401)
  })
})

describe('npm run dpop-call on a bad command line', () => {
  it('exits 2 with the usage line', async () => {
    if (!existsSync(script)) throw new Error(`${script} is missing: run "npx tsc -b"`)
    const failed = await run(process.execPath, [script, 'GET']).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failed?.code).toBe(2)
    expect(failed?.stderr).toContain('dpop-call: give METHOD and URL\nusage: npm run dpop-call')
  })
})

describe('DPoP with REDIS_URL: one replay store for a fleet', () => {
  let redis: RedisServer
  let first: Harness
  let second: Harness
  beforeAll(async () => {
    redis = await startRedisServer()
    // Behind one load balancer: both instances answer for the same public origin.
    const shared = { DPOP: 'allowed', REDIS_URL: redis.url, PUBLIC_ORIGIN: 'http://photos.test' }
    first = await startExample({ ...shared, FRAMEWORK: 'express' })
    second = await startExample({
      ...shared,
      FRAMEWORK: 'fastify',
      ISSUER: first.devIssuerUrl!,
      CLIENT_ID: `${DEMO_CLIENTS.writer.id},${DEMO_CLIENTS.reader.id}`,
    })
  }, 30_000)
  afterAll(async () => {
    await second?.stop()
    await first?.stop()
    await redis?.stop()
  })

  it('refuses on one instance a proof already used on another: 401 invalid_dpop_proof', async () => {
    const keys = await generateKeyPair('ES256')
    const token = await boundTokenFor(first, keys)
    const proof = await generateProof(keys, 'http://photos.test/photos', 'GET', undefined, token)
    const send = (app: Harness) =>
      fetch(`http://127.0.0.1:${app.port}/photos`, {
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      })
    expect((await send(first)).status).toBe(200)
    const replayed = await send(second)
    expect(replayed.status).toBe(401)
    expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/)
    const fresh = await generateProof(keys, 'http://photos.test/photos', 'GET', undefined, token)
    const again = await fetch(`http://127.0.0.1:${second.port}/photos`, {
      headers: { authorization: `DPoP ${token}`, dpop: fresh },
    })
    expect(again.status).toBe(200)
  })
})
