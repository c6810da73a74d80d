import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createVerifier, OAuthError, type VerifierOptions } from '../src/index.js'
import { checkClaims, checkTimes, type ClaimRules } from '../src/claims.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { outcome } from '../../../test/support/outcome.js'
import { signingKey, mint, nowSec, signRaw, type SigningKey } from '../../../test/support/tokens.js'

const ISS = 'https://issuer.example'
const AUD = 'https://api.example'
const jwks = jwksEndpoint(`${ISS}/keys`)
serveJwks([jwks])
let key: SigningKey

beforeAll(async () => {
  key = await signingKey('RS256', 'k1')
  jwks.keys = [key.jwk]
})
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
})
afterEach(() => vi.useRealTimers())

const make = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: ISS, jwksUri: jwks.url, audience: AUD, ...options })

/** Claims of an acceptable token, adjusted by `changes` (undefined removes a claim). */
function claims(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: ISS,
    aud: AUD,
    sub: 'user-1',
    iat: nowSec(),
    exp: nowSec() + 3600,
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}

const check = async (
  changes: Record<string, unknown>,
  options: Partial<VerifierOptions> = {},
  header: Record<string, unknown> = {},
) => outcome(make(options).verify(await mint(key, claims(changes), header)))

describe('time claims', () => {
  it('accepts a token within its lifetime', async () => {
    expect(await check({})).toBe('accepted')
  })

  it('requires exp, and a number', async () => {
    expect(await check({ exp: undefined })).toBe('invalid_token/missing_claim')
    expect(await check({ exp: String(nowSec() + 60) })).toBe('invalid_token/bad_claim')
    expect(await check({ exp: null })).toBe('invalid_token/bad_claim')
    // JSON's 1e400 parses to Infinity: not a usable time.
    const infinite = await signRaw(
      key,
      '{"alg":"RS256","kid":"k1"}',
      `{"iss":"${ISS}","aud":"${AUD}","exp":1e400}`,
    )
    expect(await outcome(make().verify(infinite))).toBe('invalid_token/bad_claim')
  })

  it('refuses NumericDates outside the safe-integer range (no token valid for ever)', async () => {
    expect(await check({ exp: 2 ** 60 })).toBe('invalid_token/bad_claim')
    expect(await check({ exp: Number.MAX_SAFE_INTEGER })).toBe('accepted')
    expect(await check({ nbf: -(2 ** 60) })).toBe('invalid_token/bad_claim')
    expect(await check({ iat: 2 ** 54 })).toBe('invalid_token/bad_claim')
  })

  it('refuses an expired token, with the default 5 s tolerance', async () => {
    expect(await check({ exp: nowSec() - 4 })).toBe('accepted')
    expect(await check({ exp: nowSec() - 5 })).toBe('invalid_token/expired')
  })

  it('refuses a token once its exp passes, even from the token cache', async () => {
    const verifier = make({ clockTolerance: 0 })
    const token = await mint(key, claims({ exp: nowSec() + 10 }))
    expect(await outcome(verifier.verify(token))).toBe('accepted')
    vi.setSystemTime(Date.now() + 9_000)
    expect(await outcome(verifier.verify(token))).toBe('accepted')
    vi.setSystemTime(Date.now() + 1_000)
    expect(await outcome(verifier.verify(token))).toBe('invalid_token/expired')
  })

  it('honours nbf with the tolerance, and requires it numeric when present', async () => {
    expect(await check({ nbf: nowSec() + 5 })).toBe('accepted')
    expect(await check({ nbf: nowSec() + 6 })).toBe('invalid_token/not_yet_valid')
    expect(await check({ nbf: 'soon' })).toBe('invalid_token/bad_claim')
  })

  it('refuses a token issued in the future beyond the tolerance', async () => {
    expect(await check({ iat: nowSec() + 5 })).toBe('accepted')
    expect(await check({ iat: nowSec() + 6 })).toBe('invalid_token/issued_in_future')
    expect(await check({ iat: [1] })).toBe('invalid_token/bad_claim')
  })

  it('uses the configured clock tolerance for exp, nbf and iat', async () => {
    const strict = { clockTolerance: 0 }
    expect(await check({ exp: nowSec() }, strict)).toBe('invalid_token/expired')
    expect(await check({ exp: nowSec() + 1 }, strict)).toBe('accepted')
    expect(await check({ nbf: nowSec() + 1 }, strict)).toBe('invalid_token/not_yet_valid')
    expect(await check({ iat: nowSec() + 1 }, strict)).toBe('invalid_token/issued_in_future')
    const lenient = { clockTolerance: 60 }
    expect(await check({ exp: nowSec() - 59 }, lenient)).toBe('accepted')
    expect(await check({ nbf: nowSec() + 60 }, lenient)).toBe('accepted')
  })

  it('enforces maxTokenAge from iat (tolerance included) and then requires iat', async () => {
    const options = { maxTokenAge: 300 }
    expect(await check({ iat: nowSec() - 305 }, options)).toBe('accepted')
    expect(await check({ iat: nowSec() - 306 }, options)).toBe('invalid_token/too_old')
    expect(await check({ iat: undefined }, options)).toBe('invalid_token/missing_claim')
    expect(await check({ iat: undefined })).toBe('accepted')
  })

  it('applies maxTokenAge again on a token-cache hit as time passes', async () => {
    const verifier = make({ maxTokenAge: 60, clockTolerance: 0 })
    const token = await mint(key, claims())
    expect(await outcome(verifier.verify(token))).toBe('accepted')
    vi.setSystemTime(Date.now() + 61_000)
    expect(await outcome(verifier.verify(token))).toBe('invalid_token/too_old')
  })

  it('treats times as numbers only (checkTimes unit: non-finite values are bad claims)', () => {
    const rules = { clockToleranceSec: 0, maxTokenAgeSec: null } as unknown as ClaimRules
    expect(() => checkTimes({ exp: Infinity }, rules, 0)).toThrow('bad_claim')
    expect(() => checkTimes({ exp: Number.NaN }, rules, 0)).toThrow('bad_claim')
    expect(() => checkTimes({ exp: 10 }, rules, 9)).not.toThrow()
  })
})

describe('issuer', () => {
  it('must equal a configured issuer exactly', async () => {
    expect(await check({ iss: `${ISS}/` })).toBe('invalid_token/bad_issuer')
    expect(await check({ iss: ISS.toUpperCase() })).toBe('invalid_token/bad_issuer')
    expect(await check({ iss: undefined })).toBe('invalid_token/bad_issuer')
    expect(await check({ iss: [ISS] })).toBe('invalid_token/bad_issuer')
  })

  it('is checked again after the signature (checkClaims unit)', () => {
    const rules = {
      issuers: new Set([ISS]),
      audiences: null,
      clientIds: null,
      tokenUse: null,
      types: null,
      requiredClaims: [],
    } as unknown as ClaimRules
    expect(() => checkClaims({ iss: ISS }, {}, rules)).not.toThrow()
    expect(() => checkClaims({ iss: 'https://other.example' }, {}, rules)).toThrow('bad_issuer')
    expect(() => checkClaims({}, {}, rules)).toThrow('bad_issuer')
  })

  it('never fetches keys for a token from an unknown issuer', async () => {
    const verifier = make()
    const before = jwks.hits
    const token = await mint(key, claims({ iss: 'https://evil.example' }))
    expect(await outcome(verifier.verify(token))).toBe('invalid_token/bad_issuer')
    expect(jwks.hits).toBe(before)
    expect(verifier.stats().jwksFetches).toBe(0)
  })
})

describe('audience and client', () => {
  it('accepts aud as a string or an array holding a configured audience', async () => {
    expect(await check({ aud: AUD })).toBe('accepted')
    expect(await check({ aud: ['other', AUD] })).toBe('accepted')
    expect(await check({ aud: 'b' }, { audience: ['a', 'b'] })).toBe('accepted')
  })

  it('refuses a token minted for another audience, or with none', async () => {
    expect(await check({ aud: 'https://other.example' })).toBe('invalid_token/bad_audience')
    expect(await check({ aud: ['a', 'b'] })).toBe('invalid_token/bad_audience')
    expect(await check({ aud: undefined })).toBe('invalid_token/bad_audience')
    expect(await check({ aud: [] })).toBe('invalid_token/bad_audience')
    expect(await check({ aud: [AUD, 1] })).toBe('invalid_token/bad_audience')
    expect(await check({ aud: `${AUD}/` })).toBe('invalid_token/bad_audience')
  })

  it('does not check aud with an explicit audience: null', async () => {
    expect(await check({ aud: 'anything' }, { audience: null })).toBe('accepted')
    expect(await check({ aud: undefined }, { audience: null })).toBe('accepted')
  })

  it('checks client_id of access tokens against clientId', async () => {
    const options = {
      audience: undefined,
      clientId: ['app-1', 'app-2'],
      tokenUse: 'access' as const,
    }
    const access = { aud: undefined, token_use: 'access' }
    expect(await check({ ...access, client_id: 'app-2' }, options)).toBe('accepted')
    expect(await check({ ...access, client_id: 'app-3' }, options)).toBe('invalid_token/bad_client')
    expect(await check(access, options)).toBe('invalid_token/bad_client')
    // An access token naming the app only in aud does not pass the client check.
    expect(await check({ ...access, aud: 'app-1' }, options)).toBe('invalid_token/bad_client')
  })

  it('checks aud of Cognito ID tokens against clientId', async () => {
    const options = { audience: undefined, clientId: 'app-1', tokenUse: 'id' as const }
    expect(await check({ token_use: 'id', aud: 'app-1' }, options)).toBe('accepted')
    expect(await check({ token_use: 'id', aud: ['app-1'] }, options)).toBe('accepted')
    expect(await check({ token_use: 'id', aud: 'app-2' }, options)).toBe(
      'invalid_token/bad_audience',
    )
  })

  it('refuses an ID token without aud even when its client_id claim names the client', async () => {
    const options = { audience: undefined, clientId: 'app-1', tokenUse: 'id' as const }
    const id = { token_use: 'id', aud: undefined }
    expect(await check({ ...id, client_id: 'app-1' }, options)).toBe('invalid_token/bad_audience')
    expect(await check({ ...id, aud: [], client_id: 'app-1' }, options)).toBe(
      'invalid_token/bad_audience',
    )
    expect(await check({ ...id, aud: 'app-2', client_id: 'app-1' }, options)).toBe(
      'invalid_token/bad_audience',
    )
  })

  it('ignores the client_id claim of an ID token whose aud names the client', async () => {
    const options = { audience: undefined, clientId: 'app-1', tokenUse: 'id' as const }
    const verifier = make(options)
    const token = await mint(key, claims({ token_use: 'id', aud: 'app-1', client_id: 'app-2' }))
    expect((await verifier.verify(token)).clientId).toBe('app-1')
  })

  it('refuses an ID token whose aud array also names a party that is not trusted', async () => {
    const options = { audience: undefined, clientId: ['app-1', 'app-2'], tokenUse: 'id' as const }
    expect(await check({ token_use: 'id', aud: ['app-1', 'app-2'] }, options)).toBe('accepted')
    expect(await check({ token_use: 'id', aud: ['app-1', 'evil'] }, options)).toBe(
      'invalid_token/bad_audience',
    )
    expect(await check({ token_use: 'id', aud: ['app-1', 7] }, options)).toBe(
      'invalid_token/bad_audience',
    )
    // A configured audience is trusted too (and, being configured, also required).
    const withApi = { ...options, clientId: 'app-1', audience: AUD }
    expect(await check({ token_use: 'id', aud: ['app-1', AUD] }, withApi)).toBe('accepted')
    expect(await check({ token_use: 'id', aud: [AUD] }, withApi)).toBe('invalid_token/bad_audience')
  })

  it('reads the client of an ID token with several audiences from azp', async () => {
    const options = { audience: undefined, clientId: ['app-1', 'app-2'], tokenUse: 'id' as const }
    const verifier = make(options)
    const mintId = async (extra: Record<string, unknown>) =>
      verifier.verify(
        await mint(key, claims({ token_use: 'id', aud: ['app-1', 'app-2'], ...extra })),
      )
    expect((await mintId({ azp: 'app-2' })).clientId).toBe('app-2')
    expect((await mintId({})).clientId).toBeUndefined()
    expect((await mintId({ azp: 'elsewhere' })).clientId).toBeUndefined()
  })

  it('judges a token that says token_use: id by its aud when tokenUse is not set', async () => {
    const options = { audience: undefined, clientId: 'app-1', tokenUse: null }
    expect(await check({ token_use: 'id', aud: 'app-1', client_id: 'app-2' }, options)).toBe(
      'accepted',
    )
    expect(await check({ token_use: 'id', aud: undefined, client_id: 'app-1' }, options)).toBe(
      'invalid_token/bad_audience',
    )
    // An access token on the same verifier still names its client in client_id.
    expect(await check({ aud: 'app-1', client_id: 'app-2' }, options)).toBe(
      'invalid_token/bad_client',
    )
  })
})

describe('token_use', () => {
  const access = { audience: null, tokenUse: 'access' as const }
  const id = { audience: null, tokenUse: 'id' as const }

  it('refuses an ID token where access tokens are required', async () => {
    expect(await check({ token_use: 'access' }, access)).toBe('accepted')
    expect(await check({ token_use: 'id' }, access)).toBe('invalid_token/bad_token_use')
    expect(await check({ token_use: undefined }, access)).toBe('invalid_token/bad_token_use')
  })

  it('refuses an access token where ID tokens are required', async () => {
    expect(await check({ token_use: 'id' }, id)).toBe('accepted')
    expect(await check({ token_use: 'access' }, id)).toBe('invalid_token/bad_token_use')
  })

  it('is not checked unless configured', async () => {
    expect(await check({ token_use: 'refresh' })).toBe('accepted')
  })
})

describe('typ (RFC 9068)', () => {
  it('is not checked by default', async () => {
    expect(await check({}, {}, { typ: 'JWT' })).toBe('accepted')
    expect(await check({})).toBe('accepted')
  })

  it("with typ: 'at+jwt' accepts at+jwt and application/at+jwt in any case, nothing else", async () => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT', 'Application/At+Jwt']) {
      expect(await check({}, { typ: 'at+jwt' }, { typ })).toBe('accepted')
    }
    expect(await check({}, { typ: 'at+jwt' }, { typ: 'JWT' })).toBe('invalid_token/bad_typ')
    expect(await check({}, { typ: 'at+jwt' }, { typ: 'application/jwt' })).toBe(
      'invalid_token/bad_typ',
    )
    expect(await check({}, { typ: 'at+jwt' })).toBe('invalid_token/bad_typ')
    expect(await check({}, { typ: 'application/at+jwt' }, { typ: 'at+jwt' })).toBe('accepted')
  })
})

describe('required and unknown claims', () => {
  it('refuses a token lacking a required claim, or holding null for it', async () => {
    const options = { requiredClaims: ['jti', 'sub'] }
    expect(await check({ jti: 'j1' }, options)).toBe('accepted')
    expect(await check({}, options)).toBe('invalid_token/missing_claim')
    expect(await check({ jti: null }, options)).toBe('invalid_token/missing_claim')
    // An inherited name is not a claim.
    expect(await check({}, { requiredClaims: ['constructor'] })).toBe('invalid_token/missing_claim')
  })

  it('never refuses a token for claims it does not know', async () => {
    expect(
      await check({
        version: 2,
        'cognito:groups': ['admins'],
        origin_jti: 'x',
        'https://example.com/claims': { nested: [1, { deep: true }] },
        __proto__: 'data',
        constructor: 'data',
      }),
    ).toBe('accepted')
  })
})

describe('validators', () => {
  it('run after the built-in checks and refuse on false (sync or async)', async () => {
    expect(await check({}, { validators: [() => true, () => undefined] })).toBe('accepted')
    expect(await check({}, { validators: [() => false] })).toBe('invalid_token/rejected')
    expect(await check({}, { validators: [() => Promise.resolve(false)] })).toBe(
      'invalid_token/rejected',
    )
  })

  it('see the verified AuthInfo and stop at the first refusal', async () => {
    const seen: string[] = []
    const validators = [
      (auth: { subject: string | undefined }) => {
        seen.push(`first:${auth.subject}`)
        return false
      },
      () => {
        seen.push('second')
        return true
      },
    ]
    expect(await check({ sub: 'u-9' }, { validators })).toBe('invalid_token/rejected')
    expect(seen).toEqual(['first:u-9'])
  })

  it('turn a thrown error into invalid_token/rejected, keeping it as cause', async () => {
    const boom = new Error('deny-list says no')
    const token = await mint(key, claims())
    const error = await make({
      validators: [
        () => {
          throw boom
        },
      ],
    })
      .verify(token)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OAuthError)
    expect((error as OAuthError).reason).toBe('rejected')
    expect((error as OAuthError).cause).toBe(boom)
    expect((error as OAuthError).message).not.toContain('deny-list')
  })

  it('pass a thrown OAuthError through unchanged', async () => {
    const own = new OAuthError('insufficient_scope', 'insufficient_scope', { scopes: ['admin'] })
    const token = await mint(key, claims())
    const error = await make({
      validators: [
        () => {
          throw own
        },
      ],
    })
      .verify(token)
      .catch((e: unknown) => e)
    expect(error).toBe(own)
  })
})
