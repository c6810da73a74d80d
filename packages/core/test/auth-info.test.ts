import { inspect } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { createVerifier } from '../src/index.js'
import { buildAuthInfo } from '../src/auth-info.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { signingKey, mint, nowSec, type SigningKey } from '../../../test/support/tokens.js'

const ISS = 'https://issuer.example'
const jwks = jwksEndpoint(`${ISS}/keys`)
serveJwks([jwks])
let key: SigningKey

beforeAll(async () => {
  key = await signingKey('RS256', 'a1')
  jwks.keys = [key.jwk]
})

describe('AuthInfo', () => {
  it('describes the caller from the verified claims', async () => {
    const exp = nowSec() + 600
    const token = await mint(key, {
      iss: ISS,
      sub: 'user-1',
      aud: ['api', 'other'],
      client_id: 'app-1',
      token_use: 'access',
      username: 'alice',
      'cognito:groups': ['admins', 7, 'editors'],
      scope: 'a b',
      scp: ['c'],
      custom: { x: 1 },
      exp,
    })
    const auth = await createVerifier({ issuer: ISS, jwksUri: jwks.url, audience: 'api' }).verify(
      token,
    )
    expect(auth).toEqual({
      header: { alg: 'RS256', kid: 'a1' },
      claims: expect.objectContaining({ sub: 'user-1', custom: { x: 1 } }),
      scopes: ['a', 'b', 'c'],
      issuer: ISS,
      subject: 'user-1',
      clientId: 'app-1',
      audience: ['api', 'other'],
      tokenUse: 'access',
      username: 'alice',
      groups: ['admins', 'editors'],
      expiresAt: exp,
      scheme: 'bearer',
      binding: undefined,
      responseHeaders: undefined,
    })
    expect(auth.token).toBe(token)
  })

  it('keeps the raw token out of enumeration, JSON and spreads', async () => {
    const token = await mint(key, { iss: ISS, exp: nowSec() + 600 })
    const auth = await createVerifier({ issuer: ISS, jwksUri: jwks.url, audience: null }).verify(
      token,
    )
    expect(Object.keys(auth)).not.toContain('token')
    expect(Object.getOwnPropertyDescriptor(auth, 'token')).toBeUndefined()
    expect(inspect(auth)).not.toContain(token)
    expect(JSON.stringify(auth)).not.toContain(token)
    expect({ ...auth }).not.toHaveProperty('token')
    expect(auth.token).toBe(token)
  })

  it('is deeply frozen, so a handler cannot change what a cached hit hands the next request', async () => {
    const token = await mint(key, {
      iss: ISS,
      exp: nowSec() + 600,
      scope: 'read',
      nested: { list: [1] },
    })
    const verifier = createVerifier({ issuer: ISS, jwksUri: jwks.url, audience: null })
    const auth = await verifier.verify(token)
    expect(() => (auth.scopes as string[]).push('admin')).toThrow(TypeError)
    expect(() => {
      ;(auth as { subject: unknown }).subject = 'root'
    }).toThrow(TypeError)
    expect(() => {
      ;(auth.claims.nested as { list: number[] }).list.push(2)
    }).toThrow(TypeError)
    expect(() => {
      ;(auth.header as { alg: string }).alg = 'none'
    }).toThrow(TypeError)
    expect((await verifier.verify(token)).scopes).toEqual(['read'])
  })

  it('falls back sensibly for Cognito ID tokens and odd claim types', () => {
    const auth = buildAuthInfo(
      't',
      { alg: 'RS256' },
      { iss: ISS, exp: 1, aud: 'app', token_use: 'id', 'cognito:username': 'bob', sub: 5 } as never,
      [],
    )
    expect(auth).toMatchObject({
      clientId: 'app',
      username: 'bob',
      tokenUse: 'id',
      subject: undefined,
      groups: [],
    })
    const odd = buildAuthInfo(
      't',
      { alg: 'RS256' },
      { iss: ISS, exp: 1, token_use: 'refresh', aud: 3 } as never,
      [],
    )
    expect(odd).toMatchObject({
      tokenUse: undefined,
      audience: [],
      clientId: undefined,
      username: undefined,
    })
  })
})
