import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  authentication,
  createVerifier,
  immediateAuthentication,
  OAuthError,
  type AuthRequest,
  type ScopeguardEvent,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { outcome, outcomeOf } from '../../../test/support/outcome.js'
import { mint, nowSec, signingKey, type SigningKey } from '../../../test/support/tokens.js'

// The adapters' per-request step answers now when nothing has to be waited for: that is what
// spares a framework a promise and a microtask per hook. These tests pin down when it answers now,
// when it answers with a promise, and that the promise forms keep answering with promises.

const ISSUER = 'https://immediate.issuer.example'
const jwks = jwksEndpoint(`${ISSUER}/keys`)
const server = serveJwks([jwks])
let rsa: SigningKey

beforeAll(async () => {
  rsa = await signingKey('RS256', 'immediate')
  jwks.keys = [rsa.jwk]
})
afterEach(() => {
  server.resetHandlers()
  jwks.hits = 0
})

const options: VerifierOptions = { issuer: ISSUER, jwksUri: jwks.url, audience: null }
const token = (extra: Record<string, unknown> = {}) =>
  mint(rsa, { iss: ISSUER, sub: 's', exp: nowSec() + 600, scope: 'photos.read', ...extra })
// The first token of a key set waits for its fetch and import; after it, nothing waits.
const warm = async (verifier: Verifier) => void (await verifier.verify(await token()))
const request = (authorization?: string): AuthRequest => ({
  method: 'GET',
  url: '/photos',
  headers: authorization === undefined ? {} : { authorization },
})

describe('immediateAuthentication()', () => {
  it('answers with a promise while the key set is fetched, then at once for every token it signs', async () => {
    const step = immediateAuthentication(createVerifier(options))
    const [first, second] = [await token(), await token({ sub: 't' })]
    const fetching = step({}, request(`Bearer ${first}`))
    expect(fetching).toBeInstanceOf(Promise)
    expect((await fetching)?.subject).toBe('s')
    // Key cached: a new token is verified synchronously on the node backend...
    const fresh = step({}, request(`Bearer ${second}`))
    expect(fresh).not.toBeInstanceOf(Promise)
    expect(fresh).toMatchObject({ subject: 't', scopes: ['photos.read'] })
    // ...and a cached token too.
    const cached = step({}, request(`Bearer ${first}`))
    expect(cached).not.toBeInstanceOf(Promise)
    expect(cached).toMatchObject({ subject: 's' })
    expect(jwks.hits).toBe(1)
  })

  it('throws a refusal known now (no token, a malformed header, a bad signature, an expired token)', async () => {
    const verifier = createVerifier(options)
    const step = immediateAuthentication(verifier)
    await warm(verifier)
    const [h, p, s] = (await token()).split('.')
    const forged = `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`
    const expired = await token({ exp: nowSec() - 3600 })
    expect(outcomeOf(() => step({}, request()))).toBe('missing_token/missing_token')
    expect(outcomeOf(() => step({}, request('Bearer a b')))).toBe('invalid_request/invalid_request')
    expect(outcomeOf(() => step({}, request(`Bearer ${forged}`)))).toBe(
      'invalid_token/bad_signature',
    )
    expect(outcomeOf(() => step({}, request(`Bearer ${expired}`)))).toBe('invalid_token/expired')
    // The thrown refusal is the exact OAuthError the promise forms reject with.
    let thrown: unknown
    try {
      void step({}, request())
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(OAuthError)
    expect(thrown).toMatchObject({ status: 401 })
  })

  it('answers undefined at once for an anonymous request under optional authentication', () => {
    const step = immediateAuthentication(createVerifier(options), { optional: true })
    expect(step({}, request())).toBeUndefined()
  })

  it('answers at once with a listener too, and reports the outcome before it returns', async () => {
    const verifier = createVerifier(options)
    const seen: ScopeguardEvent[] = []
    verifier.subscribe((event) => seen.push(event))
    await warm(verifier)
    seen.length = 0
    const step = immediateAuthentication(verifier)
    expect(step({}, request(`Bearer ${await token()}`))).toMatchObject({ subject: 's' })
    expect(seen.map((event) => [event.type, 'outcome' in event && event.outcome])).toEqual([
      ['verification', 'accepted'],
    ])
    expect(outcomeOf(() => step({}, request()))).toBe('missing_token/missing_token')
    expect(seen.at(-1)).toMatchObject({ type: 'verification', outcome: 'refused', status: 401 })
  })
})

describe('the promise forms', () => {
  it('authentication() and verifier.authenticate() answer with a promise even when the answer is known now', async () => {
    const verifier = createVerifier(options)
    await warm(verifier)
    const step = authentication(verifier)
    const good = `Bearer ${await token()}`
    for (const answer of [step({}, request(good)), verifier.authenticate(request(good))]) {
      expect(answer).toBeInstanceOf(Promise)
      expect((await answer)?.subject).toBe('s')
    }
    for (const answer of [step({}, request()), verifier.authenticate(request())]) {
      expect(answer).toBeInstanceOf(Promise)
      expect(await outcome(answer)).toBe('missing_token/missing_token')
    }
    const refused = verifier.verify('not.a.token')
    expect(refused).toBeInstanceOf(Promise)
    expect(await outcome(refused)).toBe('invalid_token/malformed')
  })
})
