/**
 * Property-based fuzzing (fast-check, fixed seed): mutated tokens and Authorization headers are
 * never accepted, and nothing the verifier throws is anything but its own `OAuthError` with a 4xx
 * status. `FUZZ_RUNS` sets the number of mutations per property (default 1,500 so `npm test` stays
 * quick); `npm run fuzz` runs 1,000,000. `FUZZ_SEED` replays a reported failure.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, isOAuthError, type Verifier } from '@scopeguard/core'
import { noteSent, watch } from './leak-watch.js'
import { claimsOf, CLIENT } from './attacks.js'
import { craft, craftKey, type CraftKey } from './craft.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500)
const SEED = Number(process.env.FUZZ_SEED ?? 20261124)
// Roughly 60 µs per RSA-refused mutation; generous so a long run never times out.
const TIMEOUT = Math.max(30_000, RUNS * 2)
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz'
const ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "\t,\\\u0000é'

let verifier: Verifier
let rsa: CraftKey
let ec: CraftKey
let tokens: string[]

beforeAll(() => {
  rsa = craftKey('rsa', 'rsa-1', { alg: 'RS256', use: 'sig' })
  ec = craftKey('p256', 'ec-1', { alg: 'ES256', use: 'sig' })
  verifier = createVerifier({
    issuer: ISSUER,
    clientId: CLIENT,
    tokenUse: 'access',
    jwks: { keys: [rsa.jwk, ec.jwk] },
    // Every mutation must reach the full pipeline, not a cache.
    tokenCache: false,
  })
  watch(verifier)
  tokens = [
    craft({ alg: 'RS256', kid: 'rsa-1' }, claimsOf(ISSUER, { exp: 4_000_000_000 }), {
      alg: 'RS256',
      key: rsa,
    }),
    craft({ alg: 'ES256', kid: 'ec-1' }, claimsOf(ISSUER, { exp: 4_000_000_000 }), {
      alg: 'ES256',
      key: ec,
    }),
  ]
  for (const token of tokens) noteSent(token)
})

/** One edit of a string: replace, insert or delete a character, or swap two positions. */
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
      const other = change.with % text.length
      const chars = [...text]
      ;[chars[at % text.length], chars[other]] = [
        chars[other] as string,
        chars[at % text.length] as string,
      ]
      return chars.join('')
    }
    case 'truncate':
      return text.slice(0, at)
  }
}

/** Runs `verify` and classifies the outcome; anything but an OAuthError 4xx fails the property. */
async function outcome(run: () => Promise<unknown>): Promise<'accepted' | 'refused'> {
  try {
    await run()
    return 'accepted'
  } catch (error) {
    if (!isOAuthError(error) || error.status >= 500) throw error
    return 'refused'
  }
}

describe('fuzzing (fast-check)', () => {
  it('accepts the unmutated tokens (the properties below are not vacuous)', async () => {
    for (const token of tokens) expect(await outcome(() => verifier.verify(token))).toBe('accepted')
  })

  it(
    'never accepts a mutated token, and only ever refuses with OAuthError',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 1 }),
          fc.array(edit, { minLength: 1, maxLength: 4 }),
          async (which, edits) => {
            const original = tokens[which] as string
            const mutated = edits.reduce(apply, original)
            const result = await outcome(() => verifier.verify(mutated))
            // Base64url has spare bits only in the last character of a segment, and the core
            // refuses non-canonical forms; so the only accepted mutation is no change at all.
            return result === 'refused' || mutated === original
          },
        ),
        { numRuns: RUNS, seed: SEED },
      )
    },
    TIMEOUT,
  )

  it(
    'never accepts a mutated header or payload, re-encoded and signed with the original signature',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 1 }),
          fc.constantFrom(0, 1),
          fc.array(edit, { minLength: 1, maxLength: 3 }),
          async (which, segment, edits) => {
            const parts = (tokens[which] as string).split('.')
            const decoded = Buffer.from(parts[segment] as string, 'base64url').toString('latin1')
            const changed = edits.reduce(apply, decoded)
            parts[segment] = Buffer.from(changed, 'latin1').toString('base64url')
            const result = await outcome(() => verifier.verify(parts.join('.')))
            return result === 'refused' || changed === decoded
          },
        ),
        { numRuns: RUNS, seed: SEED },
      )
    },
    TIMEOUT,
  )

  it(
    'answers any Authorization header value with an OAuthError or a genuine token',
    async () => {
      const header = fc.oneof(
        fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 80 }),
        fc
          .array(edit, { minLength: 1, maxLength: 3 })
          .map((edits) => edits.reduce(apply, `Bearer ${tokens[0] as string}`)),
      )
      await fc.assert(
        fc.asyncProperty(fc.array(header, { minLength: 1, maxLength: 2 }), async (values) => {
          const result = await outcome(() =>
            verifier.authenticate({
              method: 'GET',
              url: '/',
              headers: { authorization: values.length === 1 ? values[0] : values },
            }),
          )
          // Header values arrive with surrounding whitespace stripped (RFC 9110 OWS), so a
          // genuine token padded with spaces or tabs is still the genuine token.
          const only =
            values.length === 1 ? (values[0] as string).replace(/^[ \t]+|[ \t]+$/g, '') : ''
          const genuine = /^bearer +/i.test(only) && only.replace(/^bearer +/i, '') === tokens[0]
          return result === 'refused' || genuine
        }),
        { numRuns: RUNS, seed: SEED },
      )
    },
    TIMEOUT,
  )
})
