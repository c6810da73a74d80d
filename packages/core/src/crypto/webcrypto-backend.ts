/**
 * The Web Crypto signature backend, for runtimes without node:crypto (edge runtimes, Deno, Bun,
 * browsers, workers). Keys are imported with jose's `importJWK`, signatures checked with
 * `crypto.subtle.verify`.
 *
 * @module
 */
import { importJWK, type JWK } from 'jose'
import { ALGORITHMS, type Algorithm } from '../algorithms.js'
import { decodeCanonicalBase64url } from '../base64url.js'
import type { Codec, SignatureBackend } from './signature-backend.js'

function verifyParams(
  alg: Algorithm,
  key: CryptoKey,
): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  const spec = ALGORITHMS[alg]
  if (spec.kty === 'EC') return { name: 'ECDSA', hash: spec.hash! }
  if (spec.pssSaltLength !== undefined) return { name: 'RSA-PSS', saltLength: spec.pssSaltLength }
  return key.algorithm
}

/** The octet length of an RSA public key's modulus. */
function modulusOctets(key: CryptoKey): number {
  return ((key.algorithm as RsaHashedKeyAlgorithm).modulusLength + 7) >>> 3
}

/** The Web Crypto backend. */
export const backend: SignatureBackend = {
  name: 'webcrypto',
  async importKey(jwk: JWK, alg: Algorithm): Promise<CryptoKey> {
    // jose maps 'EdDSA' and 'Ed25519' to the Ed25519 Web Crypto algorithm.
    const key = await importJWK({ ...jwk, ext: true }, alg)
    return key as CryptoKey
  },
  async verify(alg, key, data, signature): Promise<boolean> {
    const spec = ALGORITHMS[alg]
    const cryptoKey = key as CryptoKey
    // One byte form per signature: the JOSE length for ECDSA and EdDSA, the modulus length for RSA
    // (RFC 8017 8.1.2 and 8.2.2, step 1; Web Crypto on OpenSSL lets a PSS signature through
    // without its leading zero octet).
    if (signature.length !== (spec.signatureLength ?? modulusOctets(cryptoKey))) return false
    try {
      return await crypto.subtle.verify(
        verifyParams(alg, cryptoKey),
        cryptoKey,
        signature as BufferSource,
        data as BufferSource,
      )
    } catch {
      return false
    }
  },
  async sha256(data) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource))
  },
  async hmacSha256(key, data) {
    const hmacKey = await crypto.subtle.importKey(
      'raw',
      key as BufferSource,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    return new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, data as BufferSource))
  },
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()

/** Portable byte conversions: `TextDecoder` (fatal) and `TextEncoder`. */
export const codec: Codec = {
  decodeBase64url: decodeCanonicalBase64url,
  decodeUtf8(bytes) {
    try {
      return utf8.decode(bytes)
    } catch {
      return undefined
    }
  },
  signingInput: (token, length) => encoder.encode(token.slice(0, length)),
}
