import { constants, generateKeyPairSync, sign } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Algorithm } from '../../src/algorithms.js'
import { backend as nodeBackend } from '../../src/crypto/node-backend.js'
import type { SignatureBackend } from '../../src/crypto/signature-backend.js'
import { backend as webBackend } from '../../src/crypto/webcrypto-backend.js'

const ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const

interface Pair {
  alg: Algorithm
  jwk: JWK
  otherJwk: JWK
  data: Uint8Array
  signature: Uint8Array
}

function signParams(alg: string): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', saltLength: Number(alg.slice(2)) / 8 }
  if (alg.startsWith('ES'))
    return { name: 'ECDSA', hash: `SHA-${alg === 'ES512' ? 512 : alg.slice(2)}` }
  if (alg.startsWith('RS')) return { name: 'RSASSA-PKCS1-v1_5' }
  return { name: 'Ed25519' }
}

const pairs = new Map<string, Pair>()

const RSA_ALGS = ['RS256', 'PS256', 'PS512'] as const
/** Per RSA algorithm, a valid signature whose first octet is 0 (found by signing until one is). */
const leadingZero = new Map<string, { jwk: JWK; data: Uint8Array; signature: Uint8Array }>()

function signUntilLeadingZero(alg: (typeof RSA_ALGS)[number]) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const hash = `sha${alg.slice(2)}`
  const pss = alg.startsWith('PS')
  const key = pss
    ? {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(alg.slice(2)) / 8,
      }
    : privateKey
  // One signature in 256 starts with a zero octet; 8192 tries miss with odds of about 1e-14.
  for (let i = 0; i < 8192; i++) {
    const data = new TextEncoder().encode(`header.payload-${alg}-${i}`)
    const signature = new Uint8Array(sign(hash, data, key))
    if (signature[0] === 0)
      return { jwk: publicKey.export({ format: 'jwk' }) as JWK, data, signature }
  }
  throw new Error(`no ${alg} signature with a leading zero octet in 8192 tries`)
}

beforeAll(async () => {
  for (const alg of ALGS) {
    const options = { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) }
    const [one, two] = await Promise.all([
      generateKeyPair(alg, options),
      generateKeyPair(alg, options),
    ])
    const data = new TextEncoder().encode(`header.payload-${alg}`)
    const signature = new Uint8Array(
      await crypto.subtle.sign(signParams(alg), one.privateKey, data),
    )
    pairs.set(alg, {
      alg,
      jwk: await exportJWK(one.publicKey),
      otherJwk: await exportJWK(two.publicKey),
      data,
      signature,
    })
  }
  for (const alg of RSA_ALGS) leadingZero.set(alg, signUntilLeadingZero(alg))
  // RSA key generation and the search above take a second or two, more on a busy machine.
}, 60_000)

const backends: [string, SignatureBackend][] = [
  ['node', nodeBackend],
  ['webcrypto', webBackend],
]

describe.each(backends)('the %s signature backend', (name, backend) => {
  const check = async (alg: Algorithm, jwk: JWK, data: Uint8Array, signature: Uint8Array) => {
    const key = await backend.importKey(jwk, alg)
    return backend.verify(alg, key, data, signature)
  }

  it('names itself', () => {
    expect(backend.name).toBe(name)
  })

  it.each(ALGS)('accepts a valid %s signature', async (alg) => {
    const pair = pairs.get(alg)!
    expect(await check(alg, pair.jwk, pair.data, pair.signature)).toBe(true)
  })

  it.each(ALGS)(
    'refuses a %s signature over other data, with another key, or tampered',
    async (alg) => {
      const pair = pairs.get(alg)!
      const otherData = new TextEncoder().encode('header.other')
      expect(await check(alg, pair.jwk, otherData, pair.signature)).toBe(false)
      expect(await check(alg, pair.otherJwk, pair.data, pair.signature)).toBe(false)
      const tampered = pair.signature.slice()
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1
      expect(await check(alg, pair.jwk, pair.data, tampered)).toBe(false)
    },
  )

  it.each(ALGS)('refuses an empty or truncated %s signature without throwing', async (alg) => {
    const pair = pairs.get(alg)!
    expect(await check(alg, pair.jwk, pair.data, new Uint8Array(0))).toBe(false)
    expect(await check(alg, pair.jwk, pair.data, pair.signature.slice(0, -1))).toBe(false)
    expect(await check(alg, pair.jwk, pair.data, pair.signature.slice(1))).toBe(false)
  })

  it.each(RSA_ALGS)(
    'refuses a %s signature one octet short of the modulus, even one that equals a valid signature as a number',
    async (alg) => {
      const { jwk, data, signature } = leadingZero.get(alg)!
      expect(signature[0]).toBe(0)
      expect(await check(alg, jwk, data, signature)).toBe(true)
      // The same integer without its leading zero octet: OpenSSL's PSS check alone accepts it.
      expect(await check(alg, jwk, data, signature.slice(1))).toBe(false)
      const padded = new Uint8Array(signature.length + 1)
      padded.set(signature, 1)
      expect(await check(alg, jwk, data, padded)).toBe(false)
    },
  )

  it('refuses a DER-encoded ECDSA signature (JWS uses the raw r||s form)', async () => {
    const pair = pairs.get('ES256')!
    const der = new Uint8Array([
      0x30,
      0x44,
      0x02,
      0x20,
      ...pair.signature.slice(0, 32),
      0x02,
      0x20,
      ...pair.signature.slice(32),
    ])
    expect(await check('ES256', pair.jwk, pair.data, der)).toBe(false)
  })

  it('returns false, not an exception, when the key does not suit the algorithm', async () => {
    const rsa = pairs.get('RS256')!
    const key = await backend.importKey(rsa.jwk, 'RS256')
    expect(await backend.verify('PS256', key, rsa.data, rsa.signature)).toBe(false)
    const ec = pairs.get('ES256')!
    const ecKey = await backend.importKey(ec.jwk, 'ES256')
    expect(await backend.verify('RS256', ecKey, rsa.data, rsa.signature)).toBe(false)
  })
})

describe('the digests both backends give DPoP (SHA-256, HMAC-SHA-256)', () => {
  const data = new TextEncoder().encode('abc')
  const key = new TextEncoder().encode('key')
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

  it.each([
    ['node', nodeBackend],
    ['webcrypto', webBackend],
  ] as const)(
    '%s: SHA-256 and HMAC-SHA-256 match the published test values',
    async (_, backend) => {
      expect(hex(await backend.sha256(data))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      )
      expect(
        hex(
          await backend.hmacSha256(
            key,
            new TextEncoder().encode('The quick brown fox jumps over the lazy dog'),
          ),
        ),
      ).toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8')
    },
  )
})
