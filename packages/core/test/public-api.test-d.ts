import { describe, expectTypeOf, it } from 'vitest'
import {
  cognito,
  cognitoIssuer,
  ConfigurationError,
  createVerifier,
  isOAuthError,
  OAuthError,
  type AuthInfo,
  type AuthRequest,
  type ClaimValidator,
  type OAuthErrorCode,
  type ScopeRequirement,
  type Verifier,
  type VerifierOptions,
  type VerifierStats,
} from '@scopeguard/core'

describe('the public API of @scopeguard/core', () => {
  it('createVerifier takes VerifierOptions (or cognito() output) and returns a Verifier', () => {
    expectTypeOf(createVerifier).parameter(0).toEqualTypeOf<VerifierOptions>()
    expectTypeOf(createVerifier).returns.toEqualTypeOf<Verifier>()
    expectTypeOf(
      cognito({ userPoolId: 'us-east-1_x', clientId: 'c' }),
    ).toEqualTypeOf<VerifierOptions>()
    expectTypeOf(cognitoIssuer).returns.toBeString()
    // @ts-expect-error clientId is required by cognito()
    cognito({ userPoolId: 'us-east-1_x' })
    // @ts-expect-error issuer is required
    createVerifier({ audience: 'api' })
    // @ts-expect-error HMAC is not an algorithm scopeguard accepts
    createVerifier({ issuer: 'https://i', audience: null, algorithms: ['HS256'] })
    // @ts-expect-error tokenUse is 'access' | 'id'
    createVerifier({ issuer: 'https://i', audience: null, tokenUse: 'refresh' })
    createVerifier({
      issuer: ['https://a', 'https://b'],
      audience: null,
      jwksUri: { 'https://a': null },
    })
  })

  it('verify resolves AuthInfo; authenticate resolves AuthInfo, or maybe undefined when optional', () => {
    const verifier = {} as Verifier
    expectTypeOf(verifier.verify('t')).toEqualTypeOf<Promise<AuthInfo>>()
    const request: AuthRequest = { method: 'GET', url: '/', headers: { authorization: ['a', 'b'] } }
    expectTypeOf(verifier.authenticate(request)).toEqualTypeOf<Promise<AuthInfo>>()
    expectTypeOf(verifier.authenticate(request, { optional: true })).toEqualTypeOf<
      Promise<AuthInfo | undefined>
    >()
    expectTypeOf(verifier.stats()).toEqualTypeOf<VerifierStats>()
    expectTypeOf(verifier.backend).toEqualTypeOf<'node' | 'webcrypto'>()
  })

  it('AuthInfo is read-only', () => {
    const auth = {} as AuthInfo
    expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>()
    expectTypeOf(auth.token).toBeString()
    expectTypeOf(auth.tokenUse).toEqualTypeOf<'access' | 'id' | undefined>()
    // @ts-expect-error AuthInfo fields are readonly
    auth.subject = 'x'
  })

  it('scope requirements are all-of, any-of or per method', () => {
    const verifier = {} as Verifier
    const requirements: ScopeRequirement[] = [
      { all: ['a'] },
      { any: ['a', 'b'] },
      { byMethod: { read: 'a', write: ['b'], DELETE: 'c' }, mode: 'any' },
    ]
    expectTypeOf(verifier.checkScopes(undefined, requirements[0]!, 'GET')).toBeVoid()
    expectTypeOf(verifier.hasScopes(undefined, ['a'], 'any')).toBeBoolean()
    // @ts-expect-error mode is 'all' | 'any'
    verifier.hasScopes(undefined, ['a'], 'some')
  })

  it('errors carry a closed code union, status and headers', () => {
    const error = new OAuthError('invalid_token', 'expired')
    expectTypeOf(error.code).toEqualTypeOf<OAuthErrorCode>()
    expectTypeOf(error.status).toBeNumber()
    expectTypeOf(error.headers).toEqualTypeOf<Record<string, string>>()
    // @ts-expect-error not a code
    new OAuthError('server_error', 'expired')
    expectTypeOf(isOAuthError).guards.toEqualTypeOf<OAuthError>()
    expectTypeOf(new ConfigurationError('x')).toMatchTypeOf<Error>()
    expectTypeOf<ClaimValidator>().parameter(0).toEqualTypeOf<AuthInfo>()
  })
})
