/**
 * The DPoP attack table (RFC 9449): every row is one request to `GET /read` (route scope
 * `photos.read`) of an app whose verifier accepts both schemes with the public origin
 * `https://api.example`, and the exact answer it must get. Proofs are made by hand (craft.ts: any
 * header, any claims, any key), fresh for every request, so each row meets exactly the check it
 * aims at. The same rows run against the core and every adapter driver (dpop-attacks.test.ts).
 */
import { randomUUID, createHash } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { CLIENT, READ } from './attacks.js'
import { craft, craftKey, type CraftAlg, type CraftKey } from './craft.js'

export const PUBLIC_ORIGIN = 'https://api.example'
const HTU = `${PUBLIC_ORIGIN}/read`
/** The default DPoP algorithms, as every DPoP challenge lists them. */
export const ALGS = 'ES256 EdDSA PS256 RS256'

/** Refusals of the proof itself: 401 `invalid_dpop_proof`. */
const PROOF = {
  dpop_missing: 'A DPoP proof is required',
  dpop_duplicate: 'The request carries more than one DPoP proof',
  dpop_with_bearer: 'A DPoP proof came with a Bearer token',
  dpop_malformed: 'The DPoP proof is malformed',
  dpop_bad_typ: 'The DPoP proof type is not dpop+jwt',
  dpop_unsupported_alg: 'The DPoP proof is signed with an algorithm that is not allowed',
  dpop_bad_key: 'The DPoP proof key is not acceptable',
  dpop_private_key: 'The DPoP proof key contains private material',
  dpop_bad_signature: 'The DPoP proof signature is invalid',
  dpop_bad_method: 'The DPoP proof is for another HTTP method',
  dpop_bad_uri: 'The DPoP proof is for another URI',
  dpop_too_old: 'The DPoP proof is too old',
  dpop_future: 'The DPoP proof is issued in the future',
  dpop_expired: 'The DPoP proof expired',
  dpop_bad_ath: 'The DPoP proof is for another access token',
  dpop_replay: 'The DPoP proof was already used',
} as const

/** Refusals of the token or its binding, answered in the scheme it came with: 401 `invalid_token`. */
const TOKEN = {
  binding_mismatch: 'The access token is bound to another key',
  unbound_token: 'The access token is not bound to the DPoP proof key',
  bad_signature: 'The access token signature is invalid',
  expired: 'The access token expired',
} as const

export type DpopRefusal = 'ok' | 'missing' | 'bound_token' | keyof typeof PROOF | keyof typeof TOKEN

/** The exact answer of a refusal (status and whole WWW-Authenticate), or of success. */
export function dpopAnswerOf(refusal: DpopRefusal): { status: number; challenge: string | null } {
  if (refusal === 'ok') return { status: 200, challenge: null }
  if (refusal === 'missing') return { status: 401, challenge: `Bearer, DPoP algs="${ALGS}"` }
  if (refusal === 'bound_token') {
    return {
      status: 401,
      challenge:
        'Bearer error="invalid_token", error_description="The access token is bound to a key and needs proof of possession"',
    }
  }
  const [error, description] =
    refusal in PROOF
      ? ['invalid_dpop_proof', PROOF[refusal as keyof typeof PROOF]]
      : ['invalid_token', TOKEN[refusal as keyof typeof TOKEN]]
  return {
    status: 401,
    challenge: `DPoP error="${error}", error_description="${description}", algs="${ALGS}"`,
  }
}

export interface DpopAttackRow {
  category: string
  name: string
  /** The request's headers, made anew for every request (a proof is good for one use). */
  headers(): Record<string, string | string[]>
  expect: DpopRefusal
  /** The very same headers were sent once before (and accepted); the row is the second use. */
  replayed?: true
}

/** The keys of a run: the issuer's, and the DPoP clients'. */
export interface DpopAttackKeys {
  issuer: CraftKey
  /** The client tokens are bound to (ES256). */
  client: CraftKey
  /** Another client (EdDSA). */
  other: CraftKey
  /** An RSA client key, and one too small to accept (1024 bits). */
  rsa: CraftKey
  small: CraftKey
  /** A P-384 key (ES384 is not a default DPoP algorithm). */
  p384: CraftKey
  /** RFC 7638 thumbprint of `client` (jose's, independent of the core's). */
  clientJkt: string
}

/** Generates the run's keys. */
export async function dpopAttackKeys(): Promise<DpopAttackKeys> {
  const issuer = craftKey('rsa', 'rsa-1', { alg: 'RS256', use: 'sig' })
  const client = craftKey('p256', 'client')
  return {
    issuer,
    client,
    other: craftKey('ed25519', 'other'),
    rsa: craftKey('rsa', 'client-rsa'),
    small: craftKey('rsa1024', 'client-small'),
    p384: craftKey('p384', 'client-384'),
    clientJkt: await calculateJwkThumbprint(publicJwk(client), 'sha256'),
  }
}

/** The public JWK a proof carries (no `kid`: a DPoP key is named by its thumbprint). */
function publicJwk(key: CraftKey): JWK {
  const { kid: _kid, ...jwk } = key.jwk
  return jwk
}

const now = () => Math.floor(Date.now() / 1000)
const ath = (token: string) => createHash('sha256').update(token).digest('base64url')
const drop = (value: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined))

interface ProofRecipe {
  /** The signing key (default: the client's) and the algorithm it signs with (default: ES256). */
  key?: CraftKey
  alg?: CraftAlg
  /** Header members over `{ typ, alg, jwk }` (`undefined` removes one). */
  header?: Record<string, unknown>
  /** Claims over `{ jti, htm: GET, htu, iat: now, ath }` (`undefined` removes one). */
  claims?: Record<string, unknown>
}

/** The attack rows for an app trusting `issuer`, whose key `keys.issuer` signs the tokens. */
export function dpopAttackRows(issuer: string, keys: DpopAttackKeys): DpopAttackRow[] {
  const { client, other } = keys
  const token = (extra: Record<string, unknown>) =>
    craft(
      { alg: 'RS256', kid: 'rsa-1' },
      drop({
        iss: issuer,
        sub: CLIENT,
        client_id: CLIENT,
        token_use: 'access',
        scope: READ,
        iat: now(),
        exp: now() + 3600,
        jti: randomUUID(),
        ...extra,
      }),
      { alg: 'RS256', key: keys.issuer },
    )
  const bound = token({ cnf: { jkt: keys.clientJkt } })
  const unbound = token({})
  const proofFor = (access: string, recipe: ProofRecipe = {}) => {
    const key = recipe.key ?? client
    const alg = recipe.alg ?? 'ES256'
    return craft(
      drop({ typ: 'dpop+jwt', alg, jwk: publicJwk(key), ...recipe.header }),
      drop({
        jti: randomUUID(),
        htm: 'GET',
        htu: HTU,
        iat: now(),
        ath: ath(access),
        ...recipe.claims,
      }),
      { alg, key },
    )
  }
  const dpop = (access: string, recipe?: ProofRecipe) => () => ({
    authorization: `DPoP ${access}`,
    dpop: proofFor(access, recipe),
  })

  const rows: DpopAttackRow[] = []
  const add = (
    category: string,
    name: string,
    headers: () => Record<string, string | string[]>,
    expect: DpopRefusal,
    replayed?: true,
  ) => rows.push({ category, name, headers, expect, ...(replayed ? { replayed } : {}) })

  add('baseline', 'a bound token with its proof', dpop(bound), 'ok')
  add(
    'baseline',
    'an unbound token as Bearer (both schemes on)',
    () => ({
      authorization: `Bearer ${unbound}`,
    }),
    'ok',
  )

  // Where and how: htm and htu (§4.3 checks 8 and 9).
  add(
    'target',
    'a proof for another path',
    dpop(bound, { claims: { htu: `${PUBLIC_ORIGIN}/all` } }),
    'dpop_bad_uri',
  )
  add(
    'target',
    'a proof for another host',
    dpop(bound, { claims: { htu: 'https://api.example.evil/read' } }),
    'dpop_bad_uri',
  )
  add(
    'target',
    'a proof for http: instead of https:',
    dpop(bound, { claims: { htu: 'http://api.example/read' } }),
    'dpop_bad_uri',
  )
  add(
    'target',
    'a proof for another port',
    dpop(bound, { claims: { htu: 'https://api.example:8443/read' } }),
    'dpop_bad_uri',
  )
  add(
    'target',
    'a proof with user info in htu',
    dpop(bound, { claims: { htu: 'https://client@api.example/read' } }),
    'dpop_bad_uri',
  )
  add('target', 'a relative htu', dpop(bound, { claims: { htu: '/read' } }), 'dpop_bad_uri')
  add(
    'target',
    'htu for the request path with a trailing slash',
    dpop(bound, { claims: { htu: `${HTU}/` } }),
    'dpop_bad_uri',
  )
  add(
    'target',
    'htu in upper case, default port, query and fragment (same URI)',
    dpop(bound, { claims: { htu: 'HTTPS://API.EXAMPLE:443/read?x=1#top' } }),
    'ok',
  )
  add(
    'target',
    'htu with a percent-encoded unreserved character (same URI)',
    dpop(bound, { claims: { htu: `${PUBLIC_ORIGIN}/%72ead` } }),
    'ok',
  )
  // The origin is configured: neither Host nor X-Forwarded-* from an untrusted peer moves it.
  const elsewhere = (extra: Record<string, string>) => () => ({
    ...dpop(bound, { claims: { htu: 'https://attacker.example/read' } })(),
    ...extra,
  })
  add(
    'target',
    'a proof for the host the Host header names',
    elsewhere({ host: 'attacker.example' }),
    'dpop_bad_uri',
  )
  add(
    'target',
    'a proof for the origin X-Forwarded-* name (no trusted proxy)',
    elsewhere({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'attacker.example' }),
    'dpop_bad_uri',
  )
  add('target', 'a proof for POST', dpop(bound, { claims: { htm: 'POST' } }), 'dpop_bad_method')
  add('target', 'htm in lower case', dpop(bound, { claims: { htm: 'get' } }), 'dpop_bad_method')

  // Once only (§11.1).
  add('replay', 'a proof used a second time', dpop(bound), 'dpop_replay', true)

  // Which token (§4.3 check 12, §6).
  add(
    'token',
    'ath of another token',
    dpop(bound, { claims: { ath: ath(unbound) } }),
    'dpop_bad_ath',
  )
  add('token', 'no ath', dpop(bound, { claims: { ath: undefined } }), 'dpop_malformed')
  add(
    'token',
    'swapped key: the token bound to one key, the proof by another',
    dpop(bound, { key: other, alg: 'EdDSA' }),
    'binding_mismatch',
  )
  add(
    'token',
    "the bound key's jwk, signed by another key",
    dpop(bound, { key: other, alg: 'EdDSA', header: { alg: 'ES256', jwk: publicJwk(client) } }),
    'dpop_bad_signature',
  )
  add('token', 'an unbound token as DPoP', dpop(unbound), 'unbound_token')
  add('token', 'cnf.jkt not a string', dpop(token({ cnf: { jkt: 7 } })), 'unbound_token')
  add(
    'token',
    'a bound token as Bearer',
    () => ({ authorization: `Bearer ${bound}` }),
    'bound_token',
  )
  add(
    'token',
    'a bound token as Bearer, with its proof beside it',
    () => ({
      authorization: `Bearer ${bound}`,
      dpop: proofFor(bound),
    }),
    'dpop_with_bearer',
  )
  add(
    'token',
    'a forged token with a good proof',
    () => {
      const [header, payload] = bound.split('.')
      const forged = `${header}.${payload}.${craft({}, {}, { alg: 'RS256', key: keys.rsa }).split('.')[2]}`
      return { authorization: `DPoP ${forged}`, dpop: proofFor(forged) }
    },
    'bad_signature',
  )
  add(
    'token',
    'an expired bound token with a good proof',
    dpop(token({ cnf: { jkt: keys.clientJkt }, iat: now() - 7200, exp: now() - 3600 })),
    'expired',
  )

  // The key in the proof (§4.3 checks 5-7).
  add(
    'key',
    'a private key in jwk',
    dpop(bound, { header: { jwk: client.privateKey.export({ format: 'jwk' }) } }),
    'dpop_private_key',
  )
  add(
    'key',
    'alg none, no signature',
    () => {
      const proof = proofFor(bound).split('.')
      const header = Buffer.from(
        JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: publicJwk(client) }),
      ).toString('base64url')
      return { authorization: `DPoP ${bound}`, dpop: `${header}.${proof[1]}.` }
    },
    'dpop_unsupported_alg',
  )
  add(
    'key',
    'HS256 with a symmetric jwk',
    () => {
      const secret = 'a secret the attacker picked himself'
      const jwk = { kty: 'oct', k: Buffer.from(secret).toString('base64url') }
      const claims = { jti: randomUUID(), htm: 'GET', htu: HTU, iat: now(), ath: ath(bound) }
      return {
        authorization: `DPoP ${bound}`,
        dpop: craft({ typ: 'dpop+jwt', alg: 'HS256', jwk }, claims, { hmac: 'sha256', secret }),
      }
    },
    'dpop_unsupported_alg',
  )
  add(
    'key',
    'ES384 (off the DPoP allowlist)',
    dpop(bound, { key: keys.p384, alg: 'ES384' }),
    'dpop_unsupported_alg',
  )
  add(
    'key',
    'an RSA key of 1024 bits',
    dpop(bound, { key: keys.small, alg: 'RS256' }),
    'dpop_bad_key',
  )
  add(
    'key',
    'alg ES256 with an RSA jwk',
    dpop(bound, { key: keys.rsa, alg: 'RS256', header: { alg: 'ES256' } }),
    'dpop_bad_key',
  )
  add(
    'key',
    'a jwk for encryption (use: enc)',
    dpop(bound, { header: { jwk: { ...publicJwk(client), use: 'enc' } } }),
    'dpop_bad_key',
  )
  add(
    'key',
    'jwk as a string',
    dpop(bound, { header: { jwk: JSON.stringify(publicJwk(client)) } }),
    'dpop_malformed',
  )
  add('key', 'no jwk', dpop(bound, { header: { jwk: undefined } }), 'dpop_malformed')

  // The proof's form (§4.3 checks 2-4).
  add('form', 'typ JWT', dpop(bound, { header: { typ: 'JWT' } }), 'dpop_bad_typ')
  add('form', 'no typ', dpop(bound, { header: { typ: undefined } }), 'dpop_malformed')
  add('form', 'no jti', dpop(bound, { claims: { jti: undefined } }), 'dpop_malformed')
  add(
    'form',
    'a jti of 300 characters',
    dpop(bound, { claims: { jti: 'j'.repeat(300) } }),
    'dpop_malformed',
  )
  add('form', 'iat as a string', dpop(bound, { claims: { iat: String(now()) } }), 'dpop_malformed')
  add(
    'form',
    'a proof over 4096 characters (a signed 5000-character claim)',
    dpop(bound, { claims: { pad: 'p'.repeat(5000) } }),
    'dpop_malformed',
  )
  add(
    'form',
    'two DPoP headers',
    () => ({
      authorization: `DPoP ${bound}`,
      dpop: [proofFor(bound), proofFor(bound)],
    }),
    'dpop_duplicate',
  )
  add(
    'form',
    'the DPoP scheme without a proof',
    () => ({ authorization: `DPoP ${bound}` }),
    'dpop_missing',
  )
  add('form', 'a proof without any token', () => ({ dpop: proofFor(bound) }), 'missing')

  // When (§4.3 check 11).
  add('time', 'iat an hour ago', dpop(bound, { claims: { iat: now() - 3600 } }), 'dpop_too_old')
  add(
    'time',
    'iat 70 s ago (60 s window, 5 s tolerance)',
    dpop(bound, { claims: { iat: now() - 70 } }),
    'dpop_too_old',
  )
  add('time', 'iat 50 s ago', dpop(bound, { claims: { iat: now() - 50 } }), 'ok')
  add('time', 'iat an hour ahead', dpop(bound, { claims: { iat: now() + 3600 } }), 'dpop_future')
  add(
    'time',
    'iat 30 s ahead (5 s tolerance)',
    dpop(bound, { claims: { iat: now() + 30 } }),
    'dpop_future',
  )
  add('time', 'exp in the past', dpop(bound, { claims: { exp: now() - 30 } }), 'dpop_expired')

  return rows
}
