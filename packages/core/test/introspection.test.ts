import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import { delay, http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createVerifier,
  MemoryIntrospectionCache,
  type IntrospectionOptions,
  type VerifierOptions,
} from '../src/index.js'
import { tokenHash } from '../src/introspection-cache.js'
import { isOpaqueToken } from '../src/introspection.js'
import { outcome, refusal } from '../../../test/support/outcome.js'
import { mint, nowSec, signingKey, type SigningKey } from '../../../test/support/tokens.js'

const ISSUER = 'https://as.example'
const ENDPOINT = `${ISSUER}/introspect`
const JWKS = `${ISSUER}/jwks`
const API = 'https://api.example'
const SECRET = 'a secret:with/odd+chars'
const OPAQUE = 'Zm9vYmFyLW9wYXF1ZS10b2tlbi0x'

/** What the fake authorization server answers per token, and what it received. */
let answers: Map<string, Record<string, unknown>>
let seen: { headers: Headers; form: URLSearchParams }[]
let respond: ((form: URLSearchParams) => Response | Promise<Response>) | undefined
let signer: SigningKey
let stranger: SigningKey

const server = setupServer(
  http.get(JWKS, () => HttpResponse.json({ keys: [signer.jwk] })),
  http.post(ENDPOINT, async ({ request }) => {
    const form = new URLSearchParams(await request.text())
    seen.push({ headers: request.headers, form })
    if (respond !== undefined) return respond(form)
    return HttpResponse.json(answers.get(form.get('token') ?? '') ?? { active: false })
  }),
)

beforeAll(async () => {
  ;[signer, stranger] = await Promise.all([
    signingKey('ES256', 'as-1'),
    signingKey('ES256', 'as-1'),
  ])
  server.listen({ onUnhandledRequest: 'error' })
})
afterEach(() => {
  server.resetHandlers()
  vi.useRealTimers()
})
afterAll(() => server.close())

function reset(): void {
  answers = new Map()
  seen = []
  respond = undefined
}

const active = (extra: Record<string, unknown> = {}) => ({
  active: true,
  iss: ISSUER,
  sub: 'user-1',
  client_id: 'photo-app',
  aud: API,
  scope: 'photos.read photos.write',
  exp: nowSec() + 600,
  iat: nowSec(),
  token_type: 'Bearer',
  ...extra,
})

const introspection = (extra: Partial<IntrospectionOptions> = {}): IntrospectionOptions => ({
  endpoint: ENDPOINT,
  clientId: 'photo-api',
  clientSecret: SECRET,
  ...extra,
})

const make = (extra: Partial<IntrospectionOptions> = {}, options: Partial<VerifierOptions> = {}) =>
  createVerifier({
    issuer: ISSUER,
    jwksUri: JWKS,
    audience: API,
    introspection: introspection(extra),
    ...options,
  })

const bearer = (token: string) => ({
  method: 'GET',
  url: '/photos',
  headers: { authorization: `Bearer ${token}` },
})

describe('which tokens are introspected', () => {
  it('calls a token with no, one, three or more than four dots opaque, and JWS/JWE shapes not', () => {
    expect(['abc', 'ory_at_x.y', 'a.b.c.d', 'a.b.c.d.e.f'].map(isOpaqueToken)).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect(['a.b.c', 'a.b.c.d.e'].map(isOpaqueToken)).toEqual([false, false])
  })

  it('refuses an opaque token as malformed when introspection is not configured', async () => {
    reset()
    const verifier = createVerifier({ issuer: ISSUER, jwksUri: JWKS, audience: API })
    expect(await outcome(verifier.verify(OPAQUE))).toBe('invalid_token/malformed')
    expect(seen).toHaveLength(0)
  })

  it('verifies a JWT locally without calling the endpoint when introspection is on', async () => {
    reset()
    const jwt = await mint(signer, { iss: ISSUER, aud: API, sub: 's', exp: nowSec() + 60 })
    expect(await outcome(make().verify(jwt))).toBe('accepted')
    expect(seen).toHaveLength(0)
  })

  it('checks size and b64token syntax before any call: 401 too_large, 400 invalid_request', async () => {
    reset()
    const verifier = make()
    expect(await outcome(verifier.verify('x'.repeat(9000)))).toBe('invalid_token/too_large')
    const error = await refusal(verifier.authenticate(bearer('a,b')))
    expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    expect(seen).toHaveLength(0)
  })
})

describe('the request', () => {
  it('posts the token with client_secret_basic: form-encoded id and secret in Basic', async () => {
    reset()
    answers.set(OPAQUE, active())
    await make().verify(OPAQUE)
    const [request] = seen
    expect(request?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.get('accept')).toBe('application/json')
    const basic = atob(request?.headers.get('authorization')?.replace(/^Basic /, '') ?? '')
    expect(basic).toBe('photo-api:a+secret%3Awith%2Fodd%2Bchars')
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      token: OPAQUE,
      token_type_hint: 'access_token',
    })
  })

  it('sends client_id and client_secret in the body with client_secret_post', async () => {
    reset()
    answers.set(OPAQUE, active())
    await make({ clientAuthentication: 'client_secret_post' }).verify(OPAQUE)
    expect(seen[0]?.headers.get('authorization')).toBeNull()
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      token: OPAQUE,
      token_type_hint: 'access_token',
      client_id: 'photo-api',
      client_secret: SECRET,
    })
  })

  it('signs a fresh RFC 7523 client assertion per call with private_key_jwt', async () => {
    reset()
    answers.set(OPAQUE, active())
    answers.set(`${OPAQUE}2`, active())
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'rs-key' }
    const verifier = make({ clientSecret: undefined, privateKey: jwk })
    await verifier.verify(OPAQUE)
    await verifier.verify(`${OPAQUE}2`)
    const jtis: unknown[] = []
    for (const { form, headers } of seen) {
      expect(headers.get('authorization')).toBeNull()
      expect(form.get('client_id')).toBe('photo-api')
      expect(form.get('client_assertion_type')).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      )
      const { payload, protectedHeader } = await jwtVerify(
        form.get('client_assertion') ?? '',
        publicKey,
        { issuer: 'photo-api', subject: 'photo-api', audience: ISSUER },
      )
      expect(protectedHeader).toEqual({ alg: 'ES256', kid: 'rs-key' })
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60)
      jtis.push(payload.jti)
    }
    expect(new Set(jtis).size).toBe(2)
  })

  it('signs client assertions with a CryptoKey and the configured algorithm and audience', async () => {
    reset()
    answers.set(OPAQUE, active())
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    await make({
      clientSecret: undefined,
      privateKey,
      assertionAlgorithm: 'RS256',
      assertionKeyId: 'k2',
      assertionAudience: ENDPOINT,
    }).verify(OPAQUE)
    const { protectedHeader } = await jwtVerify(
      seen[0]?.form.get('client_assertion') ?? '',
      publicKey,
      { audience: ENDPOINT },
    )
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: 'k2' })
  })

  it('answers 503 when the assertion key does not fit its algorithm', async () => {
    reset()
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256' }
    const error = await refusal(make({ clientSecret: undefined, privateKey: jwk }).verify(OPAQUE))
    expect([error.status, error.reason]).toEqual([503, 'introspection_unavailable'])
    expect(seen).toHaveLength(0)
  })

  it('finds the endpoint through discovery, and retries discovery after a failure', async () => {
    reset()
    answers.set(OPAQUE, active())
    let documents = 0
    server.use(
      http.get(`${ISSUER}/.well-known/openid-configuration`, () => {
        documents++
        return documents === 1
          ? new HttpResponse(null, { status: 500 })
          : HttpResponse.json({ issuer: ISSUER, jwks_uri: JWKS, introspection_endpoint: ENDPOINT })
      }),
      http.get(`${ISSUER}/.well-known/oauth-authorization-server`, () =>
        HttpResponse.json({ issuer: 'https://elsewhere.example' }),
      ),
    )
    const verifier = make({ endpoint: undefined })
    const error = await refusal(verifier.verify(OPAQUE))
    expect([error.status, error.reason]).toEqual([503, 'introspection_unavailable'])
    expect(await outcome(verifier.verify(OPAQUE))).toBe('accepted')
    expect(await outcome(verifier.verify(`${OPAQUE}x`))).toBe('invalid_token/inactive')
    expect(documents).toBe(2)
  })
})

describe('the result', () => {
  it('turns an active result into the same AuthInfo a JWT gives', async () => {
    reset()
    const exp = nowSec() + 600
    answers.set(OPAQUE, active({ exp, username: 'alice' }))
    const auth = await make().authenticate(bearer(OPAQUE))
    expect({
      issuer: auth.issuer,
      subject: auth.subject,
      clientId: auth.clientId,
      audience: auth.audience,
      scopes: auth.scopes,
      username: auth.username,
      expiresAt: auth.expiresAt,
      header: auth.header,
    }).toEqual({
      issuer: ISSUER,
      subject: 'user-1',
      clientId: 'photo-app',
      audience: [API],
      scopes: ['photos.read', 'photos.write'],
      username: 'alice',
      expiresAt: exp,
      header: {},
    })
    expect(auth.token).toBe(OPAQUE)
    expect(JSON.stringify(auth)).not.toContain(OPAQUE)
    expect(Object.isFrozen(auth.claims)).toBe(true)
  })

  it('refuses active: false with 401 invalid_token and never caches it', async () => {
    reset()
    answers.set(OPAQUE, { active: false })
    const verifier = make()
    const error = await refusal(verifier.verify(OPAQUE))
    expect([error.status, error.headers['WWW-Authenticate']]).toEqual([
      401,
      'Bearer error="invalid_token", error_description="The access token is not active"',
    ])
    await refusal(verifier.verify(OPAQUE))
    expect(seen).toHaveLength(2)
  })

  it.each([
    ['another issuer', { iss: 'https://other.example' }, {}, 'bad_issuer'],
    ['another audience', { aud: 'https://other.example' }, {}, 'bad_audience'],
    ['an expired token', { exp: nowSec() - 60 }, {}, 'expired'],
    ['no exp', { exp: undefined }, {}, 'missing_claim'],
    ['a token not yet valid', { nbf: nowSec() + 600 }, {}, 'not_yet_valid'],
    ['another client', {}, { clientId: 'other-app' }, 'bad_client'],
    ['the wrong token_use', { token_use: 'id' }, { tokenUse: 'access' }, 'bad_token_use'],
    ['a scope that is not a string', { scope: 42 }, {}, 'bad_scope_claim'],
    ['a missing required claim', { sub: undefined }, { requiredClaims: ['sub'] }, 'missing_claim'],
  ] as const)('refuses %s like a JWT, and does not cache it', async (_, extra, options, reason) => {
    reset()
    answers.set(OPAQUE, JSON.parse(JSON.stringify(active(extra))) as Record<string, unknown>)
    const verifier = make({}, options)
    expect(await outcome(verifier.verify(OPAQUE))).toBe(`invalid_token/${reason}`)
    await verifier.verify(OPAQUE).catch(() => undefined)
    expect(seen).toHaveLength(2)
  })

  it('attributes a result without iss to the introspection issuer', async () => {
    reset()
    answers.set(OPAQUE, active({ iss: undefined }))
    const auth = await make().verify(OPAQUE)
    expect(auth.issuer).toBe(ISSUER)
  })

  it('does not ask for typ (an opaque token has no header) and runs the validators', async () => {
    reset()
    answers.set(OPAQUE, active())
    const validator = vi.fn((auth: { subject: string | undefined }) => auth.subject === 'user-1')
    const verifier = make({}, { typ: 'at+jwt', validators: [validator] })
    expect(await outcome(verifier.verify(OPAQUE))).toBe('accepted')
    expect(await outcome(verifier.verify(OPAQUE))).toBe('accepted')
    expect(validator).toHaveBeenCalledTimes(2)
    expect(seen).toHaveLength(1)
    const refusing = make({}, { validators: [() => false] })
    expect(await outcome(refusing.verify(OPAQUE))).toBe('invalid_token/rejected')
  })
})

describe('the cache', () => {
  it('reuses an active result until maxTtl, then asks again', async () => {
    reset()
    vi.useFakeTimers({ toFake: ['Date'] })
    answers.set(OPAQUE, active({ exp: nowSec() + 3600 }))
    const verifier = make({ cache: { maxTtl: 30 } })
    await verifier.verify(OPAQUE)
    vi.advanceTimersByTime(29_000)
    await verifier.verify(OPAQUE)
    expect(seen).toHaveLength(1)
    vi.advanceTimersByTime(1_000)
    await verifier.verify(OPAQUE)
    expect(seen).toHaveLength(2)
  })

  it('never keeps a result past the token exp', async () => {
    reset()
    vi.useFakeTimers({ toFake: ['Date'] })
    answers.set(OPAQUE, active({ exp: nowSec() + 10 }))
    const verifier = make({ cache: { maxTtl: 300 } })
    await verifier.verify(OPAQUE)
    vi.advanceTimersByTime(10_000)
    answers.set(OPAQUE, { active: false })
    expect(await outcome(verifier.verify(OPAQUE))).toBe('invalid_token/inactive')
    expect(seen).toHaveLength(2)
  })

  it('asks on every request with the cache off: a revoked token is refused at once', async () => {
    reset()
    answers.set(OPAQUE, active())
    const verifier = make({ cache: false })
    await verifier.verify(OPAQUE)
    answers.set(OPAQUE, { active: false })
    expect(await outcome(verifier.verify(OPAQUE))).toBe('invalid_token/inactive')
    expect(seen).toHaveLength(2)
  })

  it('is bounded: the oldest result is dropped beyond maxEntries', async () => {
    reset()
    for (const n of [1, 2, 3]) answers.set(`${OPAQUE}${n}`, active())
    const verifier = make({ cache: { maxEntries: 2 } })
    for (const n of [1, 2, 3, 3, 2, 1]) await verifier.verify(`${OPAQUE}${n}`)
    expect(seen.map(({ form }) => form.get('token')?.slice(-1))).toEqual(['1', '2', '3', '1'])
  })

  it('shares one call among concurrent requests for one token', async () => {
    reset()
    respond = async () => {
      await delay(50)
      return HttpResponse.json(active())
    }
    const verifier = make()
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(OPAQUE)))
    expect(new Set(results).size).toBe(1)
    expect(seen).toHaveLength(1)
  })

  it('shares one call among concurrent requests even with the cache off', async () => {
    reset()
    respond = async () => {
      await delay(50)
      return HttpResponse.json(active())
    }
    const verifier = make({ cache: false })
    await Promise.all([verifier.verify(OPAQUE), verifier.verify(OPAQUE)])
    await verifier.verify(OPAQUE)
    expect(seen).toHaveLength(2)
  })

  it('shares results through a store keyed by the SHA-256 of the token, never the token', async () => {
    reset()
    answers.set(OPAQUE, active())
    const store = new MemoryIntrospectionCache(10)
    const set = vi.spyOn(store, 'set')
    const first = make({ cache: { store } })
    const second = make({ cache: { store } })
    await first.verify(OPAQUE)
    const auth = await second.verify(OPAQUE)
    expect(auth.subject).toBe('user-1')
    expect(seen).toHaveLength(1)
    const [key, value, ttl] = set.mock.calls[0] ?? []
    expect(key).toBe(await tokenHash(OPAQUE))
    expect(key).toMatch(/^[\w-]{43}$/)
    expect(value).not.toContain(OPAQUE)
    expect(ttl).toBeGreaterThan(59_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
  })

  it('keeps the fleet within maxTtl: a result from the store is fresh only until its deadline', async () => {
    reset()
    vi.useFakeTimers({ toFake: ['Date'] })
    answers.set(OPAQUE, active({ exp: nowSec() + 3600 }))
    const store = new MemoryIntrospectionCache()
    await make({ cache: { store, maxTtl: 60 } }).verify(OPAQUE)
    vi.advanceTimersByTime(50_000)
    const late = make({ cache: { store, maxTtl: 60 } })
    await late.verify(OPAQUE)
    vi.advanceTimersByTime(10_000)
    await late.verify(OPAQUE)
    expect(seen).toHaveLength(2)
  })

  it('calls the endpoint when the store fails or holds garbage', async () => {
    reset()
    answers.set(OPAQUE, active())
    const broken = { get: () => Promise.reject(new Error('down')), set: () => undefined }
    expect(await outcome(make({ cache: { store: broken } }).verify(OPAQUE))).toBe('accepted')
    const garbage = { get: () => '{"until":', set: () => Promise.reject(new Error('full')) }
    expect(await outcome(make({ cache: { store: garbage } }).verify(OPAQUE))).toBe('accepted')
    expect(seen).toHaveLength(2)
  })

  it('MemoryIntrospectionCache drops expired and oldest entries', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const store = new MemoryIntrospectionCache(2)
    store.set('a', '1', 1000)
    store.set('b', '2', 5000)
    store.set('c', '3', 5000)
    store.set('d', '4', 0)
    expect([store.get('a'), store.get('b'), store.get('c'), store.get('d')]).toEqual([
      undefined,
      '2',
      '3',
      undefined,
    ])
    vi.advanceTimersByTime(5000)
    expect(store.get('b')).toBeUndefined()
    expect(() => new MemoryIntrospectionCache(0)).toThrow(RangeError)
  })
})

describe('faults: 503 with Retry-After, never 401 or 500', () => {
  const unavailable = async (verifier = make(), token = OPAQUE) => {
    const error = await refusal(verifier.verify(token))
    expect([error.status, error.code, error.reason, error.expose]).toEqual([
      503,
      'temporarily_unavailable',
      'introspection_unavailable',
      false,
    ])
    expect(error.message).not.toContain(token)
    return error.headers['Retry-After']
  }

  it.each([
    ['a 500', () => new HttpResponse('oops', { status: 500 })],
    ['a 502', () => new HttpResponse(null, { status: 502 })],
    ['a 401 (our credentials refused)', () => new HttpResponse(null, { status: 401 })],
    ['a network error', () => HttpResponse.error()],
    ['invalid JSON', () => new HttpResponse('{"active": tr', { headers: json })],
    ['a JSON array', () => HttpResponse.json([{ active: true }])],
    ['no active member', () => HttpResponse.json({ scope: 'photos.read' })],
    ['"active" as a string', () => HttpResponse.json({ active: 'true' })],
    ['duplicate member names', () => new HttpResponse(duplicated, { headers: json })],
    [
      'an HTML page',
      () => new HttpResponse('<html></html>', { headers: { 'content-type': 'text/html' } }),
    ],
    ['a redirect to another origin', () => HttpResponse.redirect('https://evil.example/i', 307)],
    ['a 302 (would turn the POST into a GET)', () => HttpResponse.redirect(ENDPOINT, 302)],
  ])('answers 503 (Retry-After 5) for %s', async (_, answer) => {
    reset()
    respond = answer
    expect(await unavailable()).toBe('5')
  })

  it('follows a same-origin 307 with the same POST', async () => {
    reset()
    let moved = 0
    server.use(
      http.post(`${ISSUER}/moved`, async ({ request }) => {
        moved++
        const form = new URLSearchParams(await request.text())
        return HttpResponse.json(form.get('token') === OPAQUE ? active() : { active: false })
      }),
    )
    respond = () => HttpResponse.redirect(`${ISSUER}/moved`, 307)
    expect(await outcome(make().verify(OPAQUE))).toBe('accepted')
    expect(moved).toBe(1)
  })

  it('passes on the endpoint Retry-After of a 429 or 503, capped at 300 s', async () => {
    reset()
    respond = () => new HttpResponse(null, { status: 429, headers: { 'retry-after': '17' } })
    expect(await unavailable()).toBe('17')
    respond = () => new HttpResponse(null, { status: 503, headers: { 'retry-after': '86400' } })
    expect(await unavailable()).toBe('300')
    respond = () =>
      new HttpResponse(null, { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015' } })
    expect(await unavailable(make({ retryDelay: 2 }))).toBe('2')
  })

  it('refuses a huge body by its Content-Length and a huge streamed body at the cap', async () => {
    reset()
    respond = () => HttpResponse.json({ active: true, pad: 'x'.repeat(100_000) })
    expect(await unavailable()).toBe('5')
    let pulled = 0
    respond = () =>
      new HttpResponse(
        new ReadableStream({
          pull(controller) {
            pulled++
            controller.enqueue(new TextEncoder().encode(`{"pad":"${'x'.repeat(4096)}`))
          },
        }),
        { headers: json },
      )
    expect(await unavailable(make({ maxResponseBytes: 8192 }))).toBe('5')
    expect(pulled).toBeLessThan(10)
  })

  it('gives up on a slow endpoint and on a body that stalls, within the timeout', async () => {
    reset()
    respond = async () => {
      await delay(5_000)
      return HttpResponse.json(active())
    }
    const started = Date.now()
    await unavailable(make({ timeout: 0.2 }))
    respond = () =>
      new HttpResponse(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"active":'))
          },
        }),
        { headers: json },
      )
    await unavailable(make({ timeout: 0.2 }))
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('serves no cached result during an outage by default', async () => {
    reset()
    vi.useFakeTimers({ toFake: ['Date'] })
    answers.set(OPAQUE, active({ exp: nowSec() + 3600 }))
    const verifier = make({ cache: { maxTtl: 10 } })
    await verifier.verify(OPAQUE)
    vi.advanceTimersByTime(11_000)
    respond = () => new HttpResponse(null, { status: 503 })
    await unavailable(verifier)
  })

  it('serves a cached active result for staleIfError seconds past maxTtl during an outage', async () => {
    reset()
    vi.useFakeTimers({ toFake: ['Date'] })
    answers.set(OPAQUE, active({ exp: nowSec() + 3600 }))
    const verifier = make({ cache: { maxTtl: 10, staleIfError: 30 } })
    await verifier.verify(OPAQUE)
    respond = () => HttpResponse.error()
    vi.advanceTimersByTime(39_000)
    expect(await outcome(verifier.verify(OPAQUE))).toBe('accepted')
    vi.advanceTimersByTime(1_000)
    await unavailable(verifier)
  })

  it('never serves a stale result past exp, nor one the endpoint now calls inactive', async () => {
    reset()
    vi.useFakeTimers({ toFake: ['Date'] })
    answers.set(OPAQUE, active({ exp: nowSec() + 15 }))
    answers.set(`${OPAQUE}2`, active({ exp: nowSec() + 3600 }))
    const verifier = make({ cache: { maxTtl: 10, staleIfError: 60 } })
    await verifier.verify(OPAQUE)
    await verifier.verify(`${OPAQUE}2`)
    vi.advanceTimersByTime(15_000)
    respond = () => HttpResponse.error()
    await unavailable(verifier)
    respond = undefined
    answers.set(`${OPAQUE}2`, { active: false })
    expect(await outcome(verifier.verify(`${OPAQUE}2`))).toBe('invalid_token/inactive')
    respond = () => HttpResponse.error()
    await unavailable(verifier, `${OPAQUE}2`)
  })
})

const json = { 'content-type': 'application/json' }
const duplicated = '{"active":false,"active":true,"iss":"https://as.example"}'

describe('RFC 9701 JWT-secured responses', () => {
  const signed = (claims: Record<string, unknown>, key = signer, typ = 'token-introspection+jwt') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ }).sign(key.privateKey)
  const envelope = (inner: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    aud: 'photo-api',
    iat: nowSec(),
    token_introspection: inner,
    ...extra,
  })
  const jwtAnswer = async (jwt: Promise<string>) =>
    new HttpResponse(await jwt, {
      headers: { 'content-type': 'application/token-introspection+jwt' },
    })

  it('asks for a JWT and accepts one signed with the issuer key', async () => {
    reset()
    respond = () => jwtAnswer(signed(envelope(active())))
    const auth = await make({ jwtResponse: true }).verify(OPAQUE)
    expect(auth.subject).toBe('user-1')
    expect(seen[0]?.headers.get('accept')).toBe('application/token-introspection+jwt')
  })

  it('refuses an inactive token inside a signed answer with 401', async () => {
    reset()
    respond = () => jwtAnswer(signed(envelope({ active: false })))
    expect(await outcome(make({ jwtResponse: true }).verify(OPAQUE))).toBe('invalid_token/inactive')
  })

  it.each([
    ['plain JSON', () => HttpResponse.json(active())],
    ['a signature by another key', () => jwtAnswer(signed(envelope(active()), stranger))],
    ['the wrong typ', () => jwtAnswer(signed(envelope(active()), signer, 'JWT'))],
    ['another issuer', () => jwtAnswer(signed(envelope(active(), { iss: 'https://x.example' })))],
    ['another audience', () => jwtAnswer(signed(envelope(active(), { aud: 'someone-else' })))],
    ['no iat', () => jwtAnswer(signed(envelope(active(), { iat: undefined })))],
    [
      'no token_introspection',
      () => jwtAnswer(signed({ ...envelope({}), token_introspection: 1 })),
    ],
    ['a body that is no JWS', () => jwtAnswer(Promise.resolve('not.a.jws'))],
  ])('answers 503 for %s', async (_, answer) => {
    reset()
    respond = answer
    const error = await refusal(make({ jwtResponse: true }).verify(OPAQUE))
    expect([error.status, error.reason]).toEqual([503, 'introspection_unavailable'])
  })
})

describe('introspectJwts: JWTs checked for revocation too', () => {
  const claims = () => ({ iss: ISSUER, aud: API, sub: 's', exp: nowSec() + 600 })

  it('accepts a valid JWT the endpoint calls active, and reuses the answer', async () => {
    reset()
    const jwt = await mint(signer, claims())
    answers.set(jwt, { active: true, exp: nowSec() + 600 })
    const verifier = make({ introspectJwts: true })
    const auth = await verifier.verify(jwt)
    expect(auth.header).toMatchObject({ alg: 'ES256' })
    expect(await verifier.verify(jwt)).toBe(auth)
    expect(seen).toHaveLength(1)
  })

  it('refuses a revoked JWT with 401 inactive', async () => {
    reset()
    const jwt = await mint(signer, claims())
    answers.set(jwt, { active: false })
    expect(await outcome(make({ introspectJwts: true }).verify(jwt))).toBe('invalid_token/inactive')
  })

  it('still applies every JWT check first, without a call', async () => {
    reset()
    const jwt = await mint(signer, { ...claims(), exp: nowSec() - 60 })
    expect(await outcome(make({ introspectJwts: true }).verify(jwt))).toBe('invalid_token/expired')
    const forged = await mint(stranger, claims())
    expect(await outcome(make({ introspectJwts: true }).verify(forged))).toBe(
      'invalid_token/bad_signature',
    )
    expect(seen).toHaveLength(0)
  })

  it('answers 503 when the endpoint is down, for a JWT too', async () => {
    reset()
    respond = () => HttpResponse.error()
    const jwt = await mint(signer, claims())
    const error = await refusal(make({ introspectJwts: true }).verify(jwt))
    expect(error.status).toBe(503)
  })
})

describe('configuration', () => {
  const build =
    (extra: Partial<IntrospectionOptions>, options: Partial<VerifierOptions> = {}) =>
    () =>
      make(extra, options)

  it.each([
    [{ clientId: '' }, '"clientId" must be a non-empty string'],
    [{ clientId: undefined }, '"clientId" is required'],
    [{ clientSecret: undefined }, '"client_secret_basic" needs "clientSecret"'],
    [{ clientAuthentication: 'private_key_jwt' as const }, '"private_key_jwt" needs "privateKey"'],
    [{ privateKey: { kty: 'EC' } }, '"assertionAlgorithm" must name an asymmetric'],
    [{ privateKey: { kty: 'oct', alg: 'HS256' } }, '"assertionAlgorithm" must name an asymmetric'],
    [{ clientAuthentication: 'tls' as never }, '"clientAuthentication" must be'],
    [{ endpoint: 'http://as.example/introspect' }, 'uses plain http on a non-loopback host'],
    [{ issuer: 'https://unknown.example' }, '"issuer" must name one of the configured issuers'],
    [{ timeout: 0 }, '"timeout" must be a finite number of seconds, more than 0'],
    [{ retryDelay: -1 }, '"retryDelay" must be a finite number of seconds, 0 or more'],
    [{ maxResponseBytes: 1.5 }, '"maxResponseBytes" must be a whole number'],
    [{ cache: { maxTtl: Number.NaN } }, '"cache.maxTtl" must be a finite number'],
    [{ cache: { maxEntries: 0 } }, '"cache.maxEntries" must be a whole number'],
    [{ cache: { store: {} as never } }, '"cache.store" must have get(key) and set'],
    [{ cache: 'yes' as never }, '"cache" must be an object or false'],
  ])('refuses %j at construction', (extra, message) => {
    expect(build(extra)).toThrow(message)
  })

  it('needs an issuer name with several issuers, and a usable discovery URL', () => {
    expect(build({}, { issuer: [ISSUER, 'https://b.example'], jwksUri: undefined })).toThrow(
      '"issuer" must name one of the configured issuers',
    )
    expect(() =>
      createVerifier({
        issuer: 'http://as.example',
        jwksUri: JWKS,
        audience: API,
        introspection: { clientId: 'x', clientSecret: 'y' },
      }),
    ).toThrow('cannot be used for discovery')
    expect(() =>
      createVerifier({
        issuer: ISSUER,
        audience: API,
        introspection: 'on' as never,
      }),
    ).toThrow('introspection: the option must be an object')
  })
})
