/**
 * Keys and tokens for the cross-package suites: key pairs generated once per test file, tokens
 * shaped like Cognito's (access and ID) or like RFC 9068 access tokens. Nothing is written to disk.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA'

/** A signing key and its public JWK (with `kid`, `alg`, `use`). */
export interface SigningKey {
  alg: SigningAlg
  kid: string
  privateKey: CryptoKey
  jwk: JWK
}

/** Generates a key pair. */
export async function signingKey(alg: SigningAlg, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

/** Seconds since the epoch. */
export const nowSec = (): number => Math.floor(Date.now() / 1000)

/** Signs `claims` (merged over sane defaults: `iat` now, `exp` in 10 minutes, a `jti`). */
export function sign(
  key: SigningKey,
  claims: JWTPayload & Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSec()
  return new SignJWT({ iat: now, exp: now + 600, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey)
}

/** Claims of a Cognito access token (client-credentials shape unless `username` is added). */
export function cognitoAccess(
  issuer: string,
  clientId: string,
  scope: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { iss: issuer, sub: clientId, client_id: clientId, token_use: 'access', scope, ...extra }
}

/** Claims of a Cognito ID token. */
export function cognitoId(
  issuer: string,
  clientId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { iss: issuer, sub: 'user-1', aud: clientId, token_use: 'id', ...extra }
}
