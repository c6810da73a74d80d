/**
 * The JWS algorithms a resource server may accept, and which key each one needs. Symmetric (HS*)
 * algorithms and `none` are not here: a resource server never verifies with a shared secret.
 *
 * @module
 */
import { ConfigurationError } from './errors.js'

/** An asymmetric JWS algorithm scopeguard can verify. */
export type Algorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'

/** What a key must be to verify a given algorithm. */
export interface AlgorithmSpec {
  kty: 'RSA' | 'EC' | 'OKP'
  /** Required curve for EC/OKP keys. */
  crv?: string
  /** Hash name for node:crypto and Web Crypto. */
  hash?: 'SHA-256' | 'SHA-384' | 'SHA-512'
  /**
   * Exact signature length in bytes where the algorithm fixes it (ECDSA, Ed25519); RSA signatures
   * are exactly as long as the key's modulus, which each backend reads from the key.
   */
  signatureLength?: number
  /** RSASSA-PSS (`PS*`): the salt length in bytes, the hash's output length (RFC 7518 3.5). */
  pssSaltLength?: number
}

/** Every supported algorithm and its key requirements. */
export const ALGORITHMS: Readonly<Record<Algorithm, AlgorithmSpec>> = {
  RS256: { kty: 'RSA', hash: 'SHA-256' },
  RS384: { kty: 'RSA', hash: 'SHA-384' },
  RS512: { kty: 'RSA', hash: 'SHA-512' },
  PS256: { kty: 'RSA', hash: 'SHA-256', pssSaltLength: 32 },
  PS384: { kty: 'RSA', hash: 'SHA-384', pssSaltLength: 48 },
  PS512: { kty: 'RSA', hash: 'SHA-512', pssSaltLength: 64 },
  ES256: { kty: 'EC', crv: 'P-256', hash: 'SHA-256', signatureLength: 64 },
  ES384: { kty: 'EC', crv: 'P-384', hash: 'SHA-384', signatureLength: 96 },
  ES512: { kty: 'EC', crv: 'P-521', hash: 'SHA-512', signatureLength: 132 },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', signatureLength: 64 },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', signatureLength: 64 },
}

/** The default allowlist: RS256 (Cognito, most issuers), ES256, and Ed25519 under both names. */
export const DEFAULT_ALGORITHMS: readonly Algorithm[] = ['RS256', 'ES256', 'EdDSA', 'Ed25519']

/** True when `alg` is a supported asymmetric algorithm. */
export function isAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg)
}

/**
 * Validates an allowlist option (`algorithms`, `dpop.algorithms`): `fallback` when absent, else a
 * non-empty array of supported algorithms; `example` is the one the message suggests.
 */
export function checkAlgorithmList(
  name: string,
  value: unknown,
  fallback: readonly Algorithm[],
  example: Algorithm,
): Algorithm[] {
  const list: unknown = value ?? fallback
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigurationError(`"${name}" must be a non-empty array such as ["${example}"]`)
  }
  for (const alg of list) {
    if (!isAlgorithm(alg)) {
      throw new ConfigurationError(
        `"${name}": algorithm "${String(alg)}" is not supported; use some of ${Object.keys(ALGORITHMS).join(', ')} (HMAC and "none" are never accepted)`,
      )
    }
  }
  return list as Algorithm[]
}
