import { beforeAll, describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createRevocationList,
  createVerifier,
  OAuthError,
  type RevocationSource,
  type ScopeguardEvent,
  type VerifierOptions,
} from '../src/index.js'
import { outcome } from '../../../test/support/outcome.js'
import { mint, nowSec, signingKey, type SigningKey } from '../../../test/support/tokens.js'

const ISS = 'https://issuer.example'
let key: SigningKey
beforeAll(async () => {
  key = await signingKey('ES256', 'k1')
})

const make = (options: Partial<VerifierOptions>) =>
  createVerifier({
    issuer: ISS,
    jwks: { keys: [key.jwk] },
    jwksUri: null,
    audience: null,
    ...options,
  })
const token = (claims: Record<string, unknown> = {}) =>
  mint(key, {
    iss: ISS,
    exp: nowSec() + 600,
    iat: nowSec() - 10,
    jti: 'j1',
    sub: 'alice',
    ...claims,
  })

describe('a verifier with a revocation source', () => {
  it('refuses a revoked token with 401 invalid_token "The access token was revoked"', async () => {
    const revocations = createRevocationList()
    const verifier = make({ revocation: revocations })
    revocations.revoke({ kind: 'jti', value: 'j1' })
    const error = (await verifier.verify(await token()).catch((e: unknown) => e)) as OAuthError
    expect(error).toBeInstanceOf(OAuthError)
    expect(error.status).toBe(401)
    expect(error.reason).toBe('revoked')
    expect(error.headers['WWW-Authenticate']).toContain(
      'error="invalid_token", error_description="The access token was revoked"',
    )
    expect(await outcome(verifier.verify(await token({ jti: 'j2' })))).toBe('accepted')
  })

  it('refuses a token revoked while it sits in the token cache', async () => {
    const revocations = createRevocationList()
    const verifier = make({ revocation: revocations })
    const cached = await token({ origin_jti: 'family' })
    const first = await verifier.verify(cached)
    expect(await verifier.verify(cached)).toBe(first) // a cache hit
    revocations.revoke({ kind: 'origin_jti', value: 'family' })
    expect(await outcome(verifier.verify(cached))).toBe('invalid_token/revoked')
    expect(verifier.stats().tokenCacheSize).toBe(1)
  })

  it('refuses a signed-out subject’s older tokens and accepts the ones issued after', async () => {
    const revocations = createRevocationList()
    const verifier = make({ revocation: revocations })
    revocations.revoke({ kind: 'sub', value: 'alice', at: nowSec() - 5 })
    expect(await outcome(verifier.verify(await token()))).toBe('invalid_token/revoked')
    expect(await outcome(verifier.verify(await token({ iat: nowSec() })))).toBe('accepted')
  })

  it('does not remember a token refused as revoked', async () => {
    const revocations = createRevocationList()
    revocations.revoke({ kind: 'jti', value: 'j1' })
    const verifier = make({ revocation: revocations })
    await outcome(verifier.verify(await token()))
    expect(verifier.stats().tokenCacheSize).toBe(0)
  })

  it('awaits an asynchronous source, then runs the validators', async () => {
    const order: string[] = []
    const source: RevocationSource = {
      isRevoked: async (claims) => {
        order.push('revocation')
        return Promise.resolve(claims.jti === 'j1')
      },
    }
    const verifier = make({ revocation: source, validators: [() => order.push('validator')] })
    expect(await outcome(verifier.verify(await token()))).toBe('invalid_token/revoked')
    expect(await outcome(verifier.verify(await token({ jti: 'j2' })))).toBe('accepted')
    expect(order).toEqual(['revocation', 'revocation', 'validator'])
  })

  it('answers 503 with Retry-After when the source cannot answer, cached token or not', async () => {
    const replica = createRevocationList({ maxStale: 0, retryAfter: 4 })
    const verifier = make({ revocation: replica })
    replica.confirm()
    const cached = await token()
    await verifier.verify(cached)
    replica.lost()
    const error = (await verifier.verify(cached).catch((e: unknown) => e)) as OAuthError
    expect(error.status).toBe(503)
    expect(error.reason).toBe('revocation_unavailable')
    expect(error.headers).toEqual({ 'Retry-After': '4' })
    const failing = make({ revocation: { isRevoked: () => Promise.reject(new Error('down')) } })
    expect(await outcome(failing.verify(await token()))).toBe(
      'temporarily_unavailable/revocation_unavailable',
    )
  })

  it('reports a revocation event saying what matched, then the refused verification', async () => {
    const revocations = createRevocationList()
    const verifier = make({ revocation: revocations })
    const seen: ScopeguardEvent[] = []
    verifier.subscribe((event) => seen.push(event))
    revocations.revoke({ kind: 'jti', value: 'j1' })
    revocations.revoke({ kind: 'origin_jti', value: 'family' })
    revocations.revoke({ kind: 'sub', value: 'bob', at: nowSec() })
    await outcome(verifier.verify(await token()))
    await outcome(verifier.verify(await token({ jti: 'j2', origin_jti: 'family' })))
    await outcome(verifier.verify(await token({ jti: 'j3', sub: 'bob' })))
    expect(seen.filter((event) => event.type === 'revocation')).toEqual([
      { type: 'revocation', by: 'jti', issuer: ISS },
      { type: 'revocation', by: 'origin_jti', issuer: ISS },
      { type: 'revocation', by: 'subject', issuer: ISS },
    ])
    expect(seen[1]).toMatchObject({
      type: 'verification',
      outcome: 'refused',
      reason: 'revoked',
      status: 401,
    })
    // Configuration-level facts only: no token id, family or subject in any event.
    expect(JSON.stringify(seen)).not.toMatch(/j1|j2|j3|family|bob/)
  })

  it('reports a revocation by an asynchronous source that cannot say what matched', async () => {
    const verifier = make({ revocation: { isRevoked: () => Promise.resolve(true) } })
    const seen: ScopeguardEvent[] = []
    verifier.subscribe((event) => seen.push(event))
    expect(await outcome(verifier.verify(await token()))).toBe('invalid_token/revoked')
    expect(seen.map((event) => event.type)).toEqual(['revocation', 'verification'])
    expect(seen[0]).toEqual({ type: 'revocation', by: undefined, issuer: ISS })
  })

  it('refuses a revocation option that is not a source at construction', () => {
    expect(() => make({ revocation: {} as RevocationSource })).toThrow(ConfigurationError)
    expect(() => make({ revocation: {} as RevocationSource })).toThrow(/isRevoked/)
    expect(() => make({ revocation: null })).not.toThrow()
  })
})
