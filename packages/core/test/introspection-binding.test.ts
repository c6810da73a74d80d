/**
 * Sender-constrained tokens behind introspection and the caches: an introspection result's `cnf`
 * (RFC 9449 §6.2, RFC 8705 §3.2) binds an opaque token exactly as a JWT's `cnf` does, and no cache
 * (the token cache, the introspection cache, a shared result store) ever serves a bound token as a
 * bearer token or skips its proof.
 */
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createVerifier,
  MemoryIntrospectionCache,
  type AuthRequest,
  type VerifierOptions,
} from '../src/index.js'
import { dpopKey, proof, type DpopKey } from '../../../test/support/dpop.js'
import { outcome } from '../../../test/support/outcome.js'
import { mint, nowSec, signingKey, type SigningKey } from '../../../test/support/tokens.js'

const ISSUER = 'https://as.example'
const ENDPOINT = `${ISSUER}/introspect`
const API = 'https://api.example'
const PHOTOS = `${API}/photos`

const answers = new Map<string, Record<string, unknown>>()
/** Calls to the introspection endpoint in the current test. */
let calls = 0
let signer: SigningKey
let client: DpopKey
let thief: DpopKey
const certificate = new TextEncoder().encode('the DER bytes of the client certificate')
const otherCertificate = new TextEncoder().encode('the DER bytes of another certificate')
let x5t: string

const server = setupServer(
  http.get(`${ISSUER}/jwks`, () => HttpResponse.json({ keys: [signer.jwk] })),
  http.post(ENDPOINT, async ({ request }) => {
    calls++
    const token = new URLSearchParams(await request.text()).get('token') ?? ''
    return HttpResponse.json(answers.get(token) ?? { active: false })
  }),
)

beforeAll(async () => {
  ;[signer, client, thief] = await Promise.all([
    signingKey('ES256', 'as-1'),
    dpopKey('ES256'),
    dpopKey('ES256'),
  ])
  const digest = await crypto.subtle.digest('SHA-256', certificate)
  x5t = Buffer.from(digest).toString('base64url')
  server.listen({ onUnhandledRequest: 'error' })
})
beforeEach(() => {
  calls = 0
})
afterAll(() => server.close())

let serial = 0
/** A fresh opaque token the fake authorization server answers `active` for, with `cnf`. */
function opaque(cnf: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) {
  const token = `b3BhcXVlLXRva2VuLW51bWJlci0${++serial}`
  answers.set(token, {
    active: true,
    iss: ISSUER,
    client_id: 'photo-app',
    aud: API,
    scope: 'photos.read',
    exp: nowSec() + 600,
    ...(cnf === undefined ? {} : { cnf, token_type: cnf.jkt === undefined ? 'Bearer' : 'DPoP' }),
    ...extra,
  })
  return token
}

/** A JWT for the API with `cnf`. */
const jwt = (cnf: unknown) => mint(signer, { iss: ISSUER, aud: API, exp: nowSec() + 600, cnf })

function make(options: Partial<VerifierOptions> = {}) {
  return createVerifier({
    issuer: ISSUER,
    jwksUri: `${ISSUER}/jwks`,
    audience: API,
    introspection: { endpoint: ENDPOINT, clientId: 'photo-api', clientSecret: 'secret' },
    dpop: { publicOrigin: API },
    mtls: true,
    ...options,
  })
}

const bearer = (token: string, clientCertificate?: Uint8Array): AuthRequest => ({
  method: 'GET',
  url: '/photos',
  headers: { authorization: `Bearer ${token}` },
  clientCertificate,
})

async function withProof(
  token: string,
  key: DpopKey = client,
  clientCertificate?: Uint8Array,
): Promise<AuthRequest> {
  return {
    method: 'GET',
    url: '/photos',
    headers: {
      authorization: `DPoP ${token}`,
      dpop: await proof(key, { htm: 'GET', htu: PHOTOS, token }),
    },
    clientCertificate,
  }
}

describe('an introspection result with cnf.jkt binds the opaque token to a DPoP key', () => {
  it('serves it with a proof by that key and reports the binding', async () => {
    const verifier = make()
    const token = opaque({ jkt: client.jkt })
    const auth = await verifier.authenticate(await withProof(token))
    expect([auth.scheme, auth.binding, auth.clientId]).toEqual([
      'dpop',
      { jkt: client.jkt },
      'photo-app',
    ])
  })

  it('refuses it as Bearer (bound_token), also with DPoP off, and with a proof by another key (binding_mismatch)', async () => {
    const token = opaque({ jkt: client.jkt })
    expect(await outcome(make().authenticate(bearer(token)))).toBe('invalid_token/bound_token')
    expect(await outcome(make({ dpop: undefined }).authenticate(bearer(token)))).toBe(
      'invalid_token/bound_token',
    )
    expect(await outcome(make().verify(token))).toBe('invalid_token/bound_token')
    expect(await outcome(make().authenticate(await withProof(token, thief)))).toBe(
      'invalid_token/binding_mismatch',
    )
  })

  it('refuses an unbound introspected token sent as DPoP (unbound_token)', async () => {
    const token = opaque(undefined)
    expect(await outcome(make().authenticate(await withProof(token)))).toBe(
      'invalid_token/unbound_token',
    )
  })
})

describe('an introspection result with cnf["x5t#S256"] binds the opaque token to a certificate', () => {
  it('serves it over a connection with that client certificate and reports the binding', async () => {
    const verifier = make()
    const token = opaque({ 'x5t#S256': x5t })
    const auth = await verifier.authenticate(bearer(token, certificate))
    expect([auth.scheme, auth.binding]).toEqual(['bearer', { certificateThumbprint: x5t }])
  })

  it('refuses it without a certificate or with another one (certificate_mismatch), and with mtls off (bound_token)', async () => {
    const token = opaque({ 'x5t#S256': x5t })
    const verifier = make()
    expect(await outcome(verifier.authenticate(bearer(token)))).toBe(
      'invalid_token/certificate_mismatch',
    )
    expect(await outcome(verifier.authenticate(bearer(token, otherCertificate)))).toBe(
      'invalid_token/certificate_mismatch',
    )
    expect(await outcome(make({ mtls: false }).authenticate(bearer(token, certificate)))).toBe(
      'invalid_token/bound_token',
    )
  })

  it('a result bound to a DPoP key and a certificate needs both', async () => {
    const token = opaque({ jkt: client.jkt, 'x5t#S256': x5t })
    const verifier = make()
    expect(await outcome(verifier.authenticate(await withProof(token)))).toBe(
      'invalid_token/certificate_mismatch',
    )
    const auth = await verifier.authenticate(await withProof(token, client, certificate))
    expect(auth.binding).toEqual({ jkt: client.jkt, certificateThumbprint: x5t })
  })
})

describe('a confirmation claim that is not an object (RFC 7800 §3.1)', () => {
  it.each([
    ['null', null],
    ['a string', 'jkt'],
    ['an array', [{ jkt: 'x' }]],
  ])('is refused as bad_claim when it is %s, never served as a bearer token', async (_, cnf) => {
    const verifier = make()
    const token = opaque(undefined, { cnf })
    expect(await outcome(verifier.authenticate(bearer(token, certificate)))).toBe(
      'invalid_token/bad_claim',
    )
    expect(await outcome(verifier.authenticate(await withProof(token)))).toBe(
      'invalid_token/bad_claim',
    )
    const signed = await jwt(cnf)
    expect(await outcome(verifier.authenticate(bearer(signed, certificate)))).toBe(
      'invalid_token/bad_claim',
    )
  })
})

describe('a confirmation method this kit cannot check (RFC 7800 jwk, kid)', () => {
  it.each([
    [
      'a jwk',
      { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } },
    ],
    ['a kid', { kid: 'pop-key-1' }],
  ])(
    'binds the token: %s in cnf is refused as Bearer (bound_token) and as DPoP (unbound_token)',
    async (_, cnf) => {
      const verifier = make()
      for (const token of [opaque(undefined, { cnf }), await jwt(cnf)]) {
        expect(await outcome(verifier.authenticate(bearer(token, certificate)))).toBe(
          'invalid_token/bound_token',
        )
        expect(await outcome(verifier.authenticate(await withProof(token)))).toBe(
          'invalid_token/unbound_token',
        )
      }
    },
  )

  it('an empty cnf binds nothing: served as a bearer token', async () => {
    const verifier = make()
    expect(await outcome(verifier.authenticate(bearer(await jwt({}))))).toBe('accepted')
  })
})

describe('cached results keep their binding', () => {
  it('a cached DPoP-bound result still needs a new proof by its key on every request', async () => {
    const verifier = make()
    const token = opaque({ jkt: client.jkt })
    const first = await withProof(token)
    await verifier.authenticate(first)
    expect(await outcome(verifier.authenticate(bearer(token)))).toBe('invalid_token/bound_token')
    expect(await outcome(verifier.authenticate(await withProof(token, thief)))).toBe(
      'invalid_token/binding_mismatch',
    )
    expect(await outcome(verifier.authenticate(first))).toBe('invalid_dpop_proof/dpop_replay')
    expect(await outcome(verifier.authenticate(await withProof(token)))).toBe('accepted')
    expect(calls).toBe(1)
  })

  it('a cached certificate-bound result still needs the certificate on every request', async () => {
    const verifier = make()
    const token = opaque({ 'x5t#S256': x5t })
    await verifier.authenticate(bearer(token, certificate))
    expect(await outcome(verifier.authenticate(bearer(token)))).toBe(
      'invalid_token/certificate_mismatch',
    )
    expect(await outcome(verifier.authenticate(bearer(token, certificate)))).toBe('accepted')
    expect(calls).toBe(1)
  })

  it('a result from a shared store keeps its cnf: another instance refuses it as Bearer without a call', async () => {
    const store = new MemoryIntrospectionCache()
    const token = opaque({ jkt: client.jkt })
    await make({ introspection: shared(store) }).authenticate(await withProof(token))
    expect(calls).toBe(1)
    const other = make({ introspection: shared(store) })
    expect(await outcome(other.authenticate(bearer(token)))).toBe('invalid_token/bound_token')
    expect(await outcome(other.authenticate(await withProof(token)))).toBe('accepted')
    expect(calls).toBe(1)
  })

  it('a DPoP-bound JWT in the token cache still needs its proof; as Bearer it is bound_token', async () => {
    const verifier = make({ introspection: undefined })
    const token = await jwt({ jkt: client.jkt })
    await verifier.authenticate(await withProof(token))
    expect(verifier.stats().tokenCacheSize).toBe(1)
    expect(await outcome(verifier.authenticate(bearer(token)))).toBe('invalid_token/bound_token')
    expect(await outcome(verifier.authenticate(await withProof(token, thief)))).toBe(
      'invalid_token/binding_mismatch',
    )
  })

  it('a certificate-bound JWT in the token cache still needs the certificate', async () => {
    const verifier = make({ introspection: undefined })
    const token = await jwt({ 'x5t#S256': x5t })
    await verifier.authenticate(bearer(token, certificate))
    expect(verifier.stats().tokenCacheSize).toBe(1)
    expect(await outcome(verifier.authenticate(bearer(token)))).toBe(
      'invalid_token/certificate_mismatch',
    )
  })

  it('introspectJwts: a DPoP-bound JWT confirmed from the cache still needs its proof', async () => {
    const verifier = make({
      introspection: { ...shared(undefined), introspectJwts: true },
    })
    const token = await jwt({ jkt: client.jkt })
    answers.set(token, { active: true, exp: nowSec() + 600, cnf: { jkt: client.jkt } })
    await verifier.authenticate(await withProof(token))
    expect(await outcome(verifier.authenticate(bearer(token)))).toBe('invalid_token/bound_token')
    expect(calls).toBe(1)
  })
})

/** The introspection options with a result store (or none). */
function shared(store: MemoryIntrospectionCache | undefined) {
  return {
    endpoint: ENDPOINT,
    clientId: 'photo-api',
    clientSecret: 'secret',
    ...(store === undefined ? {} : { cache: { store } }),
  }
}
