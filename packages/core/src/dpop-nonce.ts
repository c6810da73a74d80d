/**
 * Stateless DPoP nonces (RFC 9449 §8, §9): a nonce is a time step and an HMAC of it, so any
 * instance holding the secret can issue and check nonces without shared state, and a fleet shares
 * them by sharing the secret. A nonce is accepted during its own step and the next one; the
 * first secret issues, every listed secret is accepted (rotate by putting the new secret first).
 *
 * @module
 */
import { backend } from '#crypto-backend'
import { encodeBase64url } from './base64url.js'
import { andThen, type MaybePromise } from './maybe-async.js'

/** Issues and checks the nonces of one verifier. */
export interface NonceIssuer {
  /** The nonce of the current time step. */
  current(): MaybePromise<string>
  /**
   * `fresh`: the nonce is of the current step; `aging`: of the previous step (still accepted, and
   * a new one should be offered); `stale`: anything else, a missing nonce included.
   */
  check(nonce: unknown): MaybePromise<'fresh' | 'aging' | 'stale'>
}

const encoder = new TextEncoder()

/** Constant-time comparison of two ASCII strings: an HMAC check must not leak where it differs. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * A nonce issuer over `secrets` (at least one; each at least 32 characters), with time steps of
 * `stepSeconds`. `now` returns milliseconds (tests pass fake timers' clock through `Date.now`).
 */
export function createNonceIssuer(
  secrets: readonly string[],
  stepSeconds: number,
  now: () => number = Date.now,
): NonceIssuer {
  const keys = secrets.map((secret) => encoder.encode(secret))
  // The nonces of the last steps seen, per secret: computed once per step, not per request.
  const known = new Map<number, MaybePromise<string>[]>()

  function noncesOf(step: number): MaybePromise<string>[] {
    let nonces = known.get(step)
    if (nonces === undefined) {
      if (known.size >= 4) known.clear()
      const label = encoder.encode(`scopeguard-dpop-nonce:${step}`)
      nonces = keys.map((key) =>
        andThen(
          backend.hmacSha256(key, label),
          (mac) => `${step.toString(36)}.${encodeBase64url(mac.subarray(0, 18))}`,
        ),
      )
      known.set(step, nonces)
    }
    return nonces
  }

  const stepNow = (): number => Math.floor(now() / 1000 / stepSeconds)

  return {
    current: () => noncesOf(stepNow())[0] as MaybePromise<string>,
    check(nonce) {
      if (typeof nonce !== 'string' || nonce.length > 64) return 'stale'
      const dot = nonce.indexOf('.')
      const step = Number.parseInt(nonce.slice(0, dot), 36)
      const current = stepNow()
      if (dot < 1 || !Number.isSafeInteger(step) || (step !== current && step !== current - 1)) {
        return 'stale'
      }
      const verdict = step === current ? 'fresh' : 'aging'
      const candidates = noncesOf(step)
      const matches = (expected: string[]): 'fresh' | 'aging' | 'stale' =>
        expected.some((value) => sameText(value, nonce)) ? verdict : 'stale'
      if (candidates.every((value): value is string => typeof value === 'string')) {
        return matches(candidates)
      }
      return Promise.all(candidates.map(async (value) => value)).then(matches)
    },
  }
}
