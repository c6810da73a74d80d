import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeBase64url } from '../src/base64url.js'
import { admitKey, isRocaWeak, keyFitsAlgorithm, type AdmittedKey } from '../src/key-policy.js'

/** Wycheproof's JWK vectors, vendored in test/vectors (a missing file fails, never skips). */
const VECTORS = fileURLToPath(
  new URL('../../../test/vectors/wycheproof/json_web_key_test.json', import.meta.url),
)

interface VectorGroup {
  public?: { keys: JWK[] }
  tests: { tcId: number }[]
}

let rsa: JWK
let ec256: JWK
let ec384: JWK
let ed: JWK

beforeAll(async () => {
  const make = async (alg: string, options: Record<string, unknown> = {}) =>
    exportJWK((await generateKeyPair(alg, { extractable: true, ...options })).publicKey)
  ;[rsa, ec256, ec384, ed] = await Promise.all([
    make('RS256'),
    make('ES256'),
    make('ES384'),
    make('EdDSA', { crv: 'Ed25519' }),
  ])
})

const refusal = (value: unknown) => {
  const result = admitKey(value)
  return 'refused' in result ? result.refused : 'admitted'
}
const b64 = (bytes: number[]) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

describe('admitKey', () => {
  it('admits RSA, EC and Ed25519 public keys for signatures', () => {
    for (const jwk of [rsa, ec256, ec384, ed, { ...rsa, use: 'sig', key_ops: ['verify'] }]) {
      expect(refusal(jwk)).toBe('admitted')
    }
    expect(admitKey({ ...rsa, kid: 'k1' })).toMatchObject({ kid: 'k1', kty: 'RSA' })
  })

  it.each([
    ['a non-object', 'not an object', 'not_an_object'],
    ['null', null, 'not_an_object'],
    ['an array', [], 'not_an_object'],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }, 'symmetric'],
    ['an unknown key type', { kty: 'XYZ' }, 'unsupported_kty'],
  ])('refuses %s', (_name, value, expected) => {
    expect(refusal(value)).toBe(expected)
  })

  it('refuses keys not meant for verification', () => {
    expect(refusal({ ...rsa, use: 'enc' })).toBe('not_for_signatures')
    expect(refusal({ ...rsa, key_ops: ['encrypt'] })).toBe('not_for_signatures')
    expect(refusal({ ...rsa, key_ops: 'verify' })).toBe('not_for_signatures')
  })

  it('refuses keys carrying private members and kids that are not strings', () => {
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
      expect(refusal({ ...rsa, [member]: 'AQAB' })).toBe('private_material')
    }
    expect(refusal({ ...rsa, kid: 42 })).toBe('bad_kid')
  })

  it('refuses RSA keys under 2048 bits, with unsound exponents or missing members', () => {
    const n = decodeBase64url(rsa.n!)!
    expect(refusal({ ...rsa, n: b64([...n.slice(1)]) })).toBe('rsa_too_small')
    expect(refusal({ ...rsa, n: b64([0, 0, ...n]) })).toBe('admitted') // leading zeros do not count
    expect(refusal({ ...rsa, n: '' })).toBe('rsa_too_small')
    for (const e of [[1], [2], [1, 0, 0], [1, 0, 0, 0, 0, 1]]) {
      expect(refusal({ ...rsa, e: b64(e) })).toBe('rsa_bad_exponent')
    }
    expect(refusal({ ...rsa, e: b64([3]) })).toBe('admitted')
    expect(refusal({ ...rsa, n: undefined })).toBe('bad_coordinates')
    expect(refusal({ ...rsa, e: 'not base64url!' })).toBe('bad_coordinates')
  })

  it("refuses Wycheproof's ROCA-weak modulus (JWK tcId 7) and the 1024-bit and e=1 keys", () => {
    const groups = (JSON.parse(readFileSync(VECTORS, 'utf8')) as { testGroups: VectorGroup[] })
      .testGroups
    const keyOf = (tcId: number) =>
      groups.find((group) => group.tests.some((test) => test.tcId === tcId))?.public?.keys[0]
    const roca = keyOf(7)
    expect(roca).toBeDefined()
    expect(refusal({ kty: 'RSA', ...roca })).toBe('rsa_roca')
    expect(isRocaWeak(BigInt(`0x${Buffer.from(roca!.n!, 'base64url').toString('hex')}`))).toBe(true)
    expect(refusal(keyOf(8))).toBe('rsa_too_small')
    expect(refusal(keyOf(9))).toBe('rsa_bad_exponent')
  })

  it('does not flag a freshly generated modulus as ROCA-weak', () => {
    expect(isRocaWeak(BigInt(`0x${Buffer.from(rsa.n!, 'base64url').toString('hex')}`))).toBe(false)
  })

  it('checks EC and OKP curves and coordinate sizes', () => {
    expect(refusal({ ...ec256, crv: 'P-192' })).toBe('bad_curve')
    expect(refusal({ ...ec256, crv: 7 })).toBe('bad_curve')
    expect(refusal({ ...ec256, x: ec384.x })).toBe('bad_coordinates')
    expect(refusal({ ...ec256, y: undefined })).toBe('bad_coordinates')
    expect(refusal({ ...ed, crv: 'Ed448' })).toBe('bad_curve')
    expect(refusal({ ...ed, x: ec384.x })).toBe('bad_coordinates')
    expect(refusal({ ...ed, x: undefined })).toBe('bad_coordinates')
  })
})

describe('keyFitsAlgorithm', () => {
  const admitted = (jwk: JWK) => admitKey(jwk) as AdmittedKey

  it('matches key type and curve to the algorithm', () => {
    expect(keyFitsAlgorithm(admitted(rsa), 'RS256')).toBe(true)
    expect(keyFitsAlgorithm(admitted(rsa), 'PS512')).toBe(true)
    expect(keyFitsAlgorithm(admitted(rsa), 'ES256')).toBe(false)
    expect(keyFitsAlgorithm(admitted(ec256), 'ES256')).toBe(true)
    expect(keyFitsAlgorithm(admitted(ec256), 'ES384')).toBe(false)
    expect(keyFitsAlgorithm(admitted(ec384), 'ES384')).toBe(true)
    expect(keyFitsAlgorithm(admitted(ed), 'EdDSA')).toBe(true)
    expect(keyFitsAlgorithm(admitted(ed), 'RS256')).toBe(false)
  })

  it("honours the key's own alg", () => {
    expect(keyFitsAlgorithm(admitted({ ...rsa, alg: 'RS256' }), 'RS256')).toBe(true)
    expect(keyFitsAlgorithm(admitted({ ...rsa, alg: 'RS256' }), 'PS256')).toBe(false)
    expect(keyFitsAlgorithm(admitted({ ...ed, alg: 'EdDSA' }), 'Ed25519')).toBe(true)
    expect(keyFitsAlgorithm(admitted({ ...ed, alg: 'Ed25519' }), 'EdDSA')).toBe(true)
    expect(keyFitsAlgorithm(admitted({ ...ec256, alg: 'ES384' }), 'ES256')).toBe(false)
  })
})
