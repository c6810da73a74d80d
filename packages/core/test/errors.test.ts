import { beforeAll, describe, expect, it } from 'vitest'
import {
  createVerifier,
  isOAuthError,
  OAuthError,
  type OAuthErrorCode,
  type OAuthErrorReason,
  type VerifierOptions,
} from '../src/index.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { signingKey, mint, nowSec, type SigningKey } from '../../../test/support/tokens.js'

const ISS = 'https://issuer.example'
const RM = 'https://api.example/.well-known/oauth-protected-resource'
const jwks = jwksEndpoint(`${ISS}/keys`)
const down = jwksEndpoint(`${ISS}/down-keys`)
down.failWith = 500
serveJwks([jwks, down])
let key: SigningKey

beforeAll(async () => {
  key = await signingKey('RS256', 'r1')
  jwks.keys = [key.jwk]
})

describe('OAuthError', () => {
  const cases: [OAuthErrorCode, OAuthErrorReason, number, boolean][] = [
    ['missing_token', 'missing_token', 401, true],
    ['invalid_request', 'duplicate_credentials', 400, true],
    ['invalid_token', 'expired', 401, true],
    ['insufficient_scope', 'insufficient_scope', 403, true],
    ['temporarily_unavailable', 'jwks_unavailable', 503, false],
  ]

  it.each(cases)(
    '%s has status %i (statusCode too) and expose %s',
    (code, reason, status, expose) => {
      const error = new OAuthError(code, reason)
      expect(error.status).toBe(status)
      expect(error.statusCode).toBe(status)
      expect(error.expose).toBe(expose)
      expect(error.code).toBe(code)
      expect(error.reason).toBe(reason)
      expect(error.name).toBe('OAuthError')
      expect(error).toBeInstanceOf(Error)
      expect(isOAuthError(error)).toBe(true)
    },
  )

  it('builds each challenge whole', () => {
    expect(new OAuthError('missing_token', 'missing_token').headers).toEqual({
      'WWW-Authenticate': 'Bearer',
    })
    expect(new OAuthError('invalid_token', 'expired').headers).toEqual({
      'WWW-Authenticate':
        'Bearer error="invalid_token", error_description="The access token expired"',
    })
    expect(new OAuthError('invalid_request', 'invalid_request').headers).toEqual({
      'WWW-Authenticate':
        'Bearer error="invalid_request", error_description="The request is malformed"',
    })
    expect(
      new OAuthError('insufficient_scope', 'insufficient_scope', {
        scopes: ['https://photos.example.com/photos.write'],
      }).headers,
    ).toEqual({
      'WWW-Authenticate':
        'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="https://photos.example.com/photos.write"',
    })
  })

  it('sends Retry-After instead of a challenge on 503, in whole seconds of at least 1', () => {
    expect(new OAuthError('temporarily_unavailable', 'jwks_unavailable').headers).toEqual({
      'Retry-After': '10',
    })
    expect(
      new OAuthError('temporarily_unavailable', 'jwks_unavailable', { retryAfter: 2.2 }).headers,
    ).toEqual({
      'Retry-After': '3',
    })
    expect(
      new OAuthError('temporarily_unavailable', 'jwks_unavailable', { retryAfter: 0 }).headers,
    ).toEqual({
      'Retry-After': '1',
    })
    expect(
      new OAuthError('temporarily_unavailable', 'jwks_unavailable', { retryAfter: Number.NaN })
        .headers,
    ).toEqual({ 'Retry-After': '10' })
  })

  it('adds realm everywhere and resource_metadata to 401 challenges only', () => {
    const challenge = { realm: 'photos', resourceMetadata: RM }
    expect(
      new OAuthError('missing_token', 'missing_token', { challenge }).headers['WWW-Authenticate'],
    ).toBe(`Bearer realm="photos", resource_metadata="${RM}"`)
    expect(
      new OAuthError('invalid_token', 'bad_signature', { challenge }).headers['WWW-Authenticate'],
    ).toBe(
      `Bearer realm="photos", error="invalid_token", error_description="The access token signature is invalid", resource_metadata="${RM}"`,
    )
    expect(
      new OAuthError('invalid_request', 'invalid_request', { challenge }).headers[
        'WWW-Authenticate'
      ],
    ).toBe(
      'Bearer realm="photos", error="invalid_request", error_description="The request is malformed"',
    )
    expect(
      new OAuthError('insufficient_scope', 'insufficient_scope', { challenge, scopes: ['a'] })
        .headers['WWW-Authenticate'],
    ).toBe(
      'Bearer realm="photos", error="insufficient_scope", error_description="The access token lacks a required scope", scope="a"',
    )
  })

  it('keeps the cause for logs and uses the fixed sentence as message', () => {
    const cause = new Error('socket hang up')
    const error = new OAuthError('temporarily_unavailable', 'jwks_unavailable', { cause })
    expect(error.cause).toBe(cause)
    expect(error.message).toBe('The signing keys are temporarily unavailable')
    expect(OAuthError.describe('expired')).toBe('The access token expired')
    expect(isOAuthError(cause)).toBe(false)
    expect(Object.hasOwn(new OAuthError('invalid_token', 'expired'), 'cause')).toBe(false)
  })
})

describe('errors of a configured verifier', () => {
  const make = (options: Partial<VerifierOptions> = {}) =>
    createVerifier({
      issuer: ISS,
      jwksUri: jwks.url,
      audience: 'https://api.example',
      realm: 'photos',
      resourceMetadata: { resource: 'https://api.example' },
      ...options,
    })

  it('carry realm and resource_metadata as CONTRACT.md shows, whole', async () => {
    const verifier = make()
    await expect(verifier.authenticate({ headers: {} })).rejects.toMatchObject({
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer realm="photos", resource_metadata="${RM}"` },
    })
    await expect(
      verifier.authenticate({ headers: { authorization: 'Bearer' } }),
    ).rejects.toMatchObject({
      status: 400,
      headers: {
        'WWW-Authenticate':
          'Bearer realm="photos", error="invalid_request", error_description="The request is malformed"',
      },
    })
    const expired = await mint(key, { iss: ISS, aud: 'https://api.example', exp: nowSec() - 60 })
    await expect(verifier.verify(expired)).rejects.toMatchObject({
      status: 401,
      headers: {
        'WWW-Authenticate': `Bearer realm="photos", error="invalid_token", error_description="The access token expired", resource_metadata="${RM}"`,
      },
    })
  })

  it('answer 503 with Retry-After and no challenge when keys cannot be had', async () => {
    const verifier = make({ jwksUri: down.url, jwksCache: { retryDelay: 7 } })
    const token = await mint(key, { iss: ISS, aud: 'https://api.example', exp: nowSec() + 60 })
    const error = (await verifier.verify(token).catch((e: unknown) => e)) as OAuthError
    expect(error.status).toBe(503)
    expect(error.code).toBe('temporarily_unavailable')
    expect(error.reason).toBe('jwks_unavailable')
    expect(error.expose).toBe(false)
    expect(error.headers).toEqual({ 'Retry-After': '7' })
    expect(down.hits).toBe(1)
  })

  it('never put the token or a claim value in the message, the header or the reason', async () => {
    const secretSub = 'subject-4f9a-private'
    const verifier = make()
    const tokens = [
      await mint(key, { iss: ISS, aud: 'other-api', sub: secretSub, exp: nowSec() + 60 }),
      await mint(key, { iss: `${ISS}/${secretSub}`, aud: 'x', exp: nowSec() + 60 }),
      await mint(
        key,
        { iss: ISS, aud: 'https://api.example', exp: nowSec() + 60 },
        { kid: secretSub },
      ),
    ]
    for (const token of tokens) {
      const error = (await verifier.verify(token).catch((e: unknown) => e)) as OAuthError
      const visible = JSON.stringify([error.message, error.headers, error.reason, String(error)])
      expect(error.status).toBe(401)
      expect(visible).not.toContain(secretSub)
      expect(visible).not.toContain(token.split('.')[1])
    }
  })
})
