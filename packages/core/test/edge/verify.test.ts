import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createVerifier, OAuthError } from '../../src/index.js'

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Edge1'

describe('verification on an edge runtime (Web Crypto backend, injected fetch)', () => {
  it('fetches the key set through the given fetch and verifies RS256, ES256 and EdDSA tokens', async () => {
    const algs = ['RS256', 'ES256', 'EdDSA'] as const
    const pairs = await Promise.all(
      algs.map((alg) => generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})),
    )
    const keys = await Promise.all(
      pairs.map(async (pair, i) => ({
        ...(await exportJWK(pair.publicKey)),
        kid: `k${i}`,
        use: 'sig',
      })),
    )
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
    for (const [i, alg] of algs.entries()) {
      const token = await new SignJWT({
        client_id: 'edge-client',
        token_use: 'access',
        scope: 'photos.read',
      })
        .setProtectedHeader({ alg, kid: `k${i}` })
        .setIssuer(ISSUER)
        .setSubject('user-1')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(pairs[i]!.privateKey)
      const auth = await verifier.verify(token)
      expect(auth.scopes).toEqual(['photos.read'])
      expect(auth.clientId).toBe('edge-client')
    }
    expect(requested).toEqual([`${ISSUER}/.well-known/jwks.json`])

    const forged = await new SignJWT({ client_id: 'other', token_use: 'access' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k0' })
      .setIssuer(ISSUER)
      .setExpirationTime(now + 300)
      .sign(pairs[0]!.privateKey)
    const error = await verifier.verify(forged).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OAuthError)
    expect((error as OAuthError).reason).toBe('bad_client')
    expect((error as OAuthError).headers).toEqual({
      'WWW-Authenticate':
        'Bearer error="invalid_token", error_description="The access token client is not accepted"',
    })
  })
})
