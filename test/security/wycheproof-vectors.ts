/**
 * Project Wycheproof's JWS and JWK vectors (vendored in test/vectors/wycheproof) and what the kit
 * must answer to each: every `invalid` vector refused, every `valid` one accepted, except the
 * exclusions below, each refused by design with its reason. Shared by the vector suite (both
 * backends under Node) and the real-runtime suites (the Web Crypto backend inside workerd, Bun
 * and Deno). A missing vector file fails the suites; it is never skipped.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { publicKeySet, type JwsOutcome } from './verify-jws.js'

const VECTORS = fileURLToPath(new URL('../vectors/wycheproof/', import.meta.url))

export interface Vector {
  tcId: number
  comment: string
  jws: string
  result: 'valid' | 'invalid'
}
export interface Group {
  comment: string
  public?: Record<string, unknown>
  private: Record<string, unknown>
  tests: Vector[]
}

function load(file: string): Group[] {
  const path = `${VECTORS}${file}`
  if (!existsSync(path)) {
    throw new Error(
      `Wycheproof vectors missing: ${path}. They are part of the repository (test/vectors/wycheproof); restore them with git.`,
    )
  }
  return (JSON.parse(readFileSync(path, 'utf8')) as { testGroups: Group[] }).testGroups
}

/** Groups whose keys are all symmetric: a resource server never verifies with a shared secret. */
const isSharedSecretGroup = (group: Group) =>
  publicKeySet(group.private).keys.every((key) => key.kty === 'oct')

/**
 * `valid` vectors the kit refuses by design, with the refusal it gives. (Mislabelled vectors the
 * vectors README names, 367/370/372/373, are all in the shared-secret `base64` group.)
 */
const REFUSED_BY_DESIGN: Record<number, { outcome: string; reason: string }> = {
  346: {
    outcome: 'key:unusable_key',
    reason: 'token alg PS384, key alg PS256: a JWK that names its alg verifies only that alg',
  },
  350: {
    outcome: 'key:unusable_key',
    reason: 'token alg PS384, key alg PS256 (same, with key_ops)',
  },
  347: {
    outcome: 'key:unusable_key',
    reason: 'token alg ES512, key alg "ES521" (not an algorithm): the key names another alg',
  },
  351: {
    outcome: 'key:unusable_key',
    reason: 'token alg ES512, key alg "ES521" (same, with key_ops)',
  },
}

/** Both vector files, by kind. */
export const suites = [
  ['JWS', load('json_web_signature_test.json')],
  ['JWK', load('json_web_key_test.json')],
] as const

/**
 * Asserts that `outcome` is what the kit must answer to `vector` of `group`.
 *
 * @example
 * ```ts
 * expectOutcome(group, vector, await verifyJws(vector.jws, keys, backend))
 * ```
 */
export function expectOutcome(group: Group, vector: Vector, outcome: JwsOutcome): void {
  const label = `tcId ${vector.tcId} ${group.comment}`
  if (isSharedSecretGroup(group)) {
    // Excluded by design: HS* with `oct` keys. The kit never admits a symmetric key, and HS*
    // is outside every allowlist it accepts, so every one of these is refused.
    expect(outcome, label).not.toBe('accepted')
    return
  }
  const designed = REFUSED_BY_DESIGN[vector.tcId]
  if (designed !== undefined) {
    expect(vector.result, label).toBe('valid')
    expect(outcome, `${label}: ${designed.reason}`).toBe(designed.outcome)
    return
  }
  expect(outcome === 'accepted' ? 'valid' : `invalid (${outcome})`, label).toEqual(
    vector.result === 'valid' ? 'valid' : expect.stringMatching(/^invalid/),
  )
}
