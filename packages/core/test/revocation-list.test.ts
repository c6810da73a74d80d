import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConfigurationError, OAuthError } from '../src/index.js'
import { createRevocationList, isRevocation } from '../src/revocation-list.js'

const T0 = Date.parse('2030-01-01T00:00:00Z')
const now = () => Math.floor(Date.now() / 1000)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(T0)
})
afterEach(() => vi.useRealTimers())

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('the in-memory revocation list', () => {
  it('refuses a token by its jti and accepts others', () => {
    const list = createRevocationList()
    list.revoke({ kind: 'jti', value: 'j1' })
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'j1' })).toBe(true)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'j2' })).toBe(false)
    expect(list.isRevoked({ iss: 'i', exp: 0 })).toBe(false)
  })

  it('refuses every token of a Cognito refresh-token family by origin_jti', () => {
    const list = createRevocationList()
    list.revoke({ kind: 'origin_jti', value: 'family' })
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'a', origin_jti: 'family' })).toBe(true)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'b', origin_jti: 'family' })).toBe(true)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'c', origin_jti: 'other' })).toBe(false)
    // A jti equal to a revoked origin_jti is not the same thing.
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'family' })).toBe(false)
  })

  it('refuses a subject’s tokens issued at or before the sign-out, and accepts later ones', () => {
    const list = createRevocationList()
    list.revoke({ kind: 'sub', value: 'alice' })
    const at = now()
    expect(list.isRevoked({ iss: 'i', exp: 0, sub: 'alice', iat: at - 60 })).toBe(true)
    expect(list.isRevoked({ iss: 'i', exp: 0, sub: 'alice', iat: at })).toBe(true)
    expect(list.isRevoked({ iss: 'i', exp: 0, sub: 'alice', iat: at + 1 })).toBe(false)
    expect(list.isRevoked({ iss: 'i', exp: 0, sub: 'bob', iat: at - 60 })).toBe(false)
  })

  it('refuses a revoked subject’s token that has no iat (its age is unknown)', () => {
    const list = createRevocationList()
    list.revoke({ kind: 'sub', value: 'alice' })
    expect(list.isRevoked({ iss: 'i', exp: 0, sub: 'alice' })).toBe(true)
  })

  it('keeps the later sign-out time of two for one subject', () => {
    const list = createRevocationList()
    list.revoke({ kind: 'sub', value: 'alice', at: now() + 100 })
    list.revoke({ kind: 'sub', value: 'alice', at: now() })
    expect(list.isRevoked({ iss: 'i', exp: 0, sub: 'alice', iat: now() + 50 })).toBe(true)
    list.merge([{ kind: 'sub', value: 'alice', at: now() + 200, expiresAt: now() + 99_999 }])
    expect(list.isRevoked({ iss: 'i', exp: 0, sub: 'alice', iat: now() + 150 })).toBe(true)
    expect(list.size).toBe(1)
  })

  it('forgets an entry once the longest-lived token it can match has expired', () => {
    const list = createRevocationList({ tokenLifetime: 3600 })
    const entry = list.revoke({ kind: 'jti', value: 'j1' })
    expect(entry).toEqual({ kind: 'jti', value: 'j1', at: now(), expiresAt: now() + 3600 })
    vi.setSystemTime(T0 + 3599_000)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'j1' })).toBe(true)
    vi.setSystemTime(T0 + 3600_000)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'j1' })).toBe(false)
    expect(list.size).toBe(0)
  })

  it('uses a given expiresAt (the revoked token’s exp) and skips an already expired one', () => {
    const list = createRevocationList()
    list.revoke({ kind: 'jti', value: 'short', expiresAt: now() + 10 })
    list.revoke({ kind: 'jti', value: 'gone', expiresAt: now() - 1 })
    expect(list.size).toBe(1)
    vi.setSystemTime(T0 + 10_000)
    expect(list.entries()).toEqual([])
  })

  it('is bounded: a full list drops expired entries first, then refuses with RangeError', () => {
    const list = createRevocationList({ maxEntries: 2 })
    list.revoke({ kind: 'jti', value: 'old', expiresAt: now() + 1 })
    list.revoke({ kind: 'jti', value: 'b' })
    vi.setSystemTime(T0 + 2000)
    list.revoke({ kind: 'jti', value: 'c' })
    expect(list.entries().map((e) => e.value)).toEqual(['b', 'c'])
    expect(() => list.revoke({ kind: 'origin_jti', value: 'd' })).toThrow(RangeError)
    // A value already held is updated in place, full or not.
    expect(list.revoke({ kind: 'jti', value: 'b', at: now() + 5 }).value).toBe('b')
  })

  it('answers 503 rather than forget a revocation when a merge does not fit, until a full load fits', () => {
    const list = createRevocationList({ maxEntries: 1 })
    const entry = (value: string) => ({
      kind: 'jti' as const,
      value,
      at: now(),
      expiresAt: now() + 60,
    })
    list.merge([entry('a'), entry('b')])
    const error = thrown(() => list.isRevoked({ iss: 'i', exp: 0, jti: 'x' }))
    expect(error).toBeInstanceOf(OAuthError)
    expect((error as OAuthError).reason).toBe('revocation_unavailable')
    list.merge([entry('a')]) // a partial update cannot tell what was lost
    expect(() => list.isRevoked({ iss: 'i', exp: 0 })).toThrow(OAuthError)
    list.merge([entry('a')], true)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'a' })).toBe(true)
  })

  it('rejects malformed revocations and skips malformed merged entries', () => {
    const list = createRevocationList()
    expect(() => list.revoke({ kind: 'email' as 'jti', value: 'x' })).toThrow(TypeError)
    expect(() => list.revoke({ kind: 'jti', value: '' })).toThrow(TypeError)
    expect(() => list.revoke({ kind: 'jti', value: 'x', at: Number.NaN })).toThrow(TypeError)
    list.merge([null, 'x', { kind: 'jti', value: 1 }] as never)
    expect(list.size).toBe(0)
    expect(isRevocation({ kind: 'sub', value: 's', at: 1, expiresAt: 2 })).toBe(true)
    expect(isRevocation({ kind: 'sub', value: 's', at: '1', expiresAt: 2 })).toBe(false)
  })

  it('as a replica: serves what it holds for maxStale seconds after its store was last reached, then 503', () => {
    const list = createRevocationList({ maxStale: 30, retryAfter: 2 })
    list.revoke({ kind: 'jti', value: 'j1' })
    list.confirm()
    vi.setSystemTime(T0 + 10_000)
    list.lost()
    vi.setSystemTime(T0 + 29_999)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'j1' })).toBe(true)
    list.lost() // repeated failures do not move the start
    vi.setSystemTime(T0 + 30_000)
    const error = thrown(() => list.isRevoked({ iss: 'i', exp: 0, jti: 'j2' })) as OAuthError
    expect(error.status).toBe(503)
    expect(error.headers['Retry-After']).toBe('2')
    list.confirm()
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'j2' })).toBe(false)
  })

  it('as a replica: fails closed at once with maxStale 0, and before its first load', () => {
    const closed = createRevocationList({ maxStale: 0 })
    closed.confirm()
    closed.lost()
    expect(() => closed.isRevoked({ iss: 'i', exp: 0 })).toThrow(OAuthError)
    const fresh = createRevocationList()
    fresh.lost()
    expect(() => fresh.isRevoked({ iss: 'i', exp: 0 })).toThrow(OAuthError)
    fresh.confirm()
    expect(fresh.isRevoked({ iss: 'i', exp: 0 })).toBe(false)
  })

  it('validates its options at construction', () => {
    expect(() => createRevocationList({ maxEntries: 0 })).toThrow(ConfigurationError)
    expect(() => createRevocationList({ maxEntries: 1.5 })).toThrow(/positive integer/)
    expect(() => createRevocationList({ tokenLifetime: 0 })).toThrow(/tokenLifetime/)
    expect(() => createRevocationList({ maxStale: -1 })).toThrow(/maxStale/)
    expect(() => createRevocationList({ retryAfter: Number.NaN })).toThrow(/retryAfter/)
  })

  it('finds one revoked jti among 10,000 entries and lets other tokens through', () => {
    const list = createRevocationList()
    for (let i = 0; i < 10_000; i++) list.revoke({ kind: 'jti', value: `j${i}` })
    expect(list.size).toBe(10_000)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'j9999' })).toBe(true)
    expect(list.isRevoked({ iss: 'i', exp: 0, jti: 'nope', sub: 'x', origin_jti: 'y' })).toBe(false)
  })
})
