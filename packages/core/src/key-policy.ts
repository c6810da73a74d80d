/**
 * Key hygiene: which JWKs from a key set may ever verify a token, and which algorithm each one fits.
 * Refused: symmetric (`oct`) keys, keys whose `use`/`key_ops` forbid verification, keys that carry
 * private members, RSA keys under 2048 bits, with an unsound public exponent, or with a ROCA-weak
 * modulus (CVE-2017-15361), and EC/OKP keys on unsupported curves.
 *
 * @module
 */
import type { JSONWebKeySet, JWK } from 'jose'
import { ALGORITHMS, type Algorithm } from './algorithms.js'
import { decodeBase64url } from './base64url.js'

/** Smallest RSA modulus accepted, in bits. */
export const MIN_RSA_BITS = 2048

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const EC_COORDINATE_BYTES: Record<string, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 }

/** Why a key was refused (kept for diagnostics; never sent to clients). */
export type KeyRefusal =
  | 'not_an_object'
  | 'symmetric'
  | 'unsupported_kty'
  | 'not_for_signatures'
  | 'private_material'
  | 'rsa_too_small'
  | 'rsa_bad_exponent'
  | 'rsa_roca'
  | 'bad_curve'
  | 'bad_coordinates'
  | 'bad_kid'

/** True for a JSON Web Key Set's shape: an object with a `keys` array (each key is vetted apart). */
export function isKeySet(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys)
  )
}

/** A key admitted from a key set. */
export interface AdmittedKey {
  /** The JWK as published (members scopeguard does not use are kept but ignored). */
  readonly jwk: JWK
  readonly kid: string | undefined
  readonly kty: 'RSA' | 'EC' | 'OKP'
}

/**
 * Checks one JWK from a key set. Returns the admitted key, or the reason it may never be used.
 *
 * @example
 * ```ts
 * const result = admitKey({ kty: 'oct', k: '...' }) // { refused: 'symmetric' }
 * ```
 */
export function admitKey(value: unknown): AdmittedKey | { refused: KeyRefusal } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { refused: 'not_an_object' }
  }
  const jwk = value as JWK & Record<string, unknown>
  if (jwk.kty === 'oct') return { refused: 'symmetric' }
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP')
    return { refused: 'unsupported_kty' }
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return { refused: 'bad_kid' }
  if (jwk.use !== undefined && jwk.use !== 'sig') return { refused: 'not_for_signatures' }
  if (
    jwk.key_ops !== undefined &&
    (!Array.isArray(jwk.key_ops) || !(jwk.key_ops as unknown[]).includes('verify'))
  ) {
    return { refused: 'not_for_signatures' }
  }
  if (PRIVATE_MEMBERS.some((name) => jwk[name] !== undefined))
    return { refused: 'private_material' }
  const refusal =
    jwk.kty === 'RSA' ? checkRsa(jwk) : jwk.kty === 'EC' ? checkEc(jwk) : checkOkp(jwk)
  if (refusal !== undefined) return { refused: refusal }
  return { jwk, kid: jwk.kid, kty: jwk.kty as AdmittedKey['kty'] }
}

/**
 * True when `key` may verify a token signed with `alg`: the key type and curve fit the algorithm,
 * and the JWK's own `alg`, when present, names the same algorithm.
 */
export function keyFitsAlgorithm(key: AdmittedKey, alg: Algorithm): boolean {
  const spec = ALGORITHMS[alg]
  if (key.kty !== spec.kty) return false
  if (spec.crv !== undefined && key.jwk.crv !== spec.crv) return false
  const declared = key.jwk.alg
  if (declared === undefined) return true
  if (declared === alg) return true
  return spec.kty === 'OKP' && (declared === 'EdDSA' || declared === 'Ed25519')
}

function toBigInt(bytes: Uint8Array): bigint {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex === '' ? 0n : BigInt(`0x${hex}`)
}

function bitLength(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length && bytes[i] === 0) i++
  if (i === bytes.length) return 0
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number))
}

function checkRsa(jwk: JWK): KeyRefusal | undefined {
  const n = typeof jwk.n === 'string' ? decodeBase64url(jwk.n) : undefined
  const e = typeof jwk.e === 'string' ? decodeBase64url(jwk.e) : undefined
  if (n === undefined || e === undefined) return 'bad_coordinates'
  if (bitLength(n) < MIN_RSA_BITS) return 'rsa_too_small'
  const exponent = toBigInt(e)
  // An even or tiny exponent is unsound; anything wider than 32 bits is not what issuers publish.
  if (exponent < 3n || exponent % 2n === 0n || bitLength(e) > 32) return 'rsa_bad_exponent'
  if (isRocaWeak(toBigInt(n))) return 'rsa_roca'
  return undefined
}

function checkEc(jwk: JWK): KeyRefusal | undefined {
  const size = typeof jwk.crv === 'string' ? EC_COORDINATE_BYTES[jwk.crv] : undefined
  if (size === undefined) return 'bad_curve'
  const x = typeof jwk.x === 'string' ? decodeBase64url(jwk.x) : undefined
  const y = typeof jwk.y === 'string' ? decodeBase64url(jwk.y) : undefined
  if (x?.length !== size || y?.length !== size) return 'bad_coordinates'
  return undefined
}

function checkOkp(jwk: JWK): KeyRefusal | undefined {
  if (jwk.crv !== 'Ed25519') return 'bad_curve'
  const x = typeof jwk.x === 'string' ? decodeBase64url(jwk.x) : undefined
  return x?.length === 32 ? undefined : 'bad_coordinates'
}

/**
 * The ROCA fingerprint (Nemec et al., CCS 2017): moduli made by the vulnerable Infineon library are
 * congruent, modulo each small prime r below, to a power of 65537. A random modulus passes all the
 * tests with negligible probability.
 */
const ROCA_PRIMES = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101,
  103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
]
const ROCA_SUBGROUPS = ROCA_PRIMES.map((r) => {
  const members = new Set<number>()
  let value = 1
  do {
    members.add(value)
    value = (value * (65537 % r)) % r
  } while (!members.has(value))
  return members
})

/** True when the modulus carries the ROCA fingerprint. */
export function isRocaWeak(modulus: bigint): boolean {
  for (let i = 0; i < ROCA_PRIMES.length; i++) {
    const residue = Number(modulus % BigInt(ROCA_PRIMES[i] as number))
    if (!(ROCA_SUBGROUPS[i] as Set<number>).has(residue)) return false
  }
  return true
}
