/**
 * Keys and Cognito-shaped access tokens for the benchmarks. Keys are generated at run time (none
 * is ever written to disk); tokens are signed with node:crypto and assembled by hand, which is
 * fast enough to mint 200,000 EdDSA tokens in seconds.
 */
import { Buffer } from 'node:buffer'
import { createPublicKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto'

/** The algorithms the verify micro-benchmarks cover. */
export const ALGS = /** @type {const} */ (['RS256', 'ES256', 'EdDSA'])

/** A Cognito-shaped issuer (the tokens' `iss`); the keys are served from loopback. */
export const USER_POOL_ID = 'us-east-1_BenchPool1'
export const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${USER_POOL_ID}`
export const CLIENT_ID = '1benchclient234567890abcde'
export const SCOPE = 'photos.read'

/**
 * Generates one signing key pair per algorithm, with its public JWK (`kid`, `alg`, `use`).
 *
 * @param {readonly string[]} [algs]
 * @returns {Record<string, { alg: string, kid: string, privateKey: import('node:crypto').KeyObject, publicKey: import('node:crypto').KeyObject, jwk: Record<string, unknown> }>}
 */
export function generateKeys(algs = ALGS) {
  /** @type {Record<string, any>} */
  const keys = {}
  for (const alg of algs) {
    const pair =
      alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : alg === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('ed25519')
    const kid = `bench-${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`
    const jwk = {
      ...createPublicKey(pair.privateKey).export({ format: 'jwk' }),
      kid,
      alg,
      use: 'sig',
    }
    keys[alg] = { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk }
  }
  return keys
}

/** The JWKS document of a set of generated keys. */
export function jwksOf(keys) {
  return { keys: Object.values(keys).map((k) => k.jwk) }
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * Signs one JWS by hand (RS256: PKCS#1 v1.5 SHA-256; ES256: P-256 SHA-256 in the JOSE r||s form;
 * EdDSA: Ed25519).
 */
export function signJws(key, header, payload) {
  const input = `${b64(header)}.${b64(payload)}`
  const data = Buffer.from(input)
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', data, key.privateKey)
      : key.alg === 'ES256'
        ? sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign(null, data, key.privateKey)
  return `${input}.${signature.toString('base64url')}`
}

/** The claims of a Cognito access token (no `aud`; `client_id`, `token_use`, `scope`). */
export function cognitoClaims(i, nowSec = Math.floor(Date.now() / 1000), overrides = {}) {
  return {
    sub: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    iss: ISSUER,
    client_id: CLIENT_ID,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: SCOPE,
    auth_time: nowSec - 60,
    exp: nowSec + 3600,
    iat: nowSec - 60,
    jti: randomUUID(),
    username: `user-${i}`,
    version: 2,
    ...overrides,
  }
}

/**
 * Mints `count` distinct access tokens for one key.
 *
 * @returns {string[]}
 */
export function mintTokens(key, count, overrides = {}) {
  const nowSec = Math.floor(Date.now() / 1000)
  const header = { kid: key.kid, alg: key.alg }
  const tokens = new Array(count)
  for (let i = 0; i < count; i++)
    tokens[i] = signJws(key, header, cognitoClaims(i, nowSec, overrides))
  return tokens
}

/**
 * Tokens that fill a verifier's token cache (1000 entries by default) before a distinct-token
 * measurement, as the cache of a server that has been up a while is full of other clients'
 * tokens. Once full, the cache admits a token on its second verification only; a cache filled by
 * the measured tokens themselves would keep the first thousand of a cycled pool and hit them on
 * every later cycle (30% of a 2,000-token cycle, 18% of 5,000), which is not distinct traffic.
 * After the fillers, the measured pool is never admitted, so it never hits.
 *
 * @returns {string[]}
 */
export function mintFillers(key, count = 1000) {
  return mintTokens(key, count, { filler: true })
}

/**
 * A token with one character of its signature changed (still canonical base64url: the last
 * character's spare bits are never touched).
 */
export function tamper(token) {
  const at = token.lastIndexOf('.') + 5
  const swapped = token[at] === 'A' ? 'B' : 'A'
  return token.slice(0, at) + swapped + token.slice(at + 1)
}

/**
 * A token whose payload was changed after signing (the signature no longer matches): the
 * scope is widened, the classic forgery.
 */
export function forgePayload(token) {
  const [h, p, s] = token.split('.')
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'))
  claims.scope = 'photos.read photos.write admin'
  return `${h}.${b64(claims)}.${s}`
}
