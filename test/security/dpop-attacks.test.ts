/**
 * The DPoP attack table (dpop-attacks.ts) against the core and every adapter driver of the
 * conformance suite: real servers on port 0, real HTTP, one loopback issuer. Exact status and
 * whole WWW-Authenticate per row; no sent token or proof ever comes back, nor reaches an event or
 * a log line (leak-watch.ts, through targets.ts); a huge proof is refused, never a 500 or a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, type Verifier } from '@scopeguard/core'
import { startIssuer, type IssuerServer } from '../support/issuer-server.js'
import { CLIENT } from './attacks.js'
import {
  dpopAnswerOf,
  dpopAttackKeys,
  dpopAttackRows,
  PUBLIC_ORIGIN,
  type DpopAttackKeys,
  type DpopAttackRow,
} from './dpop-attacks.js'
import { targets, type Running } from './targets.js'

let issuer: IssuerServer
let keys: DpopAttackKeys
let rows: DpopAttackRow[]

beforeAll(async () => {
  keys = await dpopAttackKeys()
  issuer = await startIssuer([keys.issuer.jwk], 'us-east-1_DpopAttacked')
  rows = dpopAttackRows(issuer.issuer, keys)
})
afterAll(() => issuer.close())

function newVerifier(): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    clientId: CLIENT,
    tokenUse: 'access',
    dpop: { publicOrigin: PUBLIC_ORIGIN },
  })
}

/** The pieces of what a request sends (token and proof segments), to prove none comes back. */
function sentParts(headers: Record<string, string | string[]>): string[] {
  return Object.values(headers)
    .flat()
    .flatMap((value) => value.split(/[ .,]/))
    .filter((piece) => piece.length >= 16)
    .map((piece) => piece.slice(-16))
}

describe.each(targets)('DPoP attacks on $name', (target) => {
  let verifier: Verifier
  let running: Running

  beforeAll(async () => {
    verifier = newVerifier()
    await verifier.warmup()
    running = await target.start(verifier)
  })
  afterAll(() => running.close())

  it('answers every row exactly, never echoing a token or proof', async () => {
    const failures: string[] = []
    for (const row of rows) {
      const headers = row.headers()
      if (row.replayed === true) {
        const first = await running.answer(headers)
        if (first.status !== 200)
          failures.push(`${row.category} / ${row.name}: first use ${first.status}`)
      }
      const { status, challenge, echo } = await running.answer(headers)
      const expected = dpopAnswerOf(row.expect)
      if (status !== expected.status || challenge !== expected.challenge) {
        failures.push(
          `${row.category} / ${row.name}: got ${status} ${challenge ?? '(no challenge)'}; want ${expected.status} ${expected.challenge ?? '(no challenge)'}`,
        )
      }
      for (const piece of sentParts(headers)) {
        if (echo.includes(piece))
          failures.push(`${row.category} / ${row.name}: echoed what it sent`)
      }
    }
    expect(failures).toEqual([])
    expect(rows.length).toBeGreaterThan(40)
  })

  it('refuses a 1 MB DPoP header quickly: 401 from the core; 431, 413 or a reset from a server; never 500', async () => {
    const headers = { authorization: 'DPoP abc', dpop: `${'e'.repeat(1 << 20)}.e.e` }
    const started = performance.now()
    if (target.name === 'core') {
      const { status, challenge } = await running.answer(headers)
      expect({ status, challenge }).toEqual(dpopAnswerOf('dpop_malformed'))
    } else {
      // Node's HTTP parser stops at 16 KiB of header, answers 431 and closes the socket. Whether
      // the client reads that 431 or first sees the reset the kernel sends for the megabyte it
      // never read is a race on the loopback (CI saw both); either way no application code ran.
      const outcome = await running.answer(headers).then(
        (answer) => answer.status,
        (error: unknown) => (error as NodeJS.ErrnoException).code,
      )
      expect([431, 413, 'ECONNRESET', 'EPIPE']).toContain(outcome)
    }
    expect(performance.now() - started).toBeLessThan(5000)
  })
})
