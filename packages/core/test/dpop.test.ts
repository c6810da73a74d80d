import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createMemoryReplayStore,
  createVerifier,
  OAuthError,
  type OAuthErrorReason,
  ConfigurationError,
  type AuthRequest,
  type ReplayStore,
  type ScopeguardEvent,
  type VerifierOptions,
} from '../src/index.js'
import { refusal, type Refused } from '../../../test/support/outcome.js'
import { athOf, dpopKey, proof, type DpopKey } from '../../../test/support/dpop.js'
import { mint, nowSec, signingKey, signRaw, type SigningKey } from '../../../test/support/tokens.js'
import { exportJWK, generateKeyPair } from 'jose'

const ISS = 'https://issuer.example'
const API = 'https://api.example'
const URL_PHOTOS = `${API}/photos`
const ALGS = 'ES256 EdDSA PS256 RS256'
let issuerKey: SigningKey
let client: DpopKey
let other: DpopKey

beforeAll(async () => {
  issuerKey = await signingKey('ES256', 'k1')
  client = await dpopKey('ES256')
  other = await dpopKey('EdDSA')
})
afterEach(() => {
  vi.useRealTimers()
})

const make = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({
    issuer: ISS,
    jwks: { keys: [issuerKey.jwk] },
    jwksUri: null,
    audience: 'api',
    dpop: { publicOrigin: API },
    ...options,
  })

const token = (claims: Record<string, unknown> = {}) =>
  mint(issuerKey, {
    iss: ISS,
    aud: 'api',
    exp: nowSec() + 600,
    iat: nowSec() - 10,
    sub: 'alice',
    scope: 'photos.read',
    cnf: { jkt: client.jkt },
    ...claims,
  })

function request(
  headers: Record<string, string | string[]>,
  method = 'GET',
  url = '/photos?limit=2',
): AuthRequest {
  return { method, url, headers }
}

const dpopRequest = (
  accessToken: string,
  dpopProof: string | string[],
  method = 'GET',
  url = '/photos?limit=2',
) => request({ authorization: `DPoP ${accessToken}`, dpop: dpopProof }, method, url)

/** Expects a DPoP-scheme refusal with `reason`, and checks the whole challenge. */
async function refusedProof(promise: Promise<unknown>, reason: string): Promise<Refused> {
  const error = await refusal(promise)
  expect(error.reason).toBe(reason)
  expect(error.status).toBe(401)
  expect(error.code).toBe('invalid_dpop_proof')
  expect(error.headers['WWW-Authenticate']).toBe(
    `DPoP error="invalid_dpop_proof", error_description="${OAuthError.describe(error.reason as OAuthErrorReason)}", algs="${ALGS}"`,
  )
  return error
}

describe('DPoP: a valid proof (RFC 9449)', () => {
  it('accepts a DPoP-bound token with its proof and reports the scheme and binding', async () => {
    const verifier = make()
    const access = await token()
    const auth = await verifier.authenticate(
      dpopRequest(access, await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })),
    )
    expect(auth.scheme).toBe('dpop')
    expect(auth.binding).toEqual({ jkt: client.jkt })
    expect(auth.subject).toBe('alice')
    expect(auth.responseHeaders).toBeUndefined()
    expect(Object.isFrozen(auth)).toBe(true)
  })

  it('serves the token from the token cache but checks a new proof on every request', async () => {
    const verifier = make()
    const access = await token()
    for (let i = 0; i < 3; i++) {
      const auth = await verifier.authenticate(
        dpopRequest(access, await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })),
      )
      expect(auth.binding?.jkt).toBe(client.jkt)
    }
    expect(verifier.stats().tokenCacheSize).toBe(1)
    await refusedProof(
      verifier.authenticate(
        dpopRequest(
          access,
          await proof(client, { htm: 'GET', htu: `${API}/other`, token: access }),
        ),
      ),
      'dpop_bad_uri',
    )
  })

  it.each(['ES256', 'EdDSA', 'RS256'] as const)('accepts proofs signed with %s', async (alg) => {
    const key = await dpopKey(alg)
    const verifier = make()
    const access = await token({ cnf: { jkt: key.jkt } })
    const auth = await verifier.authenticate(
      dpopRequest(access, await proof(key, { htm: 'GET', htu: URL_PHOTOS, token: access })),
    )
    expect(auth.binding?.jkt).toBe(key.jkt)
  })

  it.each([
    ['scheme and host case, default port', 'HTTPS://API.EXAMPLE:443/photos'],
    ['a query and a fragment (ignored)', `${URL_PHOTOS}?limit=5#top`],
    ['dot segments', `${API}/a/../photos`],
    ['percent-encoded unreserved characters', `${API}/%70hotos`],
  ])('normalises htu before comparing: %s', async (_, htu) => {
    const verifier = make()
    const access = await token()
    await expect(
      verifier.authenticate(
        dpopRequest(access, await proof(client, { htm: 'GET', htu, token: access })),
      ),
    ).resolves.toMatchObject({ scheme: 'dpop' })
  })

  it('matches an empty path to "/" and percent-encoding case-insensitively', async () => {
    const verifier = make()
    const access = await token()
    const root = await proof(client, { htm: 'GET', htu: API, token: access })
    await expect(
      verifier.authenticate(dpopRequest(access, root, 'GET', '/')),
    ).resolves.toBeDefined()
    const encoded = await proof(client, { htm: 'GET', htu: `${API}/a%2fb`, token: access })
    await expect(
      verifier.authenticate(dpopRequest(access, encoded, 'GET', '/a%2Fb')),
    ).resolves.toBeDefined()
  })
})

describe('DPoP: each check of RFC 9449 §4.3 refuses with its own reason', () => {
  const base = async () => {
    const access = await token()
    return { access, verifier: make() }
  }

  it('1. no DPoP header with the DPoP scheme: dpop_missing', async () => {
    const { access, verifier } = await base()
    await refusedProof(
      verifier.authenticate(request({ authorization: `DPoP ${access}` })),
      'dpop_missing',
    )
  })

  it('1. two DPoP headers: dpop_duplicate', async () => {
    const { access, verifier } = await base()
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    await refusedProof(verifier.authenticate(dpopRequest(access, [p, p])), 'dpop_duplicate')
  })

  it.each([
    ['not a JWT', 'not-a-jwt'],
    ['five segments (JWE)', 'a.b.c.d.e'],
    ['padding', 'eyJhbGciOiJFUzI1NiJ9=.e30.AAAA'],
    ['over 4096 characters', `${'a'.repeat(4097)}`],
  ])('2. a proof that is not a well-formed JWS (%s): dpop_malformed', async (_, bad) => {
    const { access, verifier } = await base()
    await refusedProof(verifier.authenticate(dpopRequest(access, bad)), 'dpop_malformed')
  })

  it.each(['jti', 'htm', 'htu', 'iat'])('3. a proof without %s: dpop_malformed', async (claim) => {
    const { access, verifier } = await base()
    const p = await proof(client, {
      htm: 'GET',
      htu: URL_PHOTOS,
      token: access,
      [claim]: undefined,
    })
    await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_malformed')
  })

  it('3. a proof without ath (it comes with an access token): dpop_malformed', async () => {
    const { access, verifier } = await base()
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS })
    await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_malformed')
  })

  it('3. a proof without jwk, or with a jti over 256 characters: dpop_malformed', async () => {
    const { access, verifier } = await base()
    const noKey = await proof(
      client,
      { htm: 'GET', htu: URL_PHOTOS, token: access },
      { jwk: undefined },
    )
    await refusedProof(verifier.authenticate(dpopRequest(access, noKey)), 'dpop_malformed')
    const longJti = await proof(client, {
      htm: 'GET',
      htu: URL_PHOTOS,
      token: access,
      jti: 'j'.repeat(257),
    })
    await refusedProof(verifier.authenticate(dpopRequest(access, longJti)), 'dpop_malformed')
  })

  it('4. typ other than dpop+jwt: dpop_bad_typ', async () => {
    const { access, verifier } = await base()
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access }, { typ: 'JWT' })
    await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_bad_typ')
  })

  it('5. alg none, HS256, or an asymmetric alg off the DPoP allowlist: dpop_unsupported_alg', async () => {
    const { access, verifier } = await base()
    for (const alg of ['none', 'HS256']) {
      const header = JSON.stringify({ typ: 'dpop+jwt', alg, jwk: client.jwk })
      const body = JSON.stringify({
        jti: 'x',
        htm: 'GET',
        htu: URL_PHOTOS,
        iat: nowSec(),
        ath: await athOf(access),
      })
      const p = `${Buffer.from(header).toString('base64url')}.${Buffer.from(body).toString('base64url')}.c2ln`
      await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_unsupported_alg')
    }
    const onlyEd = make({ dpop: { publicOrigin: API, algorithms: ['EdDSA'] } })
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    const error = await refusal(onlyEd.authenticate(dpopRequest(access, p)))
    expect(error.reason).toBe('dpop_unsupported_alg')
    expect(error.headers['WWW-Authenticate']).toContain('algs="EdDSA"')
  })

  it('6. a signature by another key than the jwk: dpop_bad_signature', async () => {
    const { access, verifier } = await base()
    const forged = await proof(
      { ...other, alg: 'ES256', privateKey: (await dpopKey('ES256')).privateKey },
      {
        htm: 'GET',
        htu: URL_PHOTOS,
        token: access,
      },
      { jwk: client.jwk },
    )
    await refusedProof(verifier.authenticate(dpopRequest(access, forged)), 'dpop_bad_signature')
  })

  it('7. private members in jwk: dpop_private_key; a symmetric, small RSA or misfit key: dpop_bad_key', async () => {
    const { access, verifier } = await base()
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = await exportJWK(privateKey)
    const withPrivate = await proof(
      client,
      { htm: 'GET', htu: URL_PHOTOS, token: access },
      {
        jwk: { ...client.jwk, d: privateJwk.d },
      },
    )
    await refusedProof(verifier.authenticate(dpopRequest(access, withPrivate)), 'dpop_private_key')
    const symmetric = await proof(
      client,
      { htm: 'GET', htu: URL_PHOTOS, token: access },
      {
        jwk: { kty: 'oct', k: 'c2VjcmV0' },
      },
    )
    await refusedProof(verifier.authenticate(dpopRequest(access, symmetric)), 'dpop_bad_key')
    const small = await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )
    const smallKey = {
      alg: 'RS256' as const,
      kid: '',
      privateKey: small.privateKey,
      jwk: await exportJWK(small.publicKey),
      jkt: '',
    }
    const weak = await proof(smallKey, { htm: 'GET', htu: URL_PHOTOS, token: access })
    await refusedProof(verifier.authenticate(dpopRequest(access, weak)), 'dpop_bad_key')
    const misfit = await proof(
      client,
      { htm: 'GET', htu: URL_PHOTOS, token: access },
      { jwk: other.jwk },
    )
    await refusedProof(verifier.authenticate(dpopRequest(access, misfit)), 'dpop_bad_key')
  })

  it('8. htm of another method, or of another case: dpop_bad_method', async () => {
    const { access, verifier } = await base()
    for (const htm of ['POST', 'get']) {
      const p = await proof(client, { htm, htu: URL_PHOTOS, token: access })
      await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_bad_method')
    }
  })

  it.each([
    ['another path', `${API}/photos/1`],
    ['another host', 'https://evil.example/photos'],
    ['another scheme', 'http://api.example/photos'],
    ['another port', 'https://api.example:8443/photos'],
    ['not a URI', 'photos'],
    ['user info', 'https://user@api.example/photos'],
  ])('9. htu for %s: dpop_bad_uri', async (_, htu) => {
    const { access, verifier } = await base()
    const p = await proof(client, { htm: 'GET', htu, token: access })
    await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_bad_uri')
  })

  it('9. the Host header never sets the public origin', async () => {
    const { access, verifier } = await base()
    const p = await proof(client, { htm: 'GET', htu: 'https://evil.example/photos', token: access })
    const req = dpopRequest(access, p)
    ;(req.headers as Record<string, string>).host = 'evil.example'
    ;(req.headers as Record<string, string>)['x-forwarded-host'] = 'evil.example'
    await refusedProof(verifier.authenticate(req), 'dpop_bad_uri')
  })

  it('11. iat older than 60 s plus tolerance, or ahead of the clock: dpop_too_old, dpop_future', async () => {
    const { access, verifier } = await base()
    const old = await proof(client, {
      htm: 'GET',
      htu: URL_PHOTOS,
      token: access,
      iat: nowSec() - 66,
    })
    await refusedProof(verifier.authenticate(dpopRequest(access, old)), 'dpop_too_old')
    const future = await proof(client, {
      htm: 'GET',
      htu: URL_PHOTOS,
      token: access,
      iat: nowSec() + 30,
    })
    await refusedProof(verifier.authenticate(dpopRequest(access, future)), 'dpop_future')
    const edge = await proof(client, {
      htm: 'GET',
      htu: URL_PHOTOS,
      token: access,
      iat: nowSec() - 60,
    })
    await expect(verifier.authenticate(dpopRequest(access, edge))).resolves.toBeDefined()
  })

  it('11. an exp in the past is enforced: dpop_expired', async () => {
    const { access, verifier } = await base()
    const p = await proof(client, {
      htm: 'GET',
      htu: URL_PHOTOS,
      token: access,
      exp: nowSec() - 10,
    })
    await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_expired')
  })

  it('12. ath of another token: dpop_bad_ath', async () => {
    const { access, verifier } = await base()
    const p = await proof(client, {
      htm: 'GET',
      htu: URL_PHOTOS,
      token: await token({ sub: 'bob' }),
    })
    await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_bad_ath')
  })

  it('12. remembered token hashes never let a proof pass with another token', async () => {
    const { access, verifier } = await base()
    // The first request leaves access's hash remembered; bob's proofs must still fail with it.
    const first = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    await expect(verifier.authenticate(dpopRequest(access, first))).resolves.toBeDefined()
    const bob = await token({ sub: 'bob', cnf: { jkt: client.jkt } })
    const forBob = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: bob })
    await refusedProof(verifier.authenticate(dpopRequest(access, forBob)), 'dpop_bad_ath')
    await expect(verifier.authenticate(dpopRequest(bob, forBob))).resolves.toMatchObject({
      subject: 'bob',
    })
    // More tokens than the verifier remembers (128): each is still hashed and compared.
    const tokens = await Promise.all(
      Array.from({ length: 130 }, (_, i) => token({ sub: `u${i}`, cnf: { jkt: client.jkt } })),
    )
    for (const each of tokens) {
      const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: each })
      await expect(verifier.authenticate(dpopRequest(each, p))).resolves.toBeDefined()
    }
    const again = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: tokens[0] })
    await refusedProof(verifier.authenticate(dpopRequest(access, again)), 'dpop_bad_ath')
    // Hashes are remembered by the token's end: a token ending like a remembered one (its
    // signature pasted onto another payload) gets its own hash, never the remembered one.
    const [head, , signature] = access.split('.') as [string, string, string]
    const pasted = `${head}.${Buffer.from('{"sub":"mallory"}').toString('base64url')}.${signature}`
    const fresh = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    await expect(verifier.authenticate(dpopRequest(access, fresh))).resolves.toBeDefined()
    const withAccessHash = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    await refusedProof(verifier.authenticate(dpopRequest(pasted, withAccessHash)), 'dpop_bad_ath')
  })

  it('12. a token bound to another key: invalid_token binding_mismatch with a DPoP challenge', async () => {
    const { verifier } = await base()
    const access = await token({ cnf: { jkt: other.jkt } })
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    const error = await refusal(verifier.authenticate(dpopRequest(access, p)))
    expect(error.reason).toBe('binding_mismatch')
    expect(error.headers['WWW-Authenticate']).toBe(
      `DPoP error="invalid_token", error_description="The access token is bound to another key", algs="${ALGS}"`,
    )
  })

  it('12. an unbound token with the DPoP scheme: invalid_token unbound_token', async () => {
    const { verifier } = await base()
    const access = await token({ cnf: undefined })
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    expect((await refusal(verifier.authenticate(dpopRequest(access, p)))).reason).toBe(
      'unbound_token',
    )
  })

  it('a token that fails its own checks is refused with a DPoP challenge', async () => {
    const { verifier } = await base()
    const access = await token({ exp: nowSec() - 100 })
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    const error = await refusal(verifier.authenticate(dpopRequest(access, p)))
    expect(error.headers['WWW-Authenticate']).toBe(
      `DPoP error="invalid_token", error_description="The access token expired", algs="${ALGS}"`,
    )
  })
})

describe('DPoP: replay (RFC 9449 §11.1)', () => {
  it('refuses a proof used twice, and emits a dpop_replay event', async () => {
    const verifier = make()
    const events: ScopeguardEvent[] = []
    verifier.subscribe((e) => events.push(e))
    const access = await token()
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    await verifier.authenticate(dpopRequest(access, p))
    await refusedProof(verifier.authenticate(dpopRequest(access, p)), 'dpop_replay')
    expect(events.filter((e) => e.type === 'dpop_replay')).toEqual([
      { type: 'dpop_replay', issuer: ISS },
    ])
    const verifications = events.filter((e) => e.type === 'verification')
    expect(
      verifications.map((e) => e.type === 'verification' && [e.scheme, e.outcome, e.reason]),
    ).toEqual([
      ['dpop', 'accepted', undefined],
      ['dpop', 'refused', 'dpop_replay'],
    ])
  })

  it('of many concurrent requests with one proof, exactly one passes', async () => {
    const verifier = make()
    const access = await token()
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => verifier.authenticate(dpopRequest(access, p))),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  })

  it('claims the jti only after every other check passed', async () => {
    const claims: string[] = []
    const store: ReplayStore = { claim: (key) => (claims.push(key), true) }
    const verifier = make({ dpop: { publicOrigin: API, replayStore: store } })
    const access = await token({ cnf: { jkt: other.jkt } })
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access, jti: 'once' })
    await refusal(verifier.authenticate(dpopRequest(access, p)))
    expect(claims).toEqual([])
    const good = await token()
    const q = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: good, jti: 'once' })
    await verifier.authenticate(dpopRequest(good, q))
    expect(claims).toEqual([`${client.jkt}:once`])
  })

  it('keeps a proof until its window ends: the ttl covers iat + 60 s + tolerance', async () => {
    const ttls: number[] = []
    const store: ReplayStore = { claim: (_key, ttl) => (ttls.push(ttl), true) }
    const verifier = make({ dpop: { publicOrigin: API, replayStore: store } })
    const access = await token()
    await verifier.authenticate(
      dpopRequest(
        access,
        await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access, iat: nowSec() }),
      ),
    )
    expect(ttls[0]).toBeGreaterThan(64_000)
    expect(ttls[0]).toBeLessThanOrEqual(66_000)
  })

  it('answers 503 with Retry-After when the store is full, throws or rejects (never lets a proof through)', async () => {
    const full = createMemoryReplayStore({ maxEntries: 1 })
    const verifier = make({ dpop: { publicOrigin: API, replayStore: full } })
    const access = await token()
    await verifier.authenticate(
      dpopRequest(access, await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })),
    )
    const error = await refusal(
      verifier.authenticate(
        dpopRequest(access, await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })),
      ),
    )
    expect([error.status, error.reason, error.headers]).toEqual([
      503,
      'replay_unavailable',
      { 'Retry-After': '1' },
    ])
    for (const store of [
      {
        claim: () => {
          throw new Error('down')
        },
      },
      { claim: () => Promise.reject(new Error('down')) },
    ] satisfies ReplayStore[]) {
      const broken = make({ dpop: { publicOrigin: API, replayStore: store } })
      const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
      expect((await refusal(broken.authenticate(dpopRequest(access, p)))).status).toBe(503)
    }
  })

  it('the memory store forgets expired proofs and refuses a non-positive bound', () => {
    vi.useFakeTimers()
    const store = createMemoryReplayStore({ maxEntries: 2 })
    expect(store.claim('a', 1000)).toBe(true)
    expect(store.claim('a', 1000)).toBe(false)
    vi.advanceTimersByTime(1001)
    expect(store.claim('a', 1000)).toBe(true)
    expect(store.claim('b', 1000)).toBe(true)
    expect(() => store.claim('c', 1000)).toThrow(RangeError)
    vi.advanceTimersByTime(1001)
    expect(store.claim('c', 1000)).toBe(true)
    expect(store.size).toBe(1)
    expect(() => createMemoryReplayStore({ maxEntries: 0 })).toThrow(TypeError)
  })

  it('the memory store honours each expiry when proofs expire out of insertion order', () => {
    vi.useFakeTimers()
    const store = createMemoryReplayStore({ maxEntries: 2 })
    expect(store.claim('long', 5000)).toBe(true)
    expect(store.claim('short', 1000)).toBe(true)
    vi.advanceTimersByTime(1001)
    // 'short' expired behind an unexpired front: claimable again, and a full store makes room.
    expect(store.claim('short', 1000)).toBe(true)
    expect(store.claim('long', 5000)).toBe(false)
    vi.advanceTimersByTime(1001)
    expect(store.claim('third', 1000)).toBe(true)
    expect(store.size).toBe(2)
    vi.advanceTimersByTime(3001)
    // Everything expired: the next claim sweeps it all.
    expect(store.claim('fourth', 1000)).toBe(true)
    expect(store.size).toBe(1)
    expect(store.claim('fourth', 1000)).toBe(false)
  })
})

describe('DPoP: server nonces (RFC 9449 §9)', () => {
  const SECRET = 'n'.repeat(32)

  async function nonceFrom(promise: Promise<unknown>): Promise<string> {
    const error = await refusal(promise)
    expect(error.code).toBe('use_dpop_nonce')
    expect(error.headers['WWW-Authenticate']).toBe(
      `DPoP error="use_dpop_nonce", error_description="A fresh DPoP nonce is required", algs="${ALGS}"`,
    )
    expect(error.headers['DPoP-Nonce']).toMatch(/^[a-z0-9]+\.[\w-]{24}$/)
    return error.headers['DPoP-Nonce'] as string
  }

  it('10. asks for a nonce, accepts it, and refuses a forged or stale one', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] })
    const verifier = make({ dpop: { publicOrigin: API, nonceSecrets: [SECRET] } })
    const access = await token()
    const ask = () => proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    const nonce = await nonceFrom(verifier.authenticate(dpopRequest(access, await ask())))
    const withNonce = (value: string) =>
      proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access, nonce: value })
    const auth = await verifier.authenticate(dpopRequest(access, await withNonce(nonce)))
    expect(auth.responseHeaders).toBeUndefined()
    await nonceFrom(
      verifier.authenticate(dpopRequest(access, await withNonce(`${nonce.slice(0, -2)}AA`))),
    )
    // The next step: still accepted, and a fresh nonce is offered on the success.
    vi.setSystemTime(Date.now() + 60_000)
    const aging = await verifier.authenticate(dpopRequest(access, await withNonce(nonce)))
    expect(aging.responseHeaders?.['DPoP-Nonce']).toMatch(/^[a-z0-9]+\./)
    expect(aging.responseHeaders?.['DPoP-Nonce']).not.toBe(nonce)
    vi.setSystemTime(Date.now() + 60_000)
    await nonceFrom(verifier.authenticate(dpopRequest(access, await withNonce(nonce))))
  })

  it('accepts nonces of every listed secret, so secrets rotate and a fleet shares them', async () => {
    const oldSecret = 'o'.repeat(32)
    const before = make({ dpop: { publicOrigin: API, nonceSecrets: [oldSecret] } })
    const after = make({ dpop: { publicOrigin: API, nonceSecrets: [SECRET, oldSecret] } })
    const stranger = make({ dpop: { publicOrigin: API, nonceSecrets: [SECRET] } })
    const access = await token()
    const nonce = await nonceFrom(
      before.authenticate(
        dpopRequest(access, await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })),
      ),
    )
    const p = () => proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access, nonce })
    await expect(after.authenticate(dpopRequest(access, await p()))).resolves.toBeDefined()
    await nonceFrom(stranger.authenticate(dpopRequest(access, await p())))
  })
})

describe('DPoP: schemes and challenges', () => {
  it('both schemes: a request without credentials gets both challenges in one field', async () => {
    const verifier = make({ resourceMetadata: { resource: API } })
    const error = await refusal(verifier.authenticate(request({})))
    expect(error.headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${API}/.well-known/oauth-protected-resource", DPoP algs="${ALGS}"`,
    )
    expect(error.message).toBe('Bearer or DPoP token required')
  })

  it('DPoP only: a Bearer token counts as no credentials and gets the DPoP challenge', async () => {
    const verifier = make({ dpop: { publicOrigin: API, required: true } })
    const error = await refusal(
      verifier.authenticate(
        request({ authorization: `Bearer ${await token({ cnf: undefined })}` }),
      ),
    )
    expect([error.status, error.code, error.message]).toEqual([
      401,
      'missing_token',
      'DPoP token required',
    ])
    expect(error.headers['WWW-Authenticate']).toBe(`DPoP algs="${ALGS}"`)
    await expect(
      verifier.authenticate(request({ authorization: 'Bearer abc' }), { optional: true }),
    ).resolves.toBeUndefined()
  })

  it('a DPoP proof sent with a Bearer token is refused: invalid_dpop_proof dpop_with_bearer', async () => {
    const verifier = make()
    const access = await token({ cnf: undefined })
    const p = await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    await refusedProof(
      verifier.authenticate(request({ authorization: `Bearer ${access}`, dpop: p })),
      'dpop_with_bearer',
    )
  })

  it('a DPoP-bound token sent as Bearer is refused, with DPoP on and with DPoP off', async () => {
    const access = await token()
    for (const verifier of [make(), make({ dpop: undefined })]) {
      const error = await refusal(
        verifier.authenticate(request({ authorization: `Bearer ${access}` })),
      )
      expect([error.status, error.reason]).toEqual([401, 'bound_token'])
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer error="invalid_token", error_description="The access token is bound to a key and needs proof of possession"',
      )
      expect((await refusal(verifier.verify(access))).reason).toBe('bound_token')
    }
  })

  it('DPoP off: the DPoP scheme is no credentials; an unbound Bearer token still passes', async () => {
    const verifier = make({ dpop: undefined })
    const access = await token({ cnf: undefined })
    const error = await refusal(verifier.authenticate(request({ authorization: `DPoP ${access}` })))
    expect([error.code, error.headers['WWW-Authenticate']]).toEqual(['missing_token', 'Bearer'])
    expect(error.message).toBe('Bearer token required')
    const auth = await verifier.authenticate(request({ authorization: `Bearer ${access}` }))
    expect([auth.scheme, auth.binding]).toEqual(['bearer', undefined])
  })

  it('a scope refusal of a DPoP request answers with a DPoP challenge', async () => {
    const verifier = make()
    const access = await token()
    const auth = await verifier.authenticate(
      dpopRequest(access, await proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })),
    )
    const error = (() => {
      try {
        verifier.requireScopes(auth, ['photos.write'])
      } catch (e) {
        return e as OAuthError
      }
      throw new Error('not refused')
    })()
    expect(error.headers['WWW-Authenticate']).toBe(
      `DPoP error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.write", algs="${ALGS}"`,
    )
  })

  it('advertises DPoP in the resource metadata', () => {
    const both = make({ resourceMetadata: { resource: API } })
    expect(both.resourceMetadata?.document.dpop_signing_alg_values_supported).toEqual(
      ALGS.split(' '),
    )
    expect(both.resourceMetadata?.document.dpop_bound_access_tokens_required).toBeUndefined()
    const only = make({
      resourceMetadata: { resource: API },
      dpop: { publicOrigin: API, required: true },
    })
    expect(only.resourceMetadata?.document.dpop_bound_access_tokens_required).toBe(true)
  })

  it('refuses bad DPoP configuration at construction', () => {
    expect(() => make({ dpop: {} })).toThrow(ConfigurationError)
    expect(() => make({ dpop: { publicOrigin: 'https://api.example/path' } })).toThrow(
      /publicOrigin/,
    )
    expect(() => make({ dpop: { publicOrigin: API, nonceSecrets: ['short'] } })).toThrow(
      /32 characters/,
    )
    expect(() => make({ dpop: { publicOrigin: API, algorithms: ['HS256' as never] } })).toThrow(
      /HS256/,
    )
    expect(() => make({ dpop: { publicOrigin: API, replayStore: {} as never } })).toThrow(
      /replayStore/,
    )
    expect(() => make({ trustedProxies: [''] })).toThrow(/trustedProxies/)
    expect(() =>
      make({ dpop: { trustedProxies: undefined } as never, trustedProxies: ['10.0.0.1'] }),
    ).not.toThrow()
  })
})

describe('DPoP behind a trusted proxy', () => {
  it('takes the public origin from X-Forwarded-* only when the peer is a trusted proxy', async () => {
    const verifier = make({ dpop: {}, trustedProxies: ['10.0.0.5'] })
    const access = await token()
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example' }
    const p = () =>
      proof(client, { htm: 'GET', htu: 'https://public.example/photos', token: access })
    const viaProxy = { ...dpopRequest(access, await p()), remoteAddress: '::ffff:10.0.0.5' }
    Object.assign(viaProxy.headers, forwarded)
    await expect(verifier.authenticate(viaProxy)).resolves.toMatchObject({ scheme: 'dpop' })
    const direct = { ...dpopRequest(access, await p()), remoteAddress: '10.0.0.6' }
    Object.assign(direct.headers, forwarded)
    await refusedProof(verifier.authenticate(direct), 'dpop_bad_uri')
  })
})

describe('certificate-bound tokens (RFC 8705)', () => {
  const certificate = new TextEncoder().encode('a DER certificate stands here')
  let thumbprint: string
  beforeAll(async () => {
    thumbprint = Buffer.from(await crypto.subtle.digest('SHA-256', certificate)).toString(
      'base64url',
    )
  })
  const bound = () => token({ cnf: { 'x5t#S256': thumbprint } })

  it('accepts the token over a connection with its certificate and reports the binding', async () => {
    const verifier = make({ mtls: true })
    const auth = await verifier.authenticate({
      ...request({ authorization: `Bearer ${await bound()}` }),
      clientCertificate: () => certificate,
    })
    expect([auth.scheme, auth.binding]).toEqual(['bearer', { certificateThumbprint: thumbprint }])
  })

  it('refuses it with another certificate or none (certificate_mismatch), and when mtls is off (bound_token)', async () => {
    const verifier = make({ mtls: true })
    const access = await bound()
    for (const clientCertificate of [new Uint8Array([1, 2, 3]), undefined]) {
      const error = await refusal(
        verifier.authenticate({
          ...request({ authorization: `Bearer ${access}` }),
          clientCertificate,
        }),
      )
      expect([error.status, error.reason]).toEqual([401, 'certificate_mismatch'])
    }
    const off = make()
    const error = await refusal(
      off.authenticate({
        ...request({ authorization: `Bearer ${access}` }),
        clientCertificate: certificate,
      }),
    )
    expect(error.reason).toBe('bound_token')
  })

  it('reads an RFC 9440 Client-Cert header only from a trusted proxy', async () => {
    const verifier = make({ mtls: true, trustedProxies: ['10.0.0.5'] })
    const access = await bound()
    const header = `:${Buffer.from(certificate).toString('base64')}:`
    const headers = { authorization: `Bearer ${access}`, 'client-cert': header }
    await expect(
      verifier.authenticate({ ...request({ ...headers }), remoteAddress: '10.0.0.5' }),
    ).resolves.toMatchObject({ binding: { certificateThumbprint: thumbprint } })
    const error = await refusal(
      verifier.authenticate({ ...request({ ...headers }), remoteAddress: '10.0.0.9' }),
    )
    expect(error.reason).toBe('certificate_mismatch')
  })

  it('a token bound to a DPoP key and a certificate needs both', async () => {
    const verifier = make({ mtls: true })
    const access = await token({ cnf: { jkt: client.jkt, 'x5t#S256': thumbprint } })
    const p = () => proof(client, { htm: 'GET', htu: URL_PHOTOS, token: access })
    const auth = await verifier.authenticate({
      ...dpopRequest(access, await p()),
      clientCertificate: certificate,
    })
    expect(auth.binding).toEqual({ jkt: client.jkt, certificateThumbprint: thumbprint })
    const error = await refusal(verifier.authenticate(dpopRequest(access, await p())))
    expect(error.reason).toBe('certificate_mismatch')
  })

  it('advertises certificate-bound tokens in the resource metadata', () => {
    expect(
      make({ mtls: true, resourceMetadata: { resource: API } }).resourceMetadata?.document
        .tls_client_certificate_bound_access_tokens,
    ).toBe(true)
  })
})

describe('hostile proofs never reach a header or crash', () => {
  it('refuses proofs with odd JSON (duplicate members, non-object jwk, huge iat) with 401', async () => {
    const verifier = make()
    const access = await token()
    const ath = await athOf(access)
    const cases = [
      [
        `{"typ":"dpop+jwt","alg":"ES256","alg":"ES256","jwk":${JSON.stringify(client.jwk)}}`,
        `{"jti":"a","htm":"GET","htu":"${URL_PHOTOS}","iat":${nowSec()},"ath":"${ath}"}`,
      ],
      [
        `{"typ":"dpop+jwt","alg":"ES256","jwk":"key"}`,
        `{"jti":"a","htm":"GET","htu":"${URL_PHOTOS}","iat":${nowSec()},"ath":"${ath}"}`,
      ],
      [
        `{"typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(client.jwk)}}`,
        `{"jti":"a","htm":"GET","htu":"${URL_PHOTOS}","iat":1e400,"ath":"${ath}"}`,
      ],
      [
        `{"typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(client.jwk)}}`,
        `{"jti":"a","jti":"b","htm":"GET","htu":"${URL_PHOTOS}","iat":${nowSec()},"ath":"${ath}"}`,
      ],
      [
        `{"typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(client.jwk)},"crit":["x"],"x":1}`,
        `{"jti":"a","htm":"GET","htu":"${URL_PHOTOS}","iat":${nowSec()},"ath":"${ath}"}`,
      ],
    ]
    for (const [header, payload] of cases) {
      const error = await refusal(
        verifier.authenticate(dpopRequest(access, await signRaw(client, header!, payload!))),
      )
      expect(error.status).toBe(401)
      expect(error.code).toBe('invalid_dpop_proof')
    }
  })
})
