/**
 * One signature, two encodings: a JWS signature must have exactly one byte form. RSA signatures
 * are exactly as long as the modulus (RFC 8017 8.1.2 and 8.2.2, step 1); OpenSSL's RSA-PSS check
 * alone accepts a signature whose first octet is 0 with that octet stripped (the same integer), so
 * the kit checks the length itself. ECDSA and EdDSA signatures have one fixed JOSE length.
 * Through the signature layer on both backends, and through a whole verifier.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, isOAuthError } from '@scopeguard/core'
import { noteSent, watch } from './leak-watch.js'
import { claimsOf } from './attacks.js'
import { craft, craftKey, type CraftAlg, type CraftKey } from './craft.js'
import { nodeBackend, publicKeySet, verifyJws, webCryptoBackend } from './jws-level.js'

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Encoding'
const RSA_ALGS = ['RS256', 'RS512', 'PS256'] as const

/** A token signed by `key` as `alg` whose signature's first octet is 0 (signed until one is). */
function leadingZeroToken(alg: CraftAlg, key: CraftKey): string {
  // One RSA signature in 256 starts with a zero octet; 8192 tries miss with odds of about 1e-14.
  for (let jti = 0; jti < 8192; jti++) {
    const token = craft(
      { alg, kid: key.kid },
      { ...claimsOf(ISSUER), jti: String(jti) },
      {
        alg,
        key,
      },
    )
    if (signatureOf(token)[0] === 0) return token
  }
  throw new Error(`no ${alg} signature with a leading zero octet in 8192 tries`)
}

const signatureOf = (token: string) =>
  Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
const withSignature = (token: string, signature: Uint8Array) =>
  `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from(signature).toString('base64url')}`

let rsa: CraftKey
let ec: CraftKey
let ed: CraftKey
const tokens = new Map<string, string>()

beforeAll(() => {
  rsa = craftKey('rsa', 'rsa-1')
  ec = craftKey('p256', 'ec-1')
  ed = craftKey('ed25519', 'ed-1')
  for (const alg of RSA_ALGS) tokens.set(alg, leadingZeroToken(alg, rsa))
  tokens.set(
    'ES256',
    craft({ alg: 'ES256', kid: 'ec-1' }, claimsOf(ISSUER), { alg: 'ES256', key: ec }),
  )
  tokens.set(
    'EdDSA',
    craft({ alg: 'EdDSA', kid: 'ed-1' }, claimsOf(ISSUER), { alg: 'EdDSA', key: ed }),
  )
}, 60_000)

/** The genuine token and its re-encodings of the same signature value. */
function variants(alg: string) {
  const token = tokens.get(alg)!
  const signature = signatureOf(token)
  const padded = new Uint8Array(signature.length + 1)
  padded.set(signature, 1)
  return {
    token,
    reencoded: {
      'leading zero octet stripped': withSignature(token, signature.subarray(1)),
      'an extra leading zero octet': withSignature(token, padded),
    },
  }
}

const ALGS = [...RSA_ALGS, 'ES256', 'EdDSA'] as const

describe.each([
  ['node:crypto', nodeBackend],
  ['Web Crypto', webCryptoBackend],
] as const)('one signature, one encoding: the %s signature layer', (_name, backend) => {
  it.each(ALGS)('%s: the genuine signature passes, a re-encoding of it does not', async (alg) => {
    const keys = publicKeySet({ keys: [rsa.jwk, ec.jwk, ed.jwk] })
    const { token, reencoded } = variants(alg)
    expect(await verifyJws(token, keys, backend)).toBe('accepted')
    for (const [how, forged] of Object.entries(reencoded)) {
      expect(await verifyJws(forged, keys, backend), how).toBe('signature')
    }
  })
})

describe('one signature, one encoding: a verifier', () => {
  it.each(ALGS)('%s: a re-encoded signature is invalid_token / bad_signature', async (alg) => {
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: null,
      algorithms: [...ALGS],
      jwks: { keys: [rsa.jwk, ec.jwk, ed.jwk] },
      jwksUri: null,
    })
    watch(verifier)
    const { token, reencoded } = variants(alg)
    for (const sent of [token, ...Object.values(reencoded)]) noteSent(sent)
    expect((await verifier.verify(token)).issuer).toBe(ISSUER)
    for (const [how, forged] of Object.entries(reencoded)) {
      const error: unknown = await verifier.verify(forged).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isOAuthError(error) && `${error.code}/${error.reason}`, how).toBe(
        'invalid_token/bad_signature',
      )
    }
  })
})
