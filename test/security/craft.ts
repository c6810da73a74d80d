/**
 * Hand-made tokens for the attack suite: any header, any payload bytes (duplicate members,
 * invalid UTF-8), any signature, signed with node:crypto keys generated per run. Nothing is written
 * anywhere; no key leaves the process.
 */
import {
  constants,
  createHmac,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto'
import type { JWK } from 'jose'

/** A key pair and its public JWK as an issuer would publish it. */
export interface CraftKey {
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  jwk: JWK
}

/** Generates a key; `jwk` extras (alg, use, kid) are merged into the published JWK. */
export function craftKey(
  kind: 'rsa' | 'rsa1024' | 'p256' | 'p384' | 'ed25519',
  kid: string,
  extra: Partial<JWK> = {},
): CraftKey {
  const pair =
    kind === 'rsa' || kind === 'rsa1024'
      ? generateKeyPairSync('rsa', { modulusLength: kind === 'rsa' ? 2048 : 1024 })
      : kind === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'P-256' : 'P-384' })
  const jwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid, ...extra }
  return { kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk }
}

/** base64url of a JSON value, or of raw text/bytes as given. */
export function part(value: unknown): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64url')
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url')
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** Signature algorithms the crafter can produce. */
export type CraftAlg = 'RS256' | 'RS512' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA'

/** Signs `input` with `key` as `alg` would (ECDSA in JOSE's r||s form). */
export function signInput(alg: CraftAlg, key: KeyObject, input: string): Buffer {
  const data = Buffer.from(input)
  switch (alg) {
    case 'RS256':
      return cryptoSign('sha256', data, key)
    case 'RS512':
      return cryptoSign('sha512', data, key)
    case 'PS256':
      return cryptoSign('sha256', data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      })
    case 'ES256':
      return cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
    case 'ES384':
      return cryptoSign('sha384', data, { key, dsaEncoding: 'ieee-p1363' })
    case 'EdDSA':
      return cryptoSign(null, data, key)
  }
}

/**
 * A compact JWS: `header` and `payload` are JSON values, or pre-encoded strings when
 * `encoded: true`; signed by `key` as `alg` (the header's alg is not changed).
 */
export function craft(
  header: unknown,
  payload: unknown,
  signer: { alg: CraftAlg; key: CraftKey } | { hmac: 'sha256'; secret: Buffer | string } | 'none',
  encoded = false,
): string {
  const input = encoded
    ? `${header as string}.${payload as string}`
    : `${part(header)}.${part(payload)}`
  if (signer === 'none') return `${input}.`
  if ('hmac' in signer) {
    return `${input}.${createHmac(signer.hmac, signer.secret).update(input).digest('base64url')}`
  }
  return `${input}.${signInput(signer.alg, signer.key.privateKey, input).toString('base64url')}`
}

/**
 * The public key of `key` in every encoding an HS256 key-confusion attacker might try as the
 * HMAC secret.
 */
export function publicKeyEncodings(key: CraftKey): Record<string, Buffer | string> {
  return {
    'PEM (SPKI)': key.publicKey.export({ type: 'spki', format: 'pem' }),
    'PEM (PKCS#1)': key.publicKey.export({ type: 'pkcs1', format: 'pem' }),
    'DER (SPKI)': key.publicKey.export({ type: 'spki', format: 'der' }),
    'JWK JSON': JSON.stringify(key.jwk),
    'raw modulus': Buffer.from(key.jwk.n as string, 'base64url'),
  }
}
