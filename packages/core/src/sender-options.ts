/**
 * The options of sender-constrained tokens, DPoP (RFC 9449) and certificate-bound tokens (RFC
 * 8705), and their validation at construction.
 *
 * @module
 */
import { checkAlgorithmList, type Algorithm } from './algorithms.js'
import { createNonceIssuer, type NonceIssuer } from './dpop-nonce.js'
import { ConfigurationError } from './errors.js'
import { createMemoryReplayStore } from './memory-replay-store.js'
import { normalizeOrigin } from './public-uri.js'
import type { ReplayStore } from './stores.js'

/** DPoP: tokens bound to a key the client proves it holds with a signed proof per request. */
export interface DpopOptions {
  /**
   * Accept DPoP only: a `Bearer` token is treated as no credentials (401 with a `DPoP`
   * challenge), and the resource metadata says `dpop_bound_access_tokens_required: true`.
   * Default: false (both schemes; a DPoP-bound token still needs its proof).
   */
  required?: boolean
  /**
   * Algorithms a proof may be signed with (asymmetric only). Default: `['ES256', 'EdDSA',
   * 'PS256', 'RS256']`.
   */
  algorithms?: readonly Algorithm[]
  /**
   * The API's public origin(s), `scheme://host[:port]`, that proofs' `htu` must name. Required
   * unless `trustedProxies` is set: the origin is never taken from the request's `Host` (a client
   * could then aim a proof made for another API at this one). With several origins, a proof may
   * name any of them.
   */
  publicOrigin?: string | readonly string[]
  /**
   * Oldest accepted proof, in seconds after its `iat` (RFC 9449 §11.1). Proofs are remembered
   * for replay this long (plus the clock tolerance). Default: 60.
   */
  proofMaxAge?: number
  /**
   * Secrets for server nonces (RFC 9449 §9); nonces are required when at least one is set. Each
   * at least 32 characters; the first issues nonces, all are accepted (rotate by putting the new
   * secret first). Share them across a fleet so every instance accepts every nonce. Default: none
   * (no nonces).
   */
  nonceSecrets?: readonly string[]
  /**
   * Length of a nonce's time step, in seconds: a nonce is accepted during its step and the next,
   * and a fresh one is offered on successful responses once the current one ages. Default: 60.
   */
  nonceStep?: number
  /**
   * Where used proof ids are claimed (atomic; see `ReplayStore`). Default: a bounded in-memory
   * store (`createMemoryReplayStore()`); a fleet needs a shared one (`@scopeguard/redis`).
   */
  replayStore?: ReplayStore
}

/** The DPoP settings the verifier runs with. */
export interface NormalizedDpop {
  required: boolean
  algorithms: ReadonlySet<Algorithm>
  /** The `algs` challenge parameter: the algorithms, space-separated. */
  algs: string
  origins: readonly string[]
  proofMaxAgeSec: number
  nonces: NonceIssuer | undefined
  replayStore: ReplayStore
}

/** The algorithms a DPoP proof may use unless the app lists its own. */
export const DEFAULT_DPOP_ALGORITHMS: readonly Algorithm[] = ['ES256', 'EdDSA', 'PS256', 'RS256']

function fail(message: string): never {
  throw new ConfigurationError(message)
}

function positiveSeconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(`"dpop.${name}" must be a positive number of seconds`)
  }
  return value
}

/** Validates the `dpop` option; `undefined` when DPoP is off. */
export function normalizeDpop(
  options: DpopOptions | undefined,
  trustedProxies: ReadonlySet<string>,
): NormalizedDpop | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) {
    fail('"dpop" must be an options object such as { publicOrigin: "https://api.example.com" }')
  }
  const algorithms = checkAlgorithmList(
    'dpop.algorithms',
    options.algorithms,
    DEFAULT_DPOP_ALGORITHMS,
    'ES256',
  )
  const originList =
    options.publicOrigin === undefined
      ? []
      : typeof options.publicOrigin === 'string'
        ? [options.publicOrigin]
        : options.publicOrigin
  if (!Array.isArray(originList)) fail('"dpop.publicOrigin" must be a string or an array of them')
  const origins = originList.map((origin: unknown) => {
    const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : undefined
    if (normalized === undefined) {
      fail(
        `"dpop.publicOrigin": "${String(origin)}" is not an origin such as https://api.example.com`,
      )
    }
    return normalized
  })
  if (origins.length === 0 && trustedProxies.size === 0) {
    fail(
      '"dpop.publicOrigin" is required (the scheme://host[:port] clients call), unless "trustedProxies" names the proxy that forwards it',
    )
  }
  const secrets: unknown = options.nonceSecrets ?? []
  if (
    !Array.isArray(secrets) ||
    secrets.some((secret) => typeof secret !== 'string' || secret.length < 32)
  ) {
    fail('"dpop.nonceSecrets" must be an array of secrets of at least 32 characters each')
  }
  const replayStore = options.replayStore ?? createMemoryReplayStore()
  if (typeof (replayStore as Partial<ReplayStore>).claim !== 'function') {
    fail('"dpop.replayStore" must be a replay store (an object with claim(key, ttlMs))')
  }
  const nonceStep = positiveSeconds('nonceStep', options.nonceStep, 60)
  const list = [...new Set(algorithms)]
  return {
    required: options.required === true,
    algorithms: new Set(list),
    algs: list.join(' '),
    origins,
    proofMaxAgeSec: positiveSeconds('proofMaxAge', options.proofMaxAge, 60),
    nonces: secrets.length === 0 ? undefined : createNonceIssuer(secrets as string[], nonceStep),
    replayStore,
  }
}
