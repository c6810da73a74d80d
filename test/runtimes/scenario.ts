/**
 * The end-to-end checks every real runtime must pass, over real HTTP against the runtime's own
 * server: a good token, a forged one, a missing scope, two Authorization headers, and a key
 * server that is down. The key servers are loopback servers on this machine.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { send } from '../support/http-client.js'
import { startIssuer, type IssuerServer } from '../support/issuer-server.js'
import { testKeys } from '../support/keys.js'
import { cognitoAccess, sign } from '../support/tokens.js'
import { expectOutcome, suites } from '../security/wycheproof-vectors.js'
import { dpopKey, proof } from '../support/dpop.js'
import { DPOP_ORIGIN, type RuntimeAppConfig } from './app.js'

export const CLIENT_ID = 'runtime-client'

/** A running runtime under test. */
export interface RunningRuntime {
  url: string
  close(): Promise<void>
}

/**
 * Registers the checks; `start` builds and starts the runtime with the given config.
 *
 * @example
 * ```ts
 * describe('Bun', () => runtimeScenario({ runtime: /^Bun\//, backend: 'node' }, startBun))
 * ```
 */
export function runtimeScenario(
  expected: { runtime: RegExp; backend: 'node' | 'webcrypto' },
  start: (config: RuntimeAppConfig) => Promise<RunningRuntime>,
): void {
  let issuer: IssuerServer
  let offlineIssuer: string
  let running: RunningRuntime | undefined
  const token = async (scope: string, iss = issuer.issuer) => {
    const { rsa } = await testKeys()
    return sign(rsa, cognitoAccess(iss, CLIENT_ID, scope))
  }

  beforeAll(async () => {
    const { rsa, ec } = await testKeys()
    issuer = await startIssuer([rsa.jwk, ec.jwk], 'us-east-1_Runtime')
    const offline = await startIssuer([rsa.jwk], 'us-east-1_Offline')
    await offline.close() // nothing listens there any more: the key server is down
    offlineIssuer = offline.issuer
    running = await start({ ISSUER: issuer.issuer, OFFLINE_ISSUER: offline.issuer, CLIENT_ID })
  }, 60_000)
  afterAll(async () => {
    await running?.close()
    await issuer?.close()
  })

  it('runs in the real runtime with the expected signature backend', async () => {
    const health = await send(`${running!.url}/health`)
    expect(health.status).toBe(200)
    const { runtime, backend } = health.json as { runtime: string; backend: string }
    expect(runtime).toMatch(expected.runtime)
    expect(backend).toBe(expected.backend)
  })

  it('serves a good token with the scope, keys fetched from the loopback key server', async () => {
    const hits = issuer.hits
    const response = await send(`${running!.url}/photos`, {
      headers: { authorization: `Bearer ${await token('photos.read')}` },
    })
    expect([response.status, response.json]).toEqual([
      200,
      { sub: CLIENT_ID, scopes: ['photos.read'] },
    ])
    expect(issuer.hits).toBeGreaterThan(hits)
    const write = await send(`${running!.url}/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('photos.read photos.write')}` },
    })
    expect(write.status).toBe(201)
  })

  it('refuses a forged token (another key under a published kid) with 401 bad signature', async () => {
    const { rogue } = await testKeys()
    const forged = await sign(rogue, cognitoAccess(issuer.issuer, CLIENT_ID, 'photos.read'), {
      kid: 'rsa-1',
    })
    const response = await send(`${running!.url}/photos`, {
      headers: { authorization: `Bearer ${forged}` },
    })
    expect(response.status).toBe(401)
    expect(response.challenge).toBe(
      'Bearer error="invalid_token", error_description="The access token signature is invalid"',
    )
    expect(response.body).not.toContain(forged.split('.')[2])
  })

  it('refuses a token without the scope with 403 naming it', async () => {
    const response = await send(`${running!.url}/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('photos.read')}` },
    })
    expect(response.status).toBe(403)
    expect(response.challenge).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.write"',
    )
  })

  it('answers a request without a token with the bare challenge', async () => {
    const response = await send(`${running!.url}/photos`)
    expect([response.status, response.challenge]).toEqual([401, 'Bearer'])
  })

  it('refuses two Authorization headers with 400 (the runtime joins them into one)', async () => {
    const good = `Bearer ${await token('photos.read')}`
    const response = await send(`${running!.url}/photos`, {
      headers: { authorization: [good, good] },
    })
    expect(response.status).toBe(400)
    expect(response.challenge).toBe(
      'Bearer error="invalid_request", error_description="The request carries more than one access token"',
    )
  })

  it('serves a DPoP-bound token with its proof after a nonce round trip, and refuses the replay', async () => {
    const { rsa } = await testKeys()
    const key = await dpopKey('ES256')
    const bound = await sign(rsa, {
      ...cognitoAccess(issuer.issuer, CLIENT_ID, 'photos.read'),
      cnf: { jkt: key.jkt },
    })
    const url = `${running!.url}/dpop/photos`
    const htu = `${DPOP_ORIGIN}/dpop/photos`
    const call = (dpop: string) => send(url, { headers: { authorization: `DPoP ${bound}`, dpop } })
    const first = await call(await proof(key, { htm: 'GET', htu, token: bound }))
    expect(first.status).toBe(401)
    expect(first.challenge).toBe(
      'DPoP error="use_dpop_nonce", error_description="A fresh DPoP nonce is required", algs="ES256 EdDSA PS256 RS256"',
    )
    const nonce = first.headers['dpop-nonce']
    expect(typeof nonce).toBe('string')
    const withNonce = await proof(key, { htm: 'GET', htu, token: bound, nonce })
    const served = await call(withNonce)
    expect([served.status, served.json]).toEqual([
      200,
      { sub: CLIENT_ID, scopes: ['photos.read'], scheme: 'dpop', jkt: key.jkt },
    ])
    const replay = await call(withNonce)
    expect([replay.status, replay.challenge]).toEqual([
      401,
      'DPoP error="invalid_dpop_proof", error_description="The DPoP proof was already used", algs="ES256 EdDSA PS256 RS256"',
    ])
    const asBearer = await send(url, { headers: { authorization: `Bearer ${bound}` } })
    expect(asBearer.status).toBe(401)
  })

  it.each(suites)(
    'passes the Wycheproof %s vectors on the Web Crypto backend inside the runtime',
    async (_kind, groups) => {
      const response = await send(`${running!.url}/wycheproof`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ groups }),
      })
      expect(response.status).toBe(200)
      const { outcomes } = response.json as { outcomes: string[][] }
      expect(outcomes.map((row) => row.length)).toEqual(groups.map((g) => g.tests.length))
      groups.forEach((group, g) => {
        group.tests.forEach((vector, v) => expectOutcome(group, vector, outcomes[g]![v]!))
      })
    },
  )

  it('answers 503 with Retry-After, no challenge, when the key server is down', async () => {
    const response = await send(`${running!.url}/offline/photos`, {
      headers: { authorization: `Bearer ${await token('photos.read', offlineIssuer)}` },
    })
    expect(response.status).toBe(503)
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/)
    expect(response.challenge).toBeNull()
  })
}
