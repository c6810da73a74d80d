import { describe, expect, it } from 'vitest'
import { EventHub } from '../src/events.js'
import { OAuthError } from '../src/index.js'
import { toOAuthError } from '../src/errors.js'
import { revocationCheck } from '../src/revocation.js'
import type { RevocationSource } from '../src/stores.js'

const claims = { iss: 'https://issuer.example', exp: 0, jti: 'j1' }
const challenge = { realm: 'photos' }

function caught(fn: () => unknown): OAuthError {
  try {
    fn()
  } catch (error) {
    return toOAuthError(error, challenge) as OAuthError
  }
  throw new Error('nothing was thrown')
}

/** The step's answer as the verifier sends it (its refusals become the one error contract). */
const answered = (pending: void | Promise<void>): Promise<void> =>
  Promise.resolve(pending).catch((error: unknown) => {
    throw toOAuthError(error, challenge)
  })

describe('the revocation step', () => {
  it('answers synchronously when the source does, and passes a token that is not revoked', () => {
    const check = revocationCheck({ isRevoked: () => false }, new EventHub())
    expect(check(claims)).toBeUndefined()
  })

  it('refuses a revoked token with 401 invalid_token and the fixed description', () => {
    const error = caught(() => revocationCheck({ isRevoked: () => true }, new EventHub())(claims))
    expect(error).toBeInstanceOf(OAuthError)
    expect(error.status).toBe(401)
    expect(error.reason).toBe('revoked')
    expect(error.message).toBe('The access token was revoked')
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="photos", error="invalid_token", error_description="The access token was revoked"',
    )
  })

  it('awaits an asynchronous source and refuses what it reports revoked', async () => {
    const source: RevocationSource = { isRevoked: (c) => Promise.resolve(c.jti === 'j1') }
    const check = revocationCheck(source, new EventHub())
    await expect(answered(check(claims))).rejects.toMatchObject({ status: 401, reason: 'revoked' })
    await expect(answered(check({ ...claims, jti: 'j2' }))).resolves.toBeUndefined()
  })

  it('answers 503 when a source throws or rejects, keeping its Retry-After and cause', async () => {
    const down = Object.assign(new Error('store down'), { retryAfter: 3 })
    const sync = caught(() =>
      revocationCheck(
        {
          isRevoked: () => {
            throw down
          },
        },
        new EventHub(),
      )(claims),
    )
    expect(sync).toMatchObject({ status: 503, reason: 'revocation_unavailable', cause: down })
    expect(sync.headers).toEqual({ 'Retry-After': '3' })
    const check = revocationCheck(
      { isRevoked: () => Promise.reject(new Error('x')) },
      new EventHub(),
    )
    await expect(answered(check(claims))).rejects.toMatchObject({
      status: 503,
      headers: { 'Retry-After': '10' },
    })
  })

  it('passes on an OAuthError the source chose', () => {
    const chosen = new OAuthError('temporarily_unavailable', 'revocation_unavailable', {
      retryAfter: 7,
    })
    const error = caught(() =>
      revocationCheck(
        {
          isRevoked: () => {
            throw chosen
          },
        },
        new EventHub(),
      )(claims),
    )
    expect(error).toBe(chosen)
  })
})
