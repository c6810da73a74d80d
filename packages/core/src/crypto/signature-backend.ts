/**
 * The interface both signature backends implement: node:crypto (synchronous KeyObject verify) and
 * Web Crypto. `#crypto-backend` picks one through package.json conditional imports (`node` vs
 * `default`), so no other file of the core imports `node:` modules.
 *
 * @module
 */
import type { JWK } from 'jose'
import type { Algorithm } from '../algorithms.js'

/** An imported public key, opaque outside its backend. */
export type VerifyKey = object

/** One way to import public JWKs and verify JWS signatures. */
export interface SignatureBackend {
  /** Backend name, for diagnostics and benchmarks: `node` or `webcrypto`. */
  readonly name: 'node' | 'webcrypto'
  /**
   * Imports a public JWK for one algorithm. Rejects (or throws) when the key material is invalid
   * (an EC point off its curve, a malformed modulus).
   */
  importKey(jwk: JWK, alg: Algorithm): VerifyKey | Promise<VerifyKey>
  /** Verifies `signature` over `data`; resolves false for any mismatch, never throws for it. */
  verify(
    alg: Algorithm,
    key: VerifyKey,
    data: Uint8Array,
    signature: Uint8Array,
  ): boolean | Promise<boolean>
  /** SHA-256 of `data` (DPoP `ath`, JWK thumbprints, certificate thumbprints). */
  sha256(data: Uint8Array): Uint8Array | Promise<Uint8Array>
  /** HMAC-SHA-256 of `data` under `key` (stateless DPoP nonces). */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array | Promise<Uint8Array>
}

/**
 * Byte conversions on the parsing path, done natively where the platform can (Node's `Buffer`)
 * and portably elsewhere. Each backend module exports one as `codec`.
 */
export interface Codec {
  /** Decodes base64url that the caller has already checked to be canonical. */
  decodeBase64url(canonical: string): Uint8Array
  /** Strict UTF-8 decoding (no replacement characters, the byte-order mark kept as data). */
  decodeUtf8(bytes: Uint8Array): string | undefined
  /**
   * The bytes of the first `length` characters of `token` (checked to be ASCII): a JWS's signing
   * input. They may live in a buffer the next call reuses, so hand them straight to
   * {@link SignatureBackend.verify} (node:crypto reads them synchronously; Web Crypto copies them).
   */
  signingInput(token: string, length: number): Uint8Array
}
