/**
 * The attack table (attacks.ts) against the core and every adapter driver of the conformance suite
 * (Express 4/5, Koa 2/3, Fastify hooks/config, NestJS on Express and Fastify): real servers on
 * port 0, real HTTP, one loopback issuer publishing a hostile key set, one loopback "attacker"
 * server that must never be contacted. Exact status and whole WWW-Authenticate per row; no sent
 * token ever comes back; no key derivation or decryption ever runs; unknown kids cost one refetch.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createVerifier, type Verifier } from '@scopeguard/core'
import { startIssuer, type IssuerServer } from '../support/issuer-server.js'
import { listenLoopback, type LoopbackServer } from '../support/loopback.js'
import { answerOf, attackKeys, attackRows, CLIENT, type AttackRow } from './attacks.js'
import { targets, type Running } from './targets.js'

let issuer: IssuerServer
let attacker: LoopbackServer
let attackerHits = 0
let rows: AttackRow[]

beforeAll(async () => {
  const keys = attackKeys()
  issuer = await startIssuer(keys.published, 'us-east-1_Attacked')
  attacker = await listenLoopback((_req, res) => {
    attackerHits++
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}')
  })
  rows = attackRows({ issuer: issuer.issuer, keys, attackerUrl: attacker.url })
})
afterAll(async () => {
  await issuer.close()
  await attacker.close()
})

const subtle = globalThis.crypto.subtle
const derivation = (['deriveBits', 'deriveKey', 'decrypt', 'unwrapKey'] as const).map((name) =>
  vi.spyOn(subtle, name),
)

function newVerifier(): Verifier {
  // A long cooldown makes the refetch budget exact: one for warm-up, one for the first unknown kid.
  return createVerifier({
    issuer: issuer.issuer,
    clientId: CLIENT,
    tokenUse: 'access',
    jwksCache: { cooldown: 600 },
  })
}

/** The token parts a row sends, to prove none comes back. */
function sentParts(row: AttackRow): string[] {
  return Object.values(row.headers)
    .flat()
    .flatMap((value) => value.split(/[ .,]/))
    .filter((piece) => piece.length >= 16)
}

describe.each(targets)('attacks on $name', (target) => {
  let verifier: Verifier
  let running: Running
  let hitsBefore: number

  beforeAll(async () => {
    verifier = newVerifier()
    hitsBefore = issuer.hits
    await verifier.warmup()
    running = await target.start(verifier)
  })
  afterAll(() => running.close())

  it('answers every row exactly, never echoing a token', async () => {
    const failures: string[] = []
    for (const row of rows) {
      const { status, challenge, echo } = await running.answer(row.headers)
      const expected = answerOf(
        target.fetchHeaders === true && row.onFetchHeaders !== undefined
          ? row.onFetchHeaders
          : row.expect,
      )
      if (status !== expected.status || challenge !== expected.challenge) {
        failures.push(
          `${row.category} / ${row.name}: got ${status} ${challenge ?? '(no challenge)'}; want ${expected.status} ${expected.challenge ?? '(no challenge)'}`,
        )
      }
      for (const piece of sentParts(row)) {
        if (echo.includes(piece)) failures.push(`${row.category} / ${row.name}: echoed the token`)
      }
    }
    expect(failures).toEqual([])
    expect(rows.length).toBeGreaterThan(100)
  })

  it('never contacted the attacker, derived a key or decrypted anything', () => {
    expect(attackerHits).toBe(0)
    for (const spy of derivation) expect(spy).not.toHaveBeenCalled()
  })

  it('paid one key-set fetch for warm-up and one for the first unknown kid, no more', () => {
    expect(issuer.hits - hitsBefore).toBe(2)
    expect(verifier.stats().jwksFetches).toBe(2)
  })
})
