import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createVerifier, type VerifierOptions } from '../src/index.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { outcome } from '../../../test/support/outcome.js'
import { signingKey, mint, nowSec, type SigningKey } from '../../../test/support/tokens.js'

const ISS = 'https://issuer.example'
const jwks = jwksEndpoint(`${ISS}/keys`)
serveJwks([jwks])
let k1: SigningKey
let k2: SigningKey

beforeAll(async () => {
  k1 = await signingKey('ES256', 'k1')
  k2 = await signingKey('RS256', 'k2')
})
beforeEach(() => {
  jwks.keys = [k1.jwk]
  jwks.hits = 0
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
})
afterEach(() => vi.useRealTimers())

const make = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: ISS, jwksUri: jwks.url, audience: null, ...options })
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: ISS,
  exp: nowSec() + 3600,
  ...extra,
})

describe('the verified-token cache', () => {
  it('returns the same AuthInfo for the same token', async () => {
    const verifier = make()
    const token = await mint(k1, claims())
    const first = await verifier.verify(token)
    expect(await verifier.verify(token)).toBe(first)
    expect(verifier.stats().tokenCacheSize).toBe(1)
  })

  it('is keyed by the whole token: a changed signature is verified, and fails', async () => {
    const verifier = make()
    const token = await mint(k1, claims())
    await verifier.verify(token)
    const [h, p, s] = token.split('.') as [string, string, string]
    const flipped = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`
    expect(await outcome(verifier.verify(flipped))).toBe('invalid_token/bad_signature')
    // ES256 signatures are randomized: same claims, another valid token, another entry.
    const again = await mint(k1, claims())
    expect(again).not.toBe(token)
    expect(await verifier.verify(again)).not.toBe(await verifier.verify(token))
    expect(verifier.stats().tokenCacheSize).toBe(2)
  })

  it('serves an entry only to the identical token, even when another token ends the same way', async () => {
    const verifier = make()
    const token = await mint(k1, claims({ sub: 'a' }))
    const auth = await verifier.verify(token)
    // Same last characters (the signature's end), another payload: a miss, then a failed check.
    const [h, , s] = token.split('.') as [string, string, string]
    const forged = `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'b' }))).toString('base64url')}.${s}`
    expect(forged.slice(-32)).toBe(token.slice(-32))
    expect(await outcome(verifier.verify(forged))).toBe('invalid_token/bad_signature')
    expect(await verifier.verify(token)).toBe(auth)
    expect(verifier.stats().tokenCacheSize).toBe(1)
  })

  it('never serves a token past its exp', async () => {
    const verifier = make({ clockTolerance: 0 })
    const token = await mint(k1, claims({ exp: nowSec() + 30 }))
    await verifier.verify(token)
    vi.setSystemTime(Date.now() + 30_000)
    expect(await outcome(verifier.verify(token))).toBe('invalid_token/expired')
    expect(verifier.stats().tokenCacheSize).toBe(0)
  })

  it('is bounded: the least recently used token is dropped first', async () => {
    const verifier = make({ tokenCache: { maxEntries: 2 } })
    const [a, b, c] = await Promise.all([
      mint(k1, claims({ n: 1 })),
      mint(k1, claims({ n: 2 })),
      mint(k1, claims({ n: 3 })),
    ])
    const authA = await verifier.verify(a)
    const authB = await verifier.verify(b)
    expect(await verifier.verify(a)).toBe(authA) // a is now the most recent
    await verifier.verify(c) // full: c is refused entry on its first verification
    await verifier.verify(c) // admitted on its second, evicting b
    expect(verifier.stats().tokenCacheSize).toBe(2)
    expect(await verifier.verify(a)).toBe(authA)
    expect(await verifier.verify(b)).not.toBe(authB)
  })

  it('moves a hit entry only when it is over maxEntries/4 moves old, keeping recent ones', async () => {
    const verifier = make({ tokenCache: { maxEntries: 8 } })
    const tokens = await Promise.all(Array.from({ length: 15 }, (_, n) => mint(k1, claims({ n }))))
    const first = new Map<string, unknown>()
    for (const token of tokens.slice(0, 8)) first.set(token, await verifier.verify(token))
    const [a, b] = tokens as [string, string]
    const [g, h] = tokens.slice(6, 8) as [string, string]
    expect(await verifier.verify(a)).toBe(first.get(a)) // 7 moves old: moved to the young end
    expect(await verifier.verify(h)).toBe(first.get(h)) // recent: left in place
    expect(await verifier.verify(g)).toBe(first.get(g))
    for (const token of tokens.slice(8, 13)) {
      await verifier.verify(token) // full: refused entry on the first verification
      await verifier.verify(token) // admitted on the second: b..f dropped, one each
    }
    expect(verifier.stats().tokenCacheSize).toBe(8)
    expect(await verifier.verify(a)).toBe(first.get(a))
    expect(await verifier.verify(g)).toBe(first.get(g))
    expect(await verifier.verify(h)).toBe(first.get(h))
    const again = await verifier.verify(b) // dropped: verified anew
    expect(again).not.toBe(first.get(b))
    expect(again).toEqual(first.get(b))
  })

  it('once full, admits a token on its second verification only, so one-off tokens never evict', async () => {
    const verifier = make({ tokenCache: { maxEntries: 2 } })
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, n) => mint(k1, claims({ n }))))
    const [a, b] = tokens as [string, string]
    const authA = await verifier.verify(a)
    const authB = await verifier.verify(b)
    for (const token of tokens.slice(2)) await verifier.verify(token) // a stream of one-off tokens
    expect(verifier.stats().tokenCacheSize).toBe(2)
    expect(await verifier.verify(a)).toBe(authA)
    expect(await verifier.verify(b)).toBe(authB)
    const last = tokens[5]! // refused lately (refusals are forgotten in bulk, two at a time here)
    const admitted = await verifier.verify(last) // refused before: admitted now, evicting a
    expect(await verifier.verify(last)).toBe(admitted)
    expect(await verifier.verify(a)).not.toBe(authA)
  })

  it('remembers nothing with maxEntries 0 or tokenCache: false', async () => {
    const token = await mint(k1, claims())
    for (const tokenCache of [false, { maxEntries: 0 }] as const) {
      const verifier = make({ tokenCache })
      const first = await verifier.verify(token)
      expect(await verifier.verify(token)).not.toBe(first)
      expect(await verifier.verify(token)).toEqual(first)
      expect(verifier.stats().tokenCacheSize).toBe(0)
    }
  })

  it('drops a token once its signing key leaves the key set (generation change)', async () => {
    const verifier = make()
    const old = await mint(k1, claims())
    const oldAuth = await verifier.verify(old)
    expect(verifier.stats().generations[ISS]).toBe(1)
    // The issuer rotates: k1 is gone, k2 is new. A k2 token's unknown kid refetches the set.
    jwks.keys = [k2.jwk]
    await verifier.verify(await mint(k2, claims()))
    expect(verifier.stats().generations[ISS]).toBe(2)
    expect(await outcome(verifier.verify(old))).toBe('invalid_token/unknown_kid')
    expect(oldAuth.token).toBe(old)
  })

  it('keeps serving a token whose key is still in a changed key set', async () => {
    const verifier = make()
    const token = await mint(k1, claims())
    const auth = await verifier.verify(token)
    jwks.keys = [k1.jwk, k2.jwk]
    await verifier.verify(await mint(k2, claims()))
    expect(verifier.stats().generations[ISS]).toBe(2)
    expect(await verifier.verify(token)).toBe(auth)
  })

  it('refreshes a due key set on hits, so a withdrawn key is noticed with cached tokens only', async () => {
    const verifier = make({ jwksCache: { maxAge: 60, minMaxAge: 0 } })
    const token = await mint(k1, claims())
    const auth = await verifier.verify(token)
    expect(jwks.hits).toBe(1)
    jwks.keys = [k2.jwk]
    expect(await verifier.verify(token)).toBe(auth) // key set still fresh: no fetch
    expect(jwks.hits).toBe(1)
    vi.setSystemTime(Date.now() + 61_000)
    expect(await verifier.verify(token)).toBe(auth) // served, and a refresh starts
    await vi.waitFor(() => expect(verifier.stats().generations[ISS]).toBe(2))
    expect(jwks.hits).toBe(2)
    expect(await outcome(verifier.verify(token))).toBe('invalid_token/unknown_kid')
  })

  it('keeps serving cached tokens when the due refresh fails (the key was valid when verified)', async () => {
    const verifier = make({ jwksCache: { maxAge: 60, minMaxAge: 0, staleIfError: 0 } })
    const token = await mint(k1, claims())
    const auth = await verifier.verify(token)
    jwks.failWith = 500
    try {
      vi.setSystemTime(Date.now() + 61_000)
      expect(await verifier.verify(token)).toBe(auth)
      await vi.waitFor(() => expect(jwks.hits).toBe(2))
      expect(await verifier.verify(token)).toBe(auth)
      // An uncached token needs the keys, which cannot be had: 503.
      expect(await outcome(verifier.verify(await mint(k1, claims({ n: 2 }))))).toBe(
        'temporarily_unavailable/jwks_unavailable',
      )
    } finally {
      jwks.failWith = undefined
    }
  })

  it('runs the validators again on every hit', async () => {
    const denied = new Set<string>()
    let calls = 0
    const verifier = make({
      validators: [
        (auth) => {
          calls++
          return !denied.has(String(auth.claims.jti))
        },
      ],
    })
    const token = await mint(k1, claims({ jti: 'j-1' }))
    await verifier.verify(token)
    await verifier.verify(token)
    expect(calls).toBe(2)
    denied.add('j-1')
    expect(await outcome(verifier.verify(token))).toBe('invalid_token/rejected')
    expect(calls).toBe(3)
  })
})
