/**
 * The verify micro-benchmark contenders. Each one is configured the way a resource server would
 * use it for a Cognito access token (keys known up front, issuer checked, `client_id` and
 * `token_use` checked), returns the claims, and throws on any refusal.
 *
 * A contender is `{ name, sync, prepare?, verify }`: `prepare(tokens)` turns the token list into
 * the items `verify(item)` takes (only the crypto floor pre-decodes its input; everyone else gets
 * the raw token string).
 */
import { Buffer } from 'node:buffer'
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import jsonwebtoken from 'jsonwebtoken'
import { CLIENT_ID, ISSUER, USER_POOL_ID } from './tokens.mjs'

/** The claims every peer checks by hand where it has no option for them (jose, fast-jwt, jsonwebtoken). */
function cognitoAccess(claims) {
  if (claims.client_id !== CLIENT_ID || claims.token_use !== 'access') {
    throw new Error('not an access token of this client')
  }
  return claims
}

/**
 * The crypto floor: one synchronous node:crypto verify over pre-decoded signing input and
 * signature, nothing else (no parsing, no claims).
 */
function floor(key) {
  const keyObject = createPublicKey({ key: key.jwk, format: 'jwk' })
  const options =
    key.alg === 'ES256'
      ? { key: keyObject, dsaEncoding: /** @type {const} */ ('ieee-p1363') }
      : keyObject
  const digest = key.alg === 'EdDSA' ? null : 'sha256'
  return {
    name: 'crypto floor',
    sync: true,
    prepare: (tokens) =>
      tokens.map((token) => {
        const dot = token.lastIndexOf('.')
        return {
          data: Buffer.from(token.slice(0, dot)),
          signature: Buffer.from(token.slice(dot + 1), 'base64url'),
        }
      }),
    verify: (item) => {
      if (!cryptoVerify(digest, item.data, options, item.signature))
        throw new Error('bad signature')
      return true
    },
  }
}

/**
 * Every contender for one algorithm.
 *
 * @param {{ alg: string, kid: string, jwk: Record<string, unknown> }} key
 * @param {{ mode: 'distinct' | 'repeated', createVerifier: Record<'node' | 'webcrypto', typeof import('@scopeguard/core').createVerifier> }} options
 */
export async function makeContenders(key, { mode, createVerifier }) {
  const { alg } = key
  const jwks = { keys: [key.jwk] }
  const keyObject = createPublicKey({ key: key.jwk, format: 'jwk' })
  const pem = keyObject.export({ type: 'spki', format: 'pem' }).toString()
  /** @type {{ name: string, sync: boolean, prepare?: (tokens: string[]) => unknown[], verify: (item: any) => unknown }[]} */
  const list = [floor(key)]

  const localJwks = createLocalJWKSet(jwks)
  list.push({
    name: 'jose 6 jwtVerify',
    sync: false,
    verify: async (token) =>
      cognitoAccess(
        (await jwtVerify(token, localJwks, { issuer: ISSUER, algorithms: [alg] })).payload,
      ),
  })

  // Cognito signs with RS256 only, and CognitoJwtVerifier accepts only RSA keys: the other
  // algorithms use aws-jwt-verify's generic verifier with the same checks.
  let aws
  if (alg === 'RS256') {
    aws = CognitoJwtVerifier.create({
      userPoolId: USER_POOL_ID,
      tokenUse: 'access',
      clientId: CLIENT_ID,
    })
  } else {
    aws = JwtVerifier.create({
      issuer: ISSUER,
      audience: null,
      jwksUri: 'https://unused.invalid/jwks.json',
      customJwtCheck: ({ payload }) => {
        cognitoAccess(payload)
      },
    })
  }
  aws.cacheJwks(jwks)
  list.push({
    name: 'aws-jwt-verify verifySync',
    sync: true,
    verify: (token) => aws.verifySync(token),
  })

  const fastJwt = createFastJwtVerifier({ key: pem, algorithms: [alg], allowedIss: ISSUER })
  list.push({
    name: 'fast-jwt',
    sync: true,
    verify: (token) => cognitoAccess(fastJwt(token)),
  })
  if (mode === 'repeated') {
    const cached = createFastJwtVerifier({
      key: pem,
      algorithms: [alg],
      allowedIss: ISSUER,
      cache: true,
    })
    list.push({
      name: 'fast-jwt (cache: true)',
      sync: true,
      verify: (token) => cognitoAccess(cached(token)),
    })
  }

  // jsonwebtoken 9 has no EdDSA.
  if (alg !== 'EdDSA') {
    list.push({
      name: 'jsonwebtoken (KeyObject)',
      sync: true,
      verify: (token) =>
        cognitoAccess(jsonwebtoken.verify(token, keyObject, { algorithms: [alg], issuer: ISSUER })),
    })
  }

  for (const backend of /** @type {const} */ (['node', 'webcrypto'])) {
    const verifier = createVerifier[backend]({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      tokenUse: 'access',
      jwks,
    })
    if (verifier.backend !== backend) {
      throw new Error(`expected the ${backend} backend, got ${verifier.backend}`)
    }
    await verifier.warmup()
    list.push({
      name: `scopeguard (${backend})`,
      sync: false,
      verify: (token) => verifier.verify(token),
    })
    if (backend === 'node') {
      // The adapters' path: the token found in a request's headers (as req.headersDistinct).
      list.push({
        name: 'scopeguard (node) authenticate()',
        sync: false,
        prepare: (tokens) =>
          tokens.map((token) => ({
            method: 'GET',
            url: '/photos',
            headers: {
              host: ['127.0.0.1'],
              'user-agent': ['bench'],
              accept: ['*/*'],
              authorization: [Buffer.from(`Bearer ${token}`, 'latin1').toString('latin1')],
            },
          })),
        verify: (request) => verifier.authenticate(request),
      })
    }
  }
  if (mode === 'distinct') {
    const uncached = createVerifier.node({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      tokenUse: 'access',
      jwks,
      tokenCache: false,
    })
    list.push({
      name: 'scopeguard (node, tokenCache: false)',
      sync: false,
      verify: (token) => uncached.verify(token),
    })
  }
  return list
}
