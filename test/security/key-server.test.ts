/**
 * A hostile or broken key server, through the core and every adapter: faults before warm-up answer
 * 503 with Retry-After (never 500, never a hang past the timeout), faults after warm-up keep the
 * cached keys serving, rotation is picked up at once, a flood of random kids costs one refetch per
 * cooldown while good tokens keep passing, and 50 concurrent cold requests cost one fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, type VerifierOptions } from '@scopeguard/core'
import { startIssuer, type Fault, type IssuerServer } from '../support/issuer-server.js'
import { claimsOf, CLIENT } from './attacks.js'
import { craft, craftKey, type CraftKey } from './craft.js'
import { targets } from './targets.js'

let server: IssuerServer
let current: CraftKey
let next: CraftKey
let rogue: CraftKey

beforeAll(async () => {
  current = craftKey('rsa', 'current', { alg: 'RS256', use: 'sig' })
  next = craftKey('rsa', 'next', { alg: 'RS256', use: 'sig' })
  rogue = craftKey('rsa', 'rogue')
  server = await startIssuer([current.jwk], 'us-east-1_Keys')
})
afterAll(() => server.close())

const tokenBy = (key: CraftKey, kid = key.kid) =>
  craft({ alg: 'RS256', kid }, claimsOf(server.issuer), { alg: 'RS256', key })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

function options(jwksCache: VerifierOptions['jwksCache'] = {}): VerifierOptions {
  return { issuer: server.issuer, clientId: CLIENT, tokenUse: 'access', jwksCache }
}

const UNKNOWN_KID =
  'Bearer error="invalid_token", error_description="The access token is signed with an unknown key"'

describe.each(targets)('key server faults on $name', (target) => {
  beforeAll(() => {
    server.keys = [current.jwk]
    server.maxAge = 300
    server.fault = 'none'
  })
  afterAll(() => {
    server.fault = 'none'
  })

  const faults: Fault[] = ['down', 'error500', 'invalid-json', 'huge', 'slow', 'redirect-away']

  it.each(faults)(
    'answers 503 with Retry-After when the server is %s before warm-up',
    async (fault) => {
      server.fault = fault
      const verifier = createVerifier(
        options({ timeout: 0.5, retryDelay: 0, maxResponseBytes: 100_000 }),
      )
      const running = await target.start(verifier)
      try {
        const answer = await running.answer(bearer(tokenBy(current)))
        expect(answer.status).toBe(503)
        expect(answer.challenge).toBeNull()
        expect(answer.retryAfter).toMatch(/^[1-9]\d*$/)
      } finally {
        server.fault = 'none'
        await running.close()
      }
    },
  )

  it('keeps serving cached keys when the server fails after warm-up', async () => {
    server.maxAge = 0
    const verifier = createVerifier(options({ minMaxAge: 0, timeout: 0.5, retryDelay: 0 }))
    await verifier.warmup()
    const running = await target.start(verifier)
    try {
      for (const fault of ['down', 'error500', 'invalid-json'] as const) {
        server.fault = fault
        expect((await running.answer(bearer(tokenBy(current)))).status).toBe(200)
      }
    } finally {
      server.fault = 'none'
      server.maxAge = 300
      await running.close()
    }
  })

  it('finds a rotated-in key at once, and refuses the key that left', async () => {
    const verifier = createVerifier(options({ cooldown: 600 }))
    await verifier.warmup()
    const running = await target.start(verifier)
    const hits = server.hits
    try {
      server.keys = [next.jwk]
      expect((await running.answer(bearer(tokenBy(next)))).status).toBe(200)
      expect(server.hits - hits).toBe(1)
      const old = await running.answer(bearer(tokenBy(current)))
      expect(old.status).toBe(401)
      expect(old.challenge).toBe(UNKNOWN_KID)
      expect(server.hits - hits).toBe(1)
    } finally {
      server.keys = [current.jwk]
      await running.close()
    }
  })

  it('pays one refetch per cooldown for a flood of random kids; good tokens keep passing', async () => {
    const verifier = createVerifier(options({ cooldown: 600 }))
    await verifier.warmup()
    const running = await target.start(verifier)
    const hits = server.hits
    const good = bearer(tokenBy(current))
    try {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          running.answer(i % 10 === 0 ? good : bearer(tokenBy(rogue, crypto.randomUUID()))),
        ),
      )
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(i % 10 === 0 ? 200 : 401)
        if (i % 10 !== 0) expect(answer.challenge).toBe(UNKNOWN_KID)
      })
      expect(server.hits - hits).toBe(1)
    } finally {
      await running.close()
    }
  })

  it('makes 50 concurrent cold requests share one fetch, and none fails', async () => {
    const verifier = createVerifier(options())
    const running = await target.start(verifier)
    const hits = server.hits
    const good = bearer(tokenBy(current))
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => running.answer(good)))
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
      expect(server.hits - hits).toBe(1)
    } finally {
      await running.close()
    }
  })
})

describe('several issuers (multi-tenant)', () => {
  let other: IssuerServer
  let otherKey: CraftKey
  beforeAll(async () => {
    otherKey = craftKey('rsa', 'current', { alg: 'RS256', use: 'sig' })
    other = await startIssuer([otherKey.jwk], 'us-east-1_Other')
    server.keys = [current.jwk]
  })
  afterAll(() => other.close())

  it("never verifies one issuer's token with the same kid of another issuer's key set", async () => {
    const verifier = createVerifier({
      issuer: [server.issuer, other.issuer],
      clientId: CLIENT,
      tokenUse: 'access',
    })
    const crossed = craft({ alg: 'RS256', kid: 'current' }, claimsOf(server.issuer), {
      alg: 'RS256',
      key: otherKey,
    })
    await expect(verifier.verify(crossed)).rejects.toMatchObject({ reason: 'bad_signature' })
    const own = craft({ alg: 'RS256', kid: 'current' }, claimsOf(other.issuer), {
      alg: 'RS256',
      key: otherKey,
    })
    await expect(verifier.verify(own)).resolves.toMatchObject({ issuer: other.issuer })
  })

  it('refuses an access token where ID tokens are expected', async () => {
    const verifier = createVerifier({ issuer: server.issuer, clientId: CLIENT, tokenUse: 'id' })
    await expect(verifier.verify(tokenBy(current))).rejects.toMatchObject({
      status: 401,
      reason: 'bad_token_use',
    })
  })
})
