import { describe, expect, it } from 'vitest'
import { createVerifier, OAuthError } from '../../src/index.js'
import { sign, signingKey } from '../../../../test/support/tokens.js'

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Edge1'

describe('verification on an edge runtime (Web Crypto backend, injected fetch)', () => {
  it('fetches the key set through the given fetch and verifies RS256, ES256 and EdDSA tokens', async () => {
    const algs = ['RS256', 'ES256', 'EdDSA'] as const
    const signers = await Promise.all(algs.map((alg, i) => signingKey(alg, `k${i}`)))
    const keys = signers.map((key) => key.jwk)
    const requested: string[] = []
    const verifier = createVerifier({
      issuer: ISSUER,
      clientId: 'edge-client',
      tokenUse: 'access',
      fetch: (input) => {
        requested.push(input instanceof Request ? input.url : input.toString())
        return Promise.resolve(Response.json({ keys }))
      },
    })
    expect(verifier.backend).toBe('webcrypto')
    const now = Math.floor(Date.now() / 1000)
    for (const signer of signers) {
      const token = await sign(signer, {
        iss: ISSUER,
        sub: 'user-1',
        client_id: 'edge-client',
        token_use: 'access',
        scope: 'photos.read',
        iat: now,
        exp: now + 300,
      })
      const auth = await verifier.verify(token)
      expect(auth.scopes).toEqual(['photos.read'])
      expect(auth.clientId).toBe('edge-client')
    }
    expect(requested).toEqual([`${ISSUER}/.well-known/jwks.json`])

    const forged = await sign(signers[0]!, {
      iss: ISSUER,
      client_id: 'other',
      token_use: 'access',
      exp: now + 300,
    })
    const error = await verifier.verify(forged).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OAuthError)
    expect((error as OAuthError).reason).toBe('bad_client')
    expect((error as OAuthError).headers).toEqual({
      'WWW-Authenticate':
        'Bearer error="invalid_token", error_description="The access token client is not accepted"',
    })
  })
})
