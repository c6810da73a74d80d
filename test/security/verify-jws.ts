/**
 * The core's signature and key-selection layer, without the claim checks: parse the compact JWS
 * (allowlist = every algorithm the kit knows), pick the key from a static key set exactly as the
 * verifier does, verify with one signature backend. Wycheproof's payloads are not JWT claim sets,
 * so their vectors run here. It imports no signature backend (the caller passes one), so it also
 * bundles for runtimes without `node:` modules (workerd).
 */
import { ALGORITHMS, type Algorithm } from '../../packages/core/src/algorithms.js'
import { JwksCache } from '../../packages/core/src/jwks-cache.js'
import { parseCompactJws, signingInputOf } from '../../packages/core/src/jws-parser.js'
import type { SignatureBackend } from '../../packages/core/src/crypto/signature-backend.js'

const EVERY_ALGORITHM = new Set(Object.keys(ALGORITHMS) as Algorithm[])
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

type Jwk = Record<string, unknown>

/** The public part of a JWK or JWKS (what an issuer would publish). */
export function publicKeySet(key: Jwk): { keys: Jwk[] } {
  const keys = Array.isArray(key.keys) ? (key.keys as Jwk[]) : [key]
  return {
    keys: keys.map((jwk) =>
      Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.includes(name))),
    ),
  }
}

/** `accepted`, or why a JWS was refused (`parse:<reason>`, `key:<reason>`, `signature`). */
export type JwsOutcome = string

/**
 * Verifies `jws` against the static key set `keys` with `backend`, as the verifier would before
 * its claim checks.
 *
 * @example
 * ```ts
 * await verifyJws(token, { keys: [jwk] }, nodeBackend) // 'accepted' or a refusal reason
 * ```
 */
export async function verifyJws(
  jws: string,
  keys: { keys: Jwk[] },
  backend: SignatureBackend,
): Promise<JwsOutcome> {
  let parsed
  try {
    parsed = parseCompactJws(jws, 64 * 1024, EVERY_ALGORITHM)
  } catch (error) {
    return `parse:${(error as { reason?: string }).reason ?? 'error'}`
  }
  const cache = new JwksCache({
    fetch: () => Promise.reject(new Error('no fetch: static key set')),
    timeoutMs: 1000,
    maxBytes: 1 << 20,
    locate: () => Promise.reject(new Error('static key set')),
    backend,
    cooldownMs: 10_000,
    defaultTtlMs: 600_000,
    minTtlMs: 0,
    maxTtlMs: 86_400_000,
    maxStaleMs: 0,
    retryDelayMs: 1000,
    preload: keys,
    staticOnly: true,
  })
  let resolved
  try {
    resolved = await cache.getKey(parsed.header.kid, parsed.header.alg)
  } catch (error) {
    return `key:${(error as { reason?: string }).reason ?? 'error'}`
  }
  const ok = await backend.verify(
    parsed.header.alg,
    resolved.key,
    signingInputOf(parsed),
    parsed.signature,
  )
  return ok ? 'accepted' : 'signature'
}
