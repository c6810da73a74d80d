/**
 * The node:crypto signature backend: public keys become `KeyObject`s and signatures are checked
 * synchronously, the fastest path on Node; its codec decodes with `Buffer`. The only file in the
 * core that imports `node:`.
 *
 * @module
 */
import { Buffer, isAscii, isUtf8 } from 'node:buffer'
import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import type { JWK } from 'jose'
import { ALGORITHMS, type Algorithm } from '../algorithms.js'
import type { Codec, SignatureBackend } from './signature-backend.js'

const NODE_HASH = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const

/** The node:crypto backend. */
export const backend: SignatureBackend = {
  name: 'node',
  importKey(jwk: JWK): KeyObject {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
  },
  verify(alg: Algorithm, key, data, signature): boolean {
    const spec = ALGORITHMS[alg]
    const keyObject = key as KeyObject
    // One byte form per signature: the JOSE length for ECDSA and EdDSA, the modulus length for RSA
    // (RFC 8017 8.1.2 and 8.2.2, step 1; OpenSSL enforces it for PKCS#1 v1.5 but not for PSS, where
    // a signature whose first octet is 0 would still verify with that octet stripped).
    if (signature.length !== (spec.signatureLength ?? modulusOctets(keyObject))) return false
    try {
      switch (spec.kty) {
        case 'OKP':
          return verify(null, data, keyObject, signature)
        case 'EC':
          return verify(
            NODE_HASH[spec.hash!],
            data,
            { key: keyObject, dsaEncoding: 'ieee-p1363' },
            signature,
          )
        default:
          return spec.pssSaltLength !== undefined
            ? verify(
                NODE_HASH[spec.hash!],
                data,
                {
                  key: keyObject,
                  padding: constants.RSA_PKCS1_PSS_PADDING,
                  saltLength: spec.pssSaltLength,
                },
                signature,
              )
            : verify(NODE_HASH[spec.hash!], data, keyObject, signature)
      }
    } catch {
      return false
    }
  },
  sha256: (data) => createHash('sha256').update(data).digest(),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
}

/** The octet length of an RSA public key's modulus (Node caches the key details). */
function modulusOctets(key: KeyObject): number {
  return ((key.asymmetricKeyDetails?.modulusLength ?? 0) + 7) >>> 3
}

/** Native byte conversions: `Buffer` decoding, simdutf's validation (`isAscii`, `isUtf8`). */
export const codec: Codec = {
  decodeBase64url: (canonical) => Buffer.from(canonical, 'base64url'),
  decodeUtf8(bytes) {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    // ASCII, the usual claim set, decodes fastest as Latin-1 (the same characters).
    if (isAscii(buffer)) return buffer.toString('latin1')
    return isUtf8(buffer) ? buffer.toString('utf8') : undefined
  },
  signingInput(token, length) {
    if (length > scratch.length) scratch = Buffer.allocUnsafeSlow(length)
    scratch.write(token, 0, length, 'latin1')
    return scratch.subarray(0, length)
  },
}

/**
 * Reused for every signing input: no allocation per verification. Shared by every verifier of the
 * process, which is safe: it is written right before `verify` above reads it, synchronously, and
 * nothing runs in between.
 */
let scratch = Buffer.allocUnsafeSlow(4096)
