/**
 * An issuer that moves its key set: its discovery document's `jwks_uri` changes from one URL to
 * another while the API runs. On the core and every adapter driver (real servers on port 0, real
 * HTTP), with a loopback issuer found through OpenID Connect discovery:
 * - a token signed with a key published only at the new URL verifies without a restart (the
 *   unknown `kid` refetch re-reads the discovery document, within the cooldown);
 * - the expiry of the key set re-reads the discovery document too;
 * - the old URL is not asked again, however many unknown kids arrive;
 * - when the discovery document cannot be read, the last good URL and keys keep serving.
 */
import type { JWK } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createVerifier, type VerifierOptions } from '@scopeguard/core'
import { listenLoopback } from '../support/loopback.js'
import { READ } from './attacks.js'
import { craft, craftKey, type CraftKey } from './craft.js'
import { targets, type Running } from './targets.js'

const API = 'https://api.example'

/** A loopback issuer at `<origin>/tenant` publishing key sets at `/keys/v1` and `/keys/v2`. */
interface MovingIssuer {
  issuer: string
  /** Which key-set path the discovery document names. */
  current: 'v1' | 'v2'
  /** The discovery document answers 500 instead. */
  discoveryDown: boolean
  /** `Cache-Control: max-age` of key-set answers, in seconds. */
  maxAge: number
  hits: { discovery: number; v1: number; v2: number }
  close(): Promise<void>
}

async function startMovingIssuer(sets: { v1: JWK[]; v2: JWK[] }): Promise<MovingIssuer> {
  const state: Omit<MovingIssuer, 'close'> = {
    issuer: '',
    current: 'v1',
    discoveryDown: false,
    maxAge: 300,
    hits: { discovery: 0, v1: 0, v2: 0 },
  }
  const server = await listenLoopback((req, res) => {
    const json = (body: unknown, headers: Record<string, string> = {}) =>
      res
        .writeHead(200, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body))
    if (req.url === '/tenant/.well-known/openid-configuration') {
      state.hits.discovery++
      if (state.discoveryDown) return res.writeHead(500).end()
      const origin = state.issuer.slice(0, -'/tenant'.length)
      return json({ issuer: state.issuer, jwks_uri: `${origin}/keys/${state.current}` })
    }
    const version = req.url === '/keys/v1' ? 'v1' : req.url === '/keys/v2' ? 'v2' : undefined
    if (version === undefined) return res.writeHead(404).end()
    state.hits[version]++
    return json({ keys: sets[version] }, { 'cache-control': `max-age=${state.maxAge}` })
  })
  state.issuer = `${server.url}/tenant`
  return Object.assign(state, { close: server.close })
}

let oldKey: CraftKey
let newKey: CraftKey
let stranger: CraftKey

beforeAll(() => {
  oldKey = craftKey('rsa', 'key-2026-01', { alg: 'RS256', use: 'sig' })
  newKey = craftKey('rsa', 'key-2026-07', { alg: 'RS256', use: 'sig' })
  stranger = craftKey('rsa', 'unpublished', { alg: 'RS256' })
})

function token(issuer: string, key: CraftKey, kid = key.kid): string {
  const now = Math.floor(Date.now() / 1000)
  const claims = { iss: issuer, sub: 'user-1', aud: API, scope: READ, iat: now, exp: now + 600 }
  return craft({ alg: 'RS256', kid }, claims, { alg: 'RS256', key })
}

describe.each(targets)('a moved jwks_uri on $name', (target) => {
  let issuer: MovingIssuer | undefined
  let running: Running | undefined

  afterEach(async () => {
    await running?.close()
    await issuer?.close()
    running = undefined
    issuer = undefined
  })

  async function start(jwksCache: VerifierOptions['jwksCache'] = {}) {
    // The new URL publishes only the new key: the old one was retired with the old URL.
    issuer = await startMovingIssuer({ v1: [oldKey.jwk], v2: [newKey.jwk] })
    running = await target.start(
      createVerifier({ issuer: issuer.issuer, audience: API, jwksCache }),
    )
    const status = async (value: string) =>
      (await running!.answer({ authorization: `Bearer ${value}` })).status
    return { issuer, status }
  }

  it('verifies a token signed with a key only at the new URL, without a restart', async () => {
    const { issuer, status } = await start({ cooldown: 600 })
    expect(await status(token(issuer.issuer, oldKey))).toBe(200)
    expect(issuer.hits).toEqual({ discovery: 1, v1: 1, v2: 0 })

    issuer.current = 'v2'
    expect(await status(token(issuer.issuer, newKey))).toBe(200)
    expect(issuer.hits).toEqual({ discovery: 2, v1: 1, v2: 1 })

    // A flood of unknown kids inside the cooldown: no discovery, and the old URL is never asked.
    for (let i = 0; i < 30; i++) {
      expect(await status(token(issuer.issuer, stranger, `random-${i}`))).toBe(401)
      expect(await status(token(issuer.issuer, newKey))).toBe(200)
    }
    expect(issuer.hits).toEqual({ discovery: 2, v1: 1, v2: 1 })
    // The retired key is refused: it is not in the set at the new URL.
    expect(await status(token(issuer.issuer, oldKey))).toBe(401)
  })

  it('follows the move when the key set expires', async () => {
    // max-age=0 and minMaxAge 0: the keys expire at once and refresh in the background.
    const { issuer, status } = await start({ cooldown: 600, minMaxAge: 0 })
    issuer.maxAge = 0
    expect(await status(token(issuer.issuer, oldKey))).toBe(200)
    issuer.current = 'v2'
    // Served from the expired set while the refresh re-reads discovery and fetches the new URL.
    expect(await status(token(issuer.issuer, oldKey))).toBe(200)
    await vi.waitFor(() => expect(issuer.hits.v2).toBeGreaterThan(0))
    expect(issuer.hits.v1).toBe(1)
    expect(issuer.hits.discovery).toBeGreaterThanOrEqual(2)
    expect(await status(token(issuer.issuer, newKey))).toBe(200)
  })

  it('keeps the last good URL and keys when discovery cannot be read', async () => {
    const { issuer, status } = await start({ cooldown: 0, minMaxAge: 0, retryDelay: 0 })
    issuer.maxAge = 0
    expect(await status(token(issuer.issuer, oldKey))).toBe(200)
    issuer.discoveryDown = true
    // Unknown kids force refetches: each re-reads discovery, fails, and refetches the old URL.
    expect(await status(token(issuer.issuer, stranger))).toBe(401)
    await vi.waitFor(() => expect(issuer.hits.v1).toBeGreaterThan(1))
    for (let i = 0; i < 3; i++) expect(await status(token(issuer.issuer, oldKey))).toBe(200)
    expect(issuer.hits.discovery).toBeGreaterThan(1)
    expect(issuer.hits.v2).toBe(0)
  })
})
