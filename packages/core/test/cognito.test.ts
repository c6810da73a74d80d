import { beforeAll, describe, expect, it } from 'vitest'
import { cognito, cognitoIssuer, ConfigurationError, createVerifier } from '../src/index.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { outcome } from '../../../test/support/outcome.js'
import { signingKey, mint, nowSec, type SigningKey } from '../../../test/support/tokens.js'

const POOL = 'us-east-1_AbC123xyz'
const ISS = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`
const CLIENT = '1example23456789'
const jwks = jwksEndpoint(`${ISS}/.well-known/jwks.json`)
serveJwks([jwks])
let rsa: SigningKey
let ec: SigningKey

beforeAll(async () => {
  rsa = await signingKey('RS256', 'cognito-rsa')
  ec = await signingKey('ES256', 'cognito-ec')
  jwks.keys = [rsa.jwk, ec.jwk]
})

const accessClaims = (extra: Record<string, unknown> = {}) => ({
  iss: ISS,
  sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  client_id: CLIENT,
  token_use: 'access',
  scope: 'https://photos.example.com/photos.read',
  username: 'alice',
  'cognito:groups': ['editors'],
  origin_jti: 'o1',
  jti: 'j1',
  version: 2,
  auth_time: nowSec() - 10,
  iat: nowSec() - 10,
  exp: nowSec() + 3600,
  ...extra,
})

const idClaims = (extra: Record<string, unknown> = {}) => ({
  iss: ISS,
  sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  aud: CLIENT,
  token_use: 'id',
  'cognito:username': 'alice',
  email: 'alice@example.com',
  iat: nowSec(),
  exp: nowSec() + 3600,
  ...extra,
})

describe('cognitoIssuer', () => {
  it('derives the issuer URL from the pool id and its region prefix', () => {
    expect(cognitoIssuer(POOL)).toBe(ISS)
    expect(cognitoIssuer('ap-southeast-2_Xyz')).toBe(
      'https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Xyz',
    )
    expect(cognitoIssuer('us-gov-west-1_Abc')).toBe(
      'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc',
    )
  })

  it('refuses something that is not a pool id', () => {
    for (const id of [
      'AbC123xyz',
      'us-east-1',
      'us-east-1_',
      'us-east-1_a/b',
      'US-EAST-1_abc',
      '',
      5,
    ]) {
      expect(() => cognitoIssuer(id as string)).toThrow(ConfigurationError)
    }
    expect(() => cognitoIssuer('nope')).toThrow(
      /is not a Cognito user pool id \(expected <region>_<id>/,
    )
  })
})

describe('cognito()', () => {
  it('fills in issuer, RS256, token_use access, the client check and no aud check', () => {
    expect(cognito({ userPoolId: POOL, clientId: CLIENT })).toEqual({
      issuer: ISS,
      algorithms: ['RS256'],
      clientId: CLIENT,
      audience: null,
      tokenUse: 'access',
    })
    expect(
      cognito({
        userPoolId: POOL,
        clientId: null,
        tokenUse: 'id',
        realm: 'r',
        algorithms: ['RS256', 'ES256'],
      }),
    ).toEqual({
      issuer: ISS,
      algorithms: ['RS256', 'ES256'],
      clientId: null,
      audience: null,
      tokenUse: 'id',
      realm: 'r',
    })
  })

  it('needs clientId (null accepts every app client of the pool)', () => {
    expect(() => cognito({ userPoolId: POOL } as never)).toThrow(/cognito\(\) needs "clientId"/)
  })

  it('verifies a Cognito access token with keys from <issuer>/.well-known/jwks.json', async () => {
    const verifier = createVerifier(
      cognito({ userPoolId: POOL, clientId: CLIENT, resourceServer: 'https://photos.example.com' }),
    )
    const auth = await verifier.verify(await mint(rsa, accessClaims()))
    expect(auth).toMatchObject({
      issuer: ISS,
      clientId: CLIENT,
      tokenUse: 'access',
      username: 'alice',
      groups: ['editors'],
      scopes: ['https://photos.example.com/photos.read'],
      audience: [],
    })
    expect(() => verifier.requireScopes(auth, ['photos.read'])).not.toThrow()
    expect(jwks.hits).toBeGreaterThan(0)
  })

  it('refuses an ID token on an access-token API and vice versa', async () => {
    const access = createVerifier(cognito({ userPoolId: POOL, clientId: CLIENT }))
    const id = createVerifier(cognito({ userPoolId: POOL, clientId: CLIENT, tokenUse: 'id' }))
    const idToken = await mint(rsa, idClaims())
    const accessToken = await mint(rsa, accessClaims())
    expect(await outcome(access.verify(idToken))).toBe('invalid_token/bad_token_use')
    expect(await outcome(id.verify(accessToken))).toBe('invalid_token/bad_token_use')
    expect(await outcome(access.verify(accessToken))).toBe('accepted')
    const auth = await id.verify(idToken)
    expect(auth).toMatchObject({
      clientId: CLIENT,
      tokenUse: 'id',
      username: 'alice',
      audience: [CLIENT],
    })
  })

  it('refuses tokens of other app clients', async () => {
    const access = createVerifier(cognito({ userPoolId: POOL, clientId: [CLIENT] }))
    const id = createVerifier(cognito({ userPoolId: POOL, clientId: CLIENT, tokenUse: 'id' }))
    expect(
      await outcome(access.verify(await mint(rsa, accessClaims({ client_id: 'other' })))),
    ).toBe('invalid_token/bad_client')
    // An ID token names its client in aud: another client there is the wrong audience.
    expect(await outcome(id.verify(await mint(rsa, idClaims({ aud: 'other' }))))).toBe(
      'invalid_token/bad_audience',
    )
    const anyClient = createVerifier(cognito({ userPoolId: POOL, clientId: null }))
    expect(
      await outcome(anyClient.verify(await mint(rsa, accessClaims({ client_id: 'other' })))),
    ).toBe('accepted')
  })

  it('accepts RS256 only, even when the key set holds an EC key', async () => {
    const verifier = createVerifier(cognito({ userPoolId: POOL, clientId: CLIENT }))
    expect(await outcome(verifier.verify(await mint(ec, accessClaims())))).toBe(
      'invalid_token/unsupported_alg',
    )
  })

  it('refuses a token from another user pool without fetching its keys', async () => {
    const verifier = createVerifier(cognito({ userPoolId: POOL, clientId: CLIENT }))
    const other = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other'
    expect(await outcome(verifier.verify(await mint(rsa, accessClaims({ iss: other }))))).toBe(
      'invalid_token/bad_issuer',
    )
    expect(verifier.stats().jwksFetches).toBe(0)
  })
})
