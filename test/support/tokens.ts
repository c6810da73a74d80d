/**
 * Keys and tokens for every package's tests: key pairs generated in the test run, and tokens signed
 * with them, either exactly as given (header and payload JSON text, even hostile: {@link signRaw},
 * {@link mint}) or over sane defaults (`iat` now, `exp` in 10 minutes, a `jti`: {@link sign});
 * claims shaped like Cognito's access and ID tokens. Nothing is a pasted token or key.
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose'

/** The algorithms the kit signs with. */
export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA'

/** A signing key and its public JWK (with `kid`, `alg`, `use`). */
export interface SigningKey {
  alg: SigningAlg
  kid: string
  privateKey: CryptoKey
  jwk: JWK
}

/**
 * Generates a key pair (EdDSA on Ed25519).
 *
 * @example
 * ```ts
 * const key = await signingKey('ES256', 'k1')
 * ```
 */
export async function signingKey(alg: SigningAlg, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

const encoder = new TextEncoder()

/** Base64url (no padding) of bytes, or of a string's UTF-8. */
export function b64u(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function signParams(alg: SigningAlg): AlgorithmIdentifier | EcdsaParams {
  if (alg === 'RS256') return { name: 'RSASSA-PKCS1-v1_5' }
  if (alg === 'ES256') return { name: 'ECDSA', hash: 'SHA-256' }
  return { name: 'Ed25519' }
}

/** Signs `<headerSegment>.<payloadSegment>` exactly as given (segments are not re-encoded). */
export async function signSegments(
  key: SigningKey,
  headerSegment: string,
  payloadSegment: string,
): Promise<string> {
  const input = `${headerSegment}.${payloadSegment}`
  const signature = await crypto.subtle.sign(
    signParams(key.alg),
    key.privateKey,
    encoder.encode(input),
  )
  return `${input}.${b64u(new Uint8Array(signature))}`
}

/** Signs raw JSON texts (duplicates, odd spacing and all) for header and payload. */
export function signRaw(key: SigningKey, headerJson: string, payloadJson: string): Promise<string> {
  return signSegments(key, b64u(headerJson), b64u(payloadJson))
}

/** Signs exactly `claims` under the header `{ alg, kid }` plus `header`. */
export function mint(
  key: SigningKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return signRaw(
    key,
    JSON.stringify({ alg: key.alg, kid: key.kid, ...header }),
    JSON.stringify(claims),
  )
}

/** Seconds since the epoch, from the (possibly faked) clock. */
export const nowSec = (): number => Math.floor(Date.now() / 1000)

/** Signs `claims` merged over defaults: `iat` now, `exp` in 10 minutes, a fresh `jti`. */
export function sign(
  key: SigningKey,
  claims: JWTPayload & Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSec()
  return mint(key, { iat: now, exp: now + 600, jti: crypto.randomUUID(), ...claims }, header)
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
