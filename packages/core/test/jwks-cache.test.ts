import type { JWK } from 'jose'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { backend as nodeBackend } from '../src/crypto/node-backend.js'
import { backend as webBackend } from '../src/crypto/webcrypto-backend.js'
import { Refusal } from '../src/errors.js'
import { JwksCache, type JwksCacheSettings } from '../src/jwks-cache.js'
import { signingKey, type SigningKey } from '../../../test/support/tokens.js'

/** A key server the cache fetches from through its injected `fetch`; tests switch its answers. */
interface KeyServer {
  keys: JWK[]
  hits: number
  /** Answer this status instead of the key set. */
  status: number
  /** Answer this body instead of the key set. */
  body: string | undefined
  cacheControl: string | undefined
  /** Hold every answer until release() is called. */
  hold: boolean
  release: () => void
  fetch: typeof globalThis.fetch
}

function keyServer(keys: JWK[]): KeyServer {
  const waiting: (() => void)[] = []
  const server: KeyServer = {
    keys,
    hits: 0,
    status: 200,
    body: undefined,
    cacheControl: undefined,
    hold: false,
    release: () => waiting.splice(0).forEach((go) => go()),
    fetch: async () => {
      server.hits++
      if (server.hold) await new Promise<void>((go) => waiting.push(go))
      const headers = new Headers({ 'content-type': 'application/json' })
      if (server.cacheControl !== undefined) headers.set('cache-control', server.cacheControl)
      const body = server.body ?? JSON.stringify({ keys: server.keys })
      return new Response(server.status === 200 ? body : null, { status: server.status, headers })
    },
  }
  return server
}

let rsa: SigningKey
let rsa2: SigningKey
let ec: SigningKey
let ed: SigningKey

beforeAll(async () => {
  ;[rsa, rsa2, ec, ed] = await Promise.all([
    signingKey('RS256', 'rsa-1'),
    signingKey('RS256', 'rsa-2'),
    signingKey('ES256', 'ec-1'),
    signingKey('EdDSA', 'ed-1'),
  ])
})
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] })
})
afterEach(() => {
  vi.useRealTimers()
})

const SECOND = 1000

function cache(server: KeyServer, extra: Partial<JwksCacheSettings> = {}): JwksCache {
  return new JwksCache({
    fetch: server.fetch,
    timeoutMs: 5 * SECOND,
    maxBytes: 65536,
    locate: () => Promise.resolve(new URL('https://keys.example/jwks')),
    backend: nodeBackend,
    cooldownMs: 10 * SECOND,
    defaultTtlMs: 600 * SECOND,
    minTtlMs: 60 * SECOND,
    maxTtlMs: 86400 * SECOND,
    maxStaleMs: 86400 * SECOND,
    retryDelayMs: 5 * SECOND,
    ...extra,
  })
}

async function lookupFailure(promise: Promise<unknown>): Promise<Refusal> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Refusal)
  return error as Refusal
}

describe('JwksCache: fetching', () => {
  it('fetches once for 50 concurrent cold lookups and serves them all', async () => {
    const server = keyServer([rsa.jwk, ec.jwk])
    server.hold = true
    const jwks = cache(server)
    const lookups = Array.from({ length: 50 }, (_, i) =>
      jwks.getKey(i % 2 === 0 ? 'rsa-1' : 'ec-1', i % 2 === 0 ? 'RS256' : 'ES256'),
    )
    await vi.advanceTimersByTimeAsync(0)
    server.release()
    const keys = await Promise.all(lookups)
    expect(server.hits).toBe(1)
    expect(jwks.fetches).toBe(1)
    expect(new Set(keys.map((k) => k.entry.kid))).toEqual(new Set(['rsa-1', 'ec-1']))
    // The imported key is cached on the entry: the same object each time.
    expect((await jwks.getKey('rsa-1', 'RS256')).key).toBe(keys[0]?.key)
  })

  it('serves from the cache until max-age passes, then refreshes in the background', async () => {
    const server = keyServer([rsa.jwk])
    server.cacheControl = 'max-age=120'
    const jwks = cache(server)
    await jwks.warmup()
    await jwks.warmup()
    expect(server.hits).toBe(1)
    await vi.advanceTimersByTimeAsync(119 * SECOND)
    await jwks.getKey('rsa-1', 'RS256')
    expect(server.hits).toBe(1)
    await vi.advanceTimersByTimeAsync(2 * SECOND)
    // Expired: the old keys answer at once while a refresh runs.
    await jwks.getKey('rsa-1', 'RS256')
    await vi.advanceTimersByTimeAsync(0)
    expect(server.hits).toBe(2)
  })

  it('bounds max-age between minMaxAge and maxMaxAge and uses maxAge when none is sent', async () => {
    const cases: [string | undefined, number][] = [
      ['max-age=5', 60],
      ['max-age=999999', 86400],
      [undefined, 600],
      ['no-store', 60],
    ]
    for (const [header, ttl] of cases) {
      const server = keyServer([rsa.jwk])
      server.cacheControl = header
      const jwks = cache(server)
      await jwks.warmup()
      await vi.advanceTimersByTimeAsync(ttl * SECOND - 1)
      await jwks.warmup()
      expect(server.hits, `${header}: still fresh`).toBe(1)
      await vi.advanceTimersByTimeAsync(1)
      await jwks.warmup()
      expect(server.hits, `${header}: expired after ${ttl} s`).toBe(2)
    }
  })

  it('changes the generation only when the key set changes', async () => {
    const server = keyServer([rsa.jwk])
    const jwks = cache(server, { defaultTtlMs: 60 * SECOND })
    expect(jwks.generation).toBe(0)
    await jwks.warmup()
    expect(jwks.generation).toBe(1)
    const entry = (await jwks.getKey('rsa-1', 'RS256')).entry
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    await jwks.warmup()
    expect(server.hits).toBe(2)
    expect(jwks.generation).toBe(1)
    expect(jwks.holds(entry)).toBe(true)
    server.keys = [rsa2.jwk]
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    await jwks.warmup()
    expect(jwks.generation).toBe(2)
    expect(jwks.holds(entry)).toBe(false)
  })

  it('locates the key-set URL again whenever the keys expire, and follows a move', async () => {
    const { jwks, first, second, located } = movingKeys({ defaultTtlMs: 60 * SECOND })
    await jwks.warmup()
    expect([first.hits, second.hits, located()]).toEqual([1, 0, 1])
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    await jwks.warmup()
    expect([first.hits, second.hits, located()]).toEqual([1, 1, 2])
    expect((await jwks.getKey('rsa-2', 'RS256')).entry.kid).toBe('rsa-2')
  })
})

const FIRST_URL = 'https://keys.example/v1/jwks'
const SECOND_URL = 'https://keys.example/v2/jwks'

/**
 * A cache whose issuer publishes rsa-1 at FIRST_URL and rsa-2 at SECOND_URL, and whose locate
 * answers FIRST_URL once, then SECOND_URL (or, with `failAfterFirst`, fails from then on).
 */
function movingKeys(extra: Partial<JwksCacheSettings> = {}, failAfterFirst = false) {
  const first = keyServer([rsa.jwk])
  const second = keyServer([rsa2.jwk])
  let calls = 0
  const fetch: typeof globalThis.fetch = (input, init) => {
    const href = input instanceof Request ? input.url : String(input)
    return (href === FIRST_URL ? first : second).fetch(input, init)
  }
  const locate = () => {
    calls++
    if (calls === 1) return Promise.resolve(new URL(FIRST_URL))
    return failAfterFirst
      ? Promise.reject(new Error('discovery failed'))
      : Promise.resolve(new URL(SECOND_URL))
  }
  const jwks = cache(first, { fetch, locate, ...extra })
  return { jwks, first, second, located: () => calls }
}

describe('JwksCache: the key-set URL moves', () => {
  it('re-locates on an unknown kid and finds the key at the new URL, never asking the old one again', async () => {
    const { jwks, first, second, located } = movingKeys()
    await jwks.warmup()
    expect((await jwks.getKey('rsa-2', 'RS256')).entry.kid).toBe('rsa-2')
    expect([first.hits, second.hits, located()]).toEqual([1, 1, 2])
    // Inside the cooldown, more unknown kids neither re-locate nor fetch.
    for (let i = 0; i < 20; i++) {
      expect((await lookupFailure(jwks.getKey(`random-${i}`, 'RS256'))).reason).toBe('unknown_kid')
    }
    expect([first.hits, second.hits, located()]).toEqual([1, 1, 2])
    // Later refreshes go to the new URL only.
    await vi.advanceTimersByTimeAsync(600 * SECOND)
    await jwks.warmup()
    expect([first.hits, second.hits, located()]).toEqual([1, 2, 3])
    // The old key left with the old URL.
    expect((await lookupFailure(jwks.getKey('rsa-1', 'RS256'))).reason).toBe('unknown_kid')
  })

  it('keeps the last good URL and keys when re-locating fails', async () => {
    const { jwks, first, second, located } = movingKeys({ defaultTtlMs: 60 * SECOND }, true)
    await jwks.warmup()
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    await jwks.warmup()
    // Discovery failed; the keys were refreshed from the URL that served them before.
    expect([first.hits, second.hits, located()]).toEqual([2, 0, 2])
    expect((await jwks.getKey('rsa-1', 'RS256')).entry.kid).toBe('rsa-1')
    // And when that URL fails too, the cached keys keep serving (stale-if-error).
    first.status = 500
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    await jwks.warmup()
    expect(first.hits).toBe(3)
    expect((await jwks.getKey('rsa-1', 'RS256')).entry.kid).toBe('rsa-1')
  })

  it('keeps the old keys and URL while the new URL cannot serve keys', async () => {
    const { jwks, first, second, located } = movingKeys({ defaultTtlMs: 60 * SECOND })
    await jwks.warmup()
    second.status = 503
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    await jwks.warmup()
    expect([first.hits, second.hits, located()]).toEqual([1, 1, 2])
    expect((await jwks.getKey('rsa-1', 'RS256')).entry.kid).toBe('rsa-1')
    // Once the new URL answers, the next fetch (after the retry delay) takes its keys.
    second.status = 200
    await vi.advanceTimersByTimeAsync(5 * SECOND)
    await jwks.warmup()
    expect([first.hits, second.hits, located()]).toEqual([1, 2, 3])
    expect((await jwks.getKey('rsa-2', 'RS256')).entry.kid).toBe('rsa-2')
  })
})

describe('JwksCache: unknown kids', () => {
  it('refetches at once for an unknown kid, then at most once per cooldown', async () => {
    const server = keyServer([rsa.jwk])
    const jwks = cache(server)
    await jwks.warmup()
    server.keys = [rsa.jwk, rsa2.jwk]
    // Rotated in right after start-up: found at once.
    expect((await jwks.getKey('rsa-2', 'RS256')).entry.kid).toBe('rsa-2')
    expect(server.hits).toBe(2)
    // A flood of random kids inside the cooldown costs nothing.
    for (let i = 0; i < 100; i++) {
      expect((await lookupFailure(jwks.getKey(`random-${i}`, 'RS256'))).reason).toBe('unknown_kid')
    }
    expect(server.hits).toBe(2)
    await vi.advanceTimersByTimeAsync(10 * SECOND)
    expect((await lookupFailure(jwks.getKey('random-x', 'RS256'))).reason).toBe('unknown_kid')
    expect(server.hits).toBe(3)
    // Good tokens are unaffected throughout.
    expect((await jwks.getKey('rsa-1', 'RS256')).entry.kid).toBe('rsa-1')
  })

  it('waits for a refresh already running instead of starting another', async () => {
    const server = keyServer([rsa.jwk])
    const jwks = cache(server, { defaultTtlMs: 60 * SECOND })
    await jwks.warmup()
    server.keys = [rsa.jwk, rsa2.jwk]
    server.hold = true
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    const first = jwks.getKey('rsa-1', 'RS256') // starts a background refresh
    await vi.advanceTimersByTimeAsync(0)
    const second = jwks.getKey('rsa-2', 'RS256') // unknown: joins it
    await vi.advanceTimersByTimeAsync(0)
    server.release()
    expect((await first).entry.kid).toBe('rsa-1')
    expect((await second).entry.kid).toBe('rsa-2')
    expect(server.hits).toBe(2)
  })

  it('never fetches for a static key set', async () => {
    const server = keyServer([])
    const jwks = cache(server, { preload: { keys: [rsa.jwk] }, staticOnly: true })
    await jwks.warmup()
    expect((await jwks.getKey('rsa-1', 'RS256')).entry.kid).toBe('rsa-1')
    expect((await lookupFailure(jwks.getKey('other', 'RS256'))).reason).toBe('unknown_kid')
    await vi.advanceTimersByTimeAsync(10 * 86400 * SECOND)
    await jwks.getKey('rsa-1', 'RS256')
    expect(server.hits).toBe(0)
  })

  it('serves preloaded keys, then fetches when a kid is unknown', async () => {
    const server = keyServer([rsa.jwk, rsa2.jwk])
    const jwks = cache(server, { preload: { keys: [rsa.jwk] } })
    await jwks.getKey('rsa-1', 'RS256')
    expect(server.hits).toBe(0)
    await jwks.getKey('rsa-2', 'RS256')
    expect(server.hits).toBe(1)
  })
})

describe('JwksCache: key selection', () => {
  it('picks among keys with the same kid by type, and refuses when still ambiguous', async () => {
    const server = keyServer([
      { ...rsa.jwk, kid: 'same' },
      { ...ec.jwk, kid: 'same' },
    ])
    const jwks = cache(server)
    expect((await jwks.getKey('same', 'ES256')).entry.kty).toBe('EC')
    expect((await jwks.getKey('same', 'RS256')).entry.kty).toBe('RSA')
    server.keys = [
      { ...rsa.jwk, kid: 'same' },
      { ...rsa2.jwk, kid: 'same' },
    ]
    const again = cache(server)
    expect((await lookupFailure(again.getKey('same', 'RS256'))).reason).toBe('unusable_key')
  })

  it('uses the only fitting key for a token without kid, and refuses when several or none fit', async () => {
    expect((await cache(keyServer([rsa.jwk, ec.jwk])).getKey(undefined, 'ES256')).entry.kid).toBe(
      'ec-1',
    )
    const many = cache(keyServer([rsa.jwk, rsa2.jwk]))
    expect((await lookupFailure(many.getKey(undefined, 'RS256'))).reason).toBe('unusable_key')
    // No key of the set fits: treated as an unknown kid (one refetch per cooldown, then refused).
    const server = keyServer([rsa.jwk])
    const none = cache(server)
    await none.warmup()
    expect((await lookupFailure(none.getKey(undefined, 'ES256'))).reason).toBe('unknown_kid')
    expect((await lookupFailure(none.getKey(undefined, 'ES256'))).reason).toBe('unknown_kid')
    expect(server.hits).toBe(2)
  })

  it('reports a kid whose key does not fit the algorithm, or was refused, as unusable', async () => {
    const server = keyServer([rsa.jwk, { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' }])
    const jwks = cache(server)
    expect((await lookupFailure(jwks.getKey('rsa-1', 'ES256'))).reason).toBe('unusable_key')
    expect((await lookupFailure(jwks.getKey('hmac', 'RS256'))).reason).toBe('unusable_key')
    expect(server.hits).toBe(1)
  })

  it('reports a key the backend cannot import as unusable, every time', async () => {
    const broken = { ...ec.jwk, kid: 'broken', x: rsa2.jwk.n!.slice(0, 43) }
    for (const backend of [nodeBackend, webBackend]) {
      const jwks = cache(keyServer([broken]), { backend })
      expect((await lookupFailure(jwks.getKey('broken', 'ES256'))).reason).toBe('unusable_key')
      expect((await lookupFailure(jwks.getKey('broken', 'ES256'))).reason).toBe('unusable_key')
    }
  })

  it('imports keys through the Web Crypto backend once and reuses them', async () => {
    const jwks = cache(keyServer([ed.jwk]), { backend: webBackend })
    const first = await jwks.getKey('ed-1', 'EdDSA')
    const second = await jwks.getKey('ed-1', 'EdDSA')
    expect(second.key).toBe(first.key)
  })
})

describe('JwksCache: a failing key server', () => {
  it('is unavailable with a retry delay when there are no keys yet, and backs off', async () => {
    const server = keyServer([rsa.jwk])
    server.status = 500
    const jwks = cache(server)
    const error = await lookupFailure(jwks.getKey('rsa-1', 'RS256'))
    expect(error.reason).toBe('jwks_unavailable')
    expect(error.retryAfter).toBe(5)
    expect(server.hits).toBe(1)
    await vi.advanceTimersByTimeAsync(3 * SECOND)
    const backedOff = await lookupFailure(jwks.warmup())
    expect(backedOff.retryAfter).toBe(2)
    expect(server.hits).toBe(1)
    server.status = 200
    await vi.advanceTimersByTimeAsync(2 * SECOND)
    await jwks.warmup()
    expect(server.hits).toBe(2)
  })

  it.each([
    ['invalid JSON', '{"keys":'],
    ['a document that is not a key set', '{"keys": {}}'],
    ['a JSON array', '[]'],
  ])('treats %s as a failed fetch', async (_name, body) => {
    const server = keyServer([])
    server.body = body
    expect((await lookupFailure(cache(server).warmup())).reason).toBe('jwks_unavailable')
  })

  it('keeps serving stale keys while the server is down, up to staleIfError', async () => {
    const server = keyServer([rsa.jwk])
    const jwks = cache(server, { defaultTtlMs: 60 * SECOND, maxStaleMs: 300 * SECOND })
    await jwks.warmup()
    server.status = 503
    await vi.advanceTimersByTimeAsync(60 * SECOND)
    await jwks.getKey('rsa-1', 'RS256')
    await vi.advanceTimersByTimeAsync(0)
    expect(server.hits).toBe(2)
    await vi.advanceTimersByTimeAsync(200 * SECOND)
    expect((await jwks.getKey('rsa-1', 'RS256')).entry.kid).toBe('rsa-1')
    await vi.advanceTimersByTimeAsync(100 * SECOND)
    expect((await lookupFailure(jwks.getKey('rsa-1', 'RS256'))).reason).toBe('jwks_unavailable')
  })

  it('answers unavailable when locating the key set fails', async () => {
    const jwks = cache(keyServer([rsa.jwk]), {
      locate: () => Promise.reject(new Error('discovery failed')),
    })
    const error = await lookupFailure(jwks.warmup())
    expect(error.reason).toBe('jwks_unavailable')
    expect((error.cause as Error).message).toBe('discovery failed')
  })
})
