/**
 * Project Wycheproof's JWS and JWK vectors through the core's signature and key-selection layer,
 * on both signature backends (the rules and exclusions are in wycheproof-vectors.ts).
 */
import { describe, expect, it } from 'vitest'
import { nodeBackend, publicKeySet, verifyJws, webCryptoBackend } from './jws-level.js'
import { expectOutcome, suites } from './wycheproof-vectors.js'

describe.each(suites)('Wycheproof %s vectors', (_kind, groups) => {
  it('are all there', () => {
    expect(groups.flatMap((group) => group.tests).length).toBeGreaterThan(20)
  })

  describe.each([
    ['node:crypto', nodeBackend],
    ['Web Crypto', webCryptoBackend],
  ] as const)('on the %s backend', (_name, backend) => {
    const rows = groups.flatMap((group) =>
      group.tests.map((vector) => ({ group, vector, label: `${vector.tcId} ${group.comment}` })),
    )

    it.each(rows)('tcId $label', async ({ group, vector }) => {
      const keys = publicKeySet(group.public ?? group.private)
      expectOutcome(group, vector, await verifyJws(vector.jws, keys, backend))
    })
  })
})
