/**
 * Property-based fuzzing of the DPoP proof parser and checks (fast-check, fixed seed): mutations
 * of a valid proof (characters flipped, inserted or dropped, segments swapped, JSON members
 * duplicated, retyped or removed and the proof signed again, base64 padding and whitespace) are
 * never accepted, and every refusal is the core's `OAuthError`, 401 with a `DPoP` challenge, whose
 * headers hold no piece of the token or proof (the leak watch checks events and logs as well).
 * `FUZZ_RUNS` and `FUZZ_SEED` as in fuzz.test.ts (`npm run fuzz` runs this file too).
 */
import { createHash, randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, isOAuthError, type Verifier } from '@scopeguard/core'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { noteSent, watch } from './leak-watch.js'
import { claimsOf, CLIENT } from './attacks.js'
import { craft, craftKey, part, type CraftKey } from './craft.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500)
const SEED = Number(process.env.FUZZ_SEED ?? 20261202)
const TIMEOUT = Math.max(30_000, RUNS * 2)
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_FuzzDpop'
const ORIGIN = 'https://api.example'
const ALGS = 'ES256 EdDSA PS256 RS256'
const ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "\t,\\\u0000é{}:[]'

let verifier: Verifier
let client: CraftKey
let jwk: JWK
let token: string
let header: Record<string, unknown>
let claims: Record<string, unknown>
let proof: string

beforeAll(async () => {
  const issuerKey = craftKey('rsa', 'rsa-1', { alg: 'RS256', use: 'sig' })
  client = craftKey('p256', 'client')
  const { kid: _kid, ...publicJwk } = client.jwk
  jwk = publicJwk
  verifier = createVerifier({
    issuer: ISSUER,
    clientId: CLIENT,
    tokenUse: 'access',
    jwks: { keys: [issuerKey.jwk] },
    dpop: {
      publicOrigin: ORIGIN,
      // One proof serves every run: a day-long window, and a replay store that forgets (replay
      // has its own rows in the attack table), so each mutation meets every other check.
      proofMaxAge: 86_400,
      replayStore: { claim: () => true },
    },
  })
  watch(verifier)
  const cnf = { jkt: await calculateJwkThumbprint(jwk, 'sha256') }
  token = craft({ alg: 'RS256', kid: 'rsa-1' }, claimsOf(ISSUER, { exp: 4_000_000_000, cnf }), {
    alg: 'RS256',
    key: issuerKey,
  })
  header = { typ: 'dpop+jwt', alg: 'ES256', jwk }
  claims = {
    jti: randomUUID(),
    htm: 'GET',
    htu: `${ORIGIN}/photos`,
    iat: Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(token).digest('base64url'),
  }
  proof = craft(header, claims, { alg: 'ES256', key: client })
  noteSent(token)
  noteSent(proof)
})

/** Sends `dpop` (the proof header's value) with the bound token; classifies the outcome. */
async function outcome(dpop: string): Promise<'accepted' | 'refused'> {
  try {
    await verifier.authenticate({
      method: 'GET',
      url: '/photos?page=2',
      headers: { authorization: `DPoP ${token}`, dpop },
    })
    return 'accepted'
  } catch (error) {
    if (!isOAuthError(error)) throw error
    const challenge = error.headers['WWW-Authenticate'] ?? ''
    if (
      error.status !== 401 ||
      !challenge.startsWith('DPoP ') ||
      !challenge.includes(`algs="${ALGS}"`)
    ) {
      throw new Error(`not a 401 DPoP refusal: ${error.status} ${challenge}`)
    }
    const answer = `${error.message} ${JSON.stringify(error.headers)}`
    for (const piece of [...token.split('.'), ...dpop.split(/[.\s]/)]) {
      if (piece.length >= 16 && answer.includes(piece.slice(0, 16))) {
        throw new Error('a piece of the token or proof in the refusal')
      }
    }
    return 'refused'
  }
}

/** One edit of a string: replace, insert or delete a character, swap two, or cut the rest. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    char: fc.constantFrom(...ALPHABET),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    char: fc.constantFrom(...ALPHABET),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
)
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never

function apply(text: string, change: Edit): string {
  const at = change.at % (text.length + 1)
  switch (change.kind) {
    case 'replace':
      return text.slice(0, at) + change.char + text.slice(at + 1)
    case 'insert':
      return text.slice(0, at) + change.char + text.slice(at)
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1)
    case 'swap': {
      const chars = [...text]
      const a = at % chars.length
      const b = change.with % chars.length
      ;[chars[a], chars[b]] = [chars[b] as string, chars[a] as string]
      return chars.join('')
    }
    case 'truncate':
      return text.slice(0, at)
  }
}

/** Values of another JSON type than `value`'s. */
function retyped(value: unknown): unknown[] {
  const all = [42, -1.5, 'text', '', null, true, [], [value], {}, { value }]
  return all.filter(
    (other) =>
      typeof other !== typeof value ||
      Array.isArray(other) !== Array.isArray(value) ||
      (other === null) !== (value === null),
  )
}

/** JSON text of `object` with `member` written twice (first `first`, then its own value). */
function duplicated(object: Record<string, unknown>, member: string, first: unknown): string {
  const rest = JSON.stringify(object).slice(1)
  return `{${JSON.stringify(member)}:${JSON.stringify(first)},${rest}`
}

describe('fuzzing the DPoP proof (fast-check)', () => {
  it('accepts the unmutated proof (the properties below are not vacuous)', async () => {
    expect(await outcome(proof)).toBe('accepted')
    expect(await outcome(` ${proof}\t`)).toBe('accepted')
  })

  it(
    'never accepts a proof with characters flipped, inserted, dropped or swapped',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
          const mutated = edits.reduce(apply, proof)
          const result = await outcome(mutated)
          // Surrounding whitespace is no part of a header value (RFC 9110 OWS).
          return result === 'refused' || mutated.trim() === proof
        }),
        { numRuns: RUNS, seed: SEED },
      )
    },
    TIMEOUT,
  )

  it(
    'never accepts segments swapped, repeated, dropped or added',
    async () => {
      const segments = proof.split('.')
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat({ max: 3 }), { minLength: 0, maxLength: 5 }),
          async (picks) => {
            const mutated = picks.map((pick) => segments[pick] ?? '').join('.')
            return (await outcome(mutated)) === 'refused' || mutated === proof
          },
        ),
        { numRuns: RUNS, seed: SEED },
      )
    },
    TIMEOUT,
  )

  it(
    'never accepts a required member duplicated, retyped or removed, even signed again by the key',
    async () => {
      const members = [
        ...['typ', 'alg', 'jwk'].map((name) => ['header', name] as const),
        ...['jti', 'htm', 'htu', 'iat', 'ath'].map((name) => ['claims', name] as const),
      ]
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...members),
          fc.constantFrom('duplicate-same', 'duplicate-other', 'retype', 'remove'),
          fc.nat(),
          async ([side, name], operation, pick) => {
            const object = { ...(side === 'header' ? header : claims) }
            const value = object[name]
            const others = retyped(value)
            const other = others[pick % others.length]
            let text: string
            if (operation === 'duplicate-same') text = duplicated(object, name, value)
            else if (operation === 'duplicate-other') text = duplicated(object, name, other)
            else {
              if (operation === 'retype') object[name] = other
              else delete object[name]
              text = JSON.stringify(object)
            }
            const [h, c] =
              side === 'header' ? [part(text), part(claims)] : [part(header), part(text)]
            const mutated = craft(h, c, { alg: 'ES256', key: client }, true)
            return (await outcome(mutated)) === 'refused'
          },
        ),
        { numRuns: RUNS, seed: SEED },
      )
    },
    TIMEOUT,
  )

  it(
    'never accepts base64 padding, standard-alphabet characters or whitespace inside a segment',
    async () => {
      const segments = proof.split('.')
      const noise = fc.constantFrom('=', '==', ' ', '\t', '\n', '\r\n', '+', '/', '%3D')
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 2 }), fc.nat(), noise, async (which, at, inserted) => {
          const segment = segments[which] as string
          const cut = 1 + (at % (segment.length - 1))
          const changed = [...segments]
          changed[which] = `${segment.slice(0, cut)}${inserted}${segment.slice(cut)}`
          const padded = [...segments]
          padded[which] = `${segment}${inserted}`
          const results = await Promise.all([outcome(changed.join('.')), outcome(padded.join('.'))])
          // Whitespace after the last segment is outside the value; anywhere else it is refused.
          const trailing = which === 2 && inserted.trim() === ''
          return results[0] === 'refused' && (results[1] === 'refused' || trailing)
        }),
        { numRuns: RUNS, seed: SEED },
      )
    },
    TIMEOUT,
  )
})
