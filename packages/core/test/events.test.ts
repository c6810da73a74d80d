import { delay, http, HttpResponse } from 'msw'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { EventHub, observeToken } from '../src/events.js'
import {
  createVerifier,
  OAuthError,
  type ScopeguardEvent,
  type VerificationEvent,
  type VerifierOptions,
} from '../src/index.js'
import { dpopKey, proof } from '../../../test/support/dpop.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { mint, nowSec, signingKey, type SigningKey } from '../../../test/support/tokens.js'

const A = 'https://a.issuer.example'
const D = 'https://discovering.issuer.example'
const jwksA = jwksEndpoint(`${A}/keys`)
const down = jwksEndpoint('https://down.example/keys')
down.failWith = 503
const server = serveJwks([jwksA, down])
let rsa: SigningKey
let ec: SigningKey

beforeAll(async () => {
  ;[rsa, ec] = await Promise.all([signingKey('RS256', 'rsa-a'), signingKey('ES256', 'ec-a')])
  jwksA.keys = [rsa.jwk, ec.jwk]
})
afterEach(() => {
  server.resetHandlers()
  vi.useRealTimers()
})

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: A,
  sub: 'user-7f3a',
  jti: 'jti-91c2',
  scope: 'photos.read',
  exp: nowSec() + 600,
  ...extra,
})

/** A verifier with a listener that keeps every event. */
function observed(options: Partial<VerifierOptions> = {}) {
  const verifier = createVerifier({ issuer: A, jwksUri: jwksA.url, audience: null, ...options })
  const events: ScopeguardEvent[] = []
  verifier.subscribe((event) => events.push(event))
  const verifications = () =>
    events.filter((event): event is VerificationEvent => event.type === 'verification')
  return { verifier, events, verifications }
}

const settle = (promise: Promise<unknown>) => promise.catch((error: unknown) => error)

describe('the event hub', () => {
  it('is inactive until a listener attaches, and again once every listener detached', () => {
    const hub = new EventHub()
    expect(hub.active).toBe(false)
    const first = hub.subscribe(() => undefined)
    const second = hub.subscribe(() => undefined)
    expect(hub.active).toBe(true)
    first()
    first()
    expect(hub.active).toBe(true)
    second()
    expect(hub.active).toBe(false)
  })

  it('keeps handing events to the other listeners when one throws or rejects', () => {
    const hub = new EventHub()
    const seen: string[] = []
    hub.subscribe(() => {
      throw new Error('listener bug')
    })
    hub.subscribe(() => Promise.reject(new Error('async listener bug')))
    hub.subscribe((event) => seen.push(event.type))
    hub.emit({ type: 'dpop_replay', issuer: A })
    expect(seen).toEqual(['dpop_replay'])
  })

  it('refuses a listener that is not a function', () => {
    expect(() => new EventHub().subscribe('log' as never)).toThrow(TypeError)
  })

  it('reports a failure that is not an OAuthError as outcome error (500)', async () => {
    const hub = new EventHub()
    const seen: ScopeguardEvent[] = []
    hub.subscribe((event) => seen.push(event))
    const failure = new Error('a bug')
    const asIs = (error: unknown) => error as Error
    await expect(observeToken(hub, 'bearer', () => Promise.reject(failure), asIs)).rejects.toBe(
      failure,
    )
    const sync = () => {
      throw failure
    }
    // A check that fails at once is reported and thrown at once, with no promise in between.
    expect(() => observeToken(hub, 'bearer', sync, asIs)).toThrow(failure)
    expect(seen).toMatchObject([
      { type: 'verification', outcome: 'error', status: 500, reason: undefined },
      { type: 'verification', outcome: 'error', status: 500, reason: undefined },
    ])
  })
})

describe('verification events', () => {
  it('reports an accepted token with its issuer, algorithm, duration and token-cache use', async () => {
    const { verifier, verifications } = observed()
    const token = await mint(ec, claims())
    await verifier.verify(token)
    await verifier.verify(token)
    const [first, second] = verifications()
    expect(first).toEqual({
      type: 'verification',
      stage: 'token',
      outcome: 'accepted',
      code: undefined,
      reason: undefined,
      status: 200,
      scheme: 'bearer',
      issuer: A,
      algorithm: 'ES256',
      cached: false,
      durationMs: expect.any(Number) as number,
    })
    expect(first?.durationMs).toBeGreaterThan(0)
    expect(second).toMatchObject({ outcome: 'accepted', cached: true, issuer: A })
  })

  it('reports each refusal with its reason, and what was known when it happened', async () => {
    const { verifier, verifications } = observed()
    await settle(verifier.verify(await mint(rsa, claims({ exp: nowSec() - 60 }))))
    await settle(verifier.verify(await mint(rsa, claims({ iss: 'https://other.example' }))))
    await settle(verifier.verify('not-a-jwt'))
    expect(verifications()).toMatchObject([
      { outcome: 'refused', code: 'invalid_token', reason: 'expired', status: 401, issuer: A },
      { outcome: 'refused', reason: 'bad_issuer', issuer: undefined, algorithm: 'RS256' },
      { outcome: 'refused', reason: 'malformed', issuer: undefined, algorithm: undefined },
    ])
  })

  it('reports a cached token that expired since as refused, from the cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { verifier, verifications } = observed({ clockTolerance: 0 })
    const token = await mint(rsa, claims({ exp: nowSec() + 30 }))
    await verifier.verify(token)
    vi.setSystemTime(Date.now() + 60_000)
    await settle(verifier.verify(token))
    expect(verifications()[1]).toMatchObject({
      outcome: 'refused',
      reason: 'expired',
      cached: true,
      issuer: A,
      algorithm: 'RS256',
    })
  })

  it('reports requests without credentials, malformed requests and anonymous passes', async () => {
    const { verifier, verifications } = observed()
    const request = (headers: Record<string, string | string[]>) => ({
      method: 'GET',
      url: '/photos',
      headers,
    })
    await settle(verifier.authenticate(request({})))
    await settle(verifier.authenticate(request({ authorization: ['Bearer a', 'Bearer b'] })))
    await verifier.authenticate(request({}), { optional: true })
    expect(verifications()).toMatchObject([
      { outcome: 'refused', reason: 'missing_token', status: 401, scheme: 'none' },
      { outcome: 'refused', code: 'invalid_request', status: 400, scheme: 'bearer' },
      { outcome: 'anonymous', reason: undefined, status: 200, scheme: 'none' },
    ])
  })

  it('reports a scope refusal as a 403 of the scope stage, and no event for a scope check that passes', async () => {
    const { verifier, verifications } = observed()
    const auth = await verifier.verify(await mint(rsa, claims()))
    verifier.requireScopes(auth, ['photos.read'])
    expect(() => verifier.requireScopes(auth, ['photos.write'])).toThrow(OAuthError)
    expect(() => verifier.requireScopes(undefined, ['photos.write'])).toThrow(OAuthError)
    expect(verifications()).toMatchObject([
      { stage: 'token', outcome: 'accepted' },
      {
        stage: 'scope',
        outcome: 'refused',
        reason: 'insufficient_scope',
        status: 403,
        issuer: A,
        algorithm: 'RS256',
      },
      { stage: 'scope', outcome: 'refused', reason: 'missing_token', scheme: 'none' },
    ])
  })

  it('reports the scope refusal of a DPoP request under the dpop scheme', async () => {
    const { verifier, verifications } = observed({ dpop: { publicOrigin: 'https://api.example' } })
    const key = await dpopKey()
    const token = await mint(rsa, claims({ cnf: { jkt: key.jkt } }))
    const dpop = await proof(key, { htm: 'GET', htu: 'https://api.example/photos', token })
    const auth = await verifier.authenticate({
      method: 'GET',
      url: '/photos',
      headers: { authorization: `DPoP ${token}`, dpop },
    })
    expect(() => verifier.requireScopes(auth, ['photos.write'])).toThrow(OAuthError)
    expect(verifications()).toMatchObject([
      { stage: 'token', outcome: 'accepted', scheme: 'dpop' },
      { stage: 'scope', outcome: 'refused', status: 403, scheme: 'dpop' },
    ])
  })

  it('reports 503 as unavailable, with the failed key-set fetch and what the cache does now', async () => {
    const { verifier, events } = observed({ jwksUri: down.url, jwksCache: { retryDelay: 3 } })
    await settle(verifier.verify(await mint(rsa, claims())))
    expect(events).toEqual([
      {
        type: 'jwks_fetch',
        url: down.url,
        result: 'http_error',
        status: 503,
        durationMs: expect.any(Number) as number,
        keyCount: undefined,
      },
      {
        type: 'jwks_refresh_failed',
        url: down.url,
        result: 'http_error',
        servingStale: false,
        retryAfterSeconds: 3,
      },
      expect.objectContaining({
        type: 'verification',
        outcome: 'unavailable',
        code: 'temporarily_unavailable',
        reason: 'jwks_unavailable',
        status: 503,
        issuer: A,
      }) as VerificationEvent,
    ])
  })

  it('keeps answering when a listener throws', async () => {
    const { verifier, verifications } = observed()
    verifier.subscribe(() => {
      throw new Error('listener bug')
    })
    const auth = await verifier.verify(await mint(rsa, claims()))
    expect(auth.subject).toBe('user-7f3a')
    expect(verifications()).toHaveLength(1)
  })

  it('stops reporting once the listener detached', async () => {
    const verifier = createVerifier({ issuer: A, jwksUri: jwksA.url, audience: null })
    const events: ScopeguardEvent[] = []
    const off = verifier.subscribe((event) => events.push(event))
    off()
    await verifier.verify(await mint(rsa, claims()))
    expect(() => verifier.requireScopes(undefined, ['photos.read'])).toThrow(OAuthError)
    expect(events).toEqual([])
  })

  it('never puts the token, a claim value or key material in an event', async () => {
    const { verifier, events } = observed()
    const good = await mint(rsa, claims())
    const expired = await mint(rsa, claims({ exp: nowSec() - 60 }))
    const auth = await verifier.verify(good)
    await settle(verifier.verify(expired))
    await settle(verifier.verify(`${good.slice(0, -4)}AAAA`))
    expect(() => verifier.requireScopes(auth, ['photos.write'])).toThrow(OAuthError)
    const text = JSON.stringify(events)
    for (const token of [good, expired]) {
      for (const segment of token.split('.')) expect(text).not.toContain(segment.slice(0, 16))
    }
    for (const value of ['user-7f3a', 'jti-91c2', 'photos.read', rsa.jwk.n as string]) {
      expect(text).not.toContain(value.slice(0, 16))
    }
  })
})

describe('key-set fetch events', () => {
  it('reports a fetched key set with its URL, status, duration and usable keys', async () => {
    const { verifier, events } = observed()
    await verifier.warmup()
    expect(events).toEqual([
      {
        type: 'jwks_fetch',
        url: jwksA.url,
        result: 'ok',
        status: 200,
        durationMs: expect.any(Number) as number,
        keyCount: 2,
      },
    ])
  })

  it.each([
    ['network_error', () => HttpResponse.error(), undefined],
    ['invalid', () => HttpResponse.json({ keys: 'none' }), 200],
    ['invalid', () => HttpResponse.text('<html>'), 200],
    ['too_large', () => HttpResponse.text('x'.repeat(70_000)), 200],
    ['http_error', () => new HttpResponse(null, { status: 404 }), 404],
  ] as const)('reports a %s fetch', async (result, answer, status) => {
    server.use(http.get(jwksA.url, answer))
    const { verifier, events } = observed()
    await settle(verifier.warmup())
    expect(events).toMatchObject([
      { type: 'jwks_fetch', url: jwksA.url, result, status, keyCount: undefined },
      { type: 'jwks_refresh_failed', result, servingStale: false },
    ])
  })

  it('reports a fetch that times out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    server.use(http.get(jwksA.url, () => delay('infinite')))
    const { verifier, events } = observed({ jwksCache: { timeout: 1 } })
    const pending = settle(verifier.warmup())
    await vi.advanceTimersByTimeAsync(1000)
    await pending
    expect(events[0]).toMatchObject({ type: 'jwks_fetch', result: 'timeout', status: undefined })
  })

  it('reports a discovery that fails, without a URL', async () => {
    server.use(http.get(`${D}/*`, () => new HttpResponse(null, { status: 500 })))
    const { verifier, events } = observed({ issuer: D, jwksUri: undefined })
    await settle(verifier.warmup())
    expect(events).toMatchObject([
      { type: 'jwks_fetch', url: undefined, result: 'discovery', status: undefined },
      { type: 'jwks_refresh_failed', url: undefined, result: 'discovery', servingStale: false },
    ])
  })

  it('reports a failed refresh while the expired keys keep serving', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { verifier, events } = observed({ jwksCache: { maxAge: 60, minMaxAge: 60 } })
    await verifier.warmup()
    server.use(http.get(jwksA.url, () => new HttpResponse(null, { status: 502 })))
    vi.setSystemTime(Date.now() + 61_000)
    await verifier.warmup()
    expect(events.slice(1)).toMatchObject([
      { type: 'jwks_fetch', result: 'http_error', status: 502 },
      { type: 'jwks_refresh_failed', result: 'http_error', servingStale: true },
    ])
  })
})

describe('introspection events', () => {
  const AS = 'https://as.events.example'
  const ENDPOINT = `${AS}/introspect`
  const OPAQUE = 'b3BhcXVlLXRva2VuLWZvci1ldmVudHM'
  const introspecting = () =>
    observed({
      issuer: AS,
      jwksUri: null,
      jwks: { keys: [] },
      introspection: { endpoint: ENDPOINT, clientId: 'api', clientSecret: 'not-in-events' },
    })
  const answer = (body: Record<string, unknown>, status = 200) =>
    server.use(http.post(ENDPOINT, () => HttpResponse.json(body, { status })))

  it('reports each call with its result, and a cached result as a cached verification', async () => {
    answer({ active: true, iss: AS, sub: 'user-7f3a', scope: 'photos.read', exp: nowSec() + 600 })
    const { verifier, events } = introspecting()
    await verifier.verify(OPAQUE)
    await verifier.verify(OPAQUE)
    expect(events).toMatchObject([
      { type: 'introspection', result: 'active', status: undefined },
      {
        type: 'verification',
        outcome: 'accepted',
        issuer: AS,
        algorithm: undefined,
        cached: false,
      },
      { type: 'verification', outcome: 'accepted', cached: true },
    ])
    expect(JSON.stringify(events)).not.toContain(OPAQUE.slice(0, 16))
    expect(JSON.stringify(events)).not.toContain('not-in-events')
  })

  it('reports an inactive token, and an endpoint that fails with its status', async () => {
    answer({ active: false })
    const { verifier, events } = introspecting()
    await settle(verifier.verify(OPAQUE))
    answer({ error: 'busy' }, 503)
    await settle(verifier.verify(`${OPAQUE}2`))
    expect(events).toMatchObject([
      { type: 'introspection', result: 'inactive' },
      { type: 'verification', outcome: 'refused', reason: 'inactive', status: 401 },
      { type: 'introspection', result: 'error', status: 503 },
      {
        type: 'verification',
        outcome: 'unavailable',
        reason: 'introspection_unavailable',
        status: 503,
      },
    ])
  })
})
