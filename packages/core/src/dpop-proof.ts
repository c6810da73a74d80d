/**
 * The DPoP proof check (RFC 9449 §4.3), before and apart from the access token's own checks. Each
 * numbered check of §4.3 refuses with its own reason:
 *
 * 1. one `DPoP` header (`dpop_missing`, `dpop_duplicate`); 2. a well-formed JWS, parsed by the
 * strict parser with a 4096-character limit (`dpop_malformed`); 3. every required member: `typ`,
 * `alg`, `jwk`; `jti`, `htm`, `htu`, `iat`, `ath` (`dpop_malformed`); 4. `typ` is `dpop+jwt`
 * (`dpop_bad_typ`); 5. `alg` asymmetric and on the DPoP allowlist (`dpop_unsupported_alg`);
 * 6. the signature verifies with `jwk` (`dpop_bad_signature`); 7. `jwk` is a public key that
 * passes the JWKS key policy (`dpop_private_key`, `dpop_bad_key`); 8. `htm` equals the method,
 * case-sensitively (`dpop_bad_method`); 9. `htu` equals the public URI after normalisation
 * (`dpop_bad_uri`); 10. the server nonce (`dpop_nonce`, answered `use_dpop_nonce`); 11. `iat` in
 * the window, `exp` when present (`dpop_too_old`, `dpop_future`, `dpop_expired`); 12. `ath` is the
 * token's hash (`dpop_bad_ath`). Check 12's other half (`cnf.jkt`) and the replay claim follow
 * the token's verification, in `possession.ts`.
 *
 * @module
 */
import { backend } from '#crypto-backend'
import { headerValues, type AuthRequest } from './bearer.js'
import { Refusal, type OAuthErrorReason } from './errors.js'
import { headerCache, parseCompactJws, signingInputOf, type ParsedJws } from './jws-parser.js'
import { jwkThumbprint, sha256Base64url } from './jwk-thumbprint.js'
import { admitKey, keyFitsAlgorithm } from './key-policy.js'
import { andThen, type MaybePromise } from './maybe-async.js'
import type { VerifyKey } from './crypto/signature-backend.js'
import type { NormalizedDpop } from './sender-options.js'
import { normalizeHttpUri, publicUri } from './public-uri.js'
import { parseJsonObject } from './strict-json.js'
import { tokenKey } from './token-key.js'

/** Longest proof accepted, in characters (an RSA-4096 proof is about 2,500). */
export const MAX_PROOF_LENGTH = 4096
/** Longest `jti` accepted, in characters. */
export const MAX_JTI_LENGTH = 256

/** A proof that passed §4.3 checks 1-12. */
export interface CheckedProof {
  /** The RFC 7638 thumbprint of the proof's key. */
  readonly jkt: string
  readonly jti: string
  /** `iat`, seconds since the epoch. */
  readonly iat: number
  /** True when the proof's nonce is about to age out: offer a fresh one. */
  readonly nonceAging: boolean
}

interface ProofKey {
  key: MaybePromise<VerifyKey>
  jkt: MaybePromise<string>
}

const PARSER_REASONS: Partial<Record<OAuthErrorReason, OAuthErrorReason>> = {
  unsupported_alg: 'dpop_unsupported_alg',
}

/** The request facts a proof is checked against. */
export interface ProofTarget {
  /** The request method, as received. */
  method: string | undefined
  /** Public origins the proof's `htu` may name (configured, or forwarded by a trusted proxy). */
  origins: readonly string[]
}

/** Checks proofs for one verifier; it remembers parsed proof headers and their keys (bounded). */
export type ProofChecker = (
  request: AuthRequest,
  target: ProofTarget,
  token: string,
) => MaybePromise<CheckedProof>

/** Proof headers (one per client key) a verifier remembers, with their imported keys. */
const MAX_REMEMBERED_HEADERS = 1000
/**
 * Access-token hashes (`ath`) a verifier remembers: a client sends one token with many proofs, and
 * hashing a 1-2 kB token is the largest share of a proof check besides the signature. Emptied when
 * full, so hostile tokens cost at most this many entries (each at most `maxTokenLength` long).
 */
const MAX_REMEMBERED_TOKEN_HASHES = 128

/** Makes the proof checker of a verifier. `clockToleranceSec` applies to `iat` and `exp`. */
export function createProofChecker(dpop: NormalizedDpop, clockToleranceSec: number): ProofChecker {
  // Clients keep their DPoP key, so every proof of one client has the same header: each header
  // is parsed once (this verifier's own cache, never the issuers'), and its key imported and
  // hashed once, remembered by the parsed header object for as long as the header is cached.
  const headers = headerCache(MAX_REMEMBERED_HEADERS, MAX_PROOF_LENGTH)
  const keys = new WeakMap<object, ProofKey>()
  // Filed under tokenKey(), the whole token compared on a hit.
  const tokenHashes = new Map<string, { token: string; hash: string }>()

  /** The token's SHA-256 (RFC 9449 `ath`), remembered once computed. */
  function tokenHash(token: string): MaybePromise<string> {
    const key = tokenKey(token)
    const known = tokenHashes.get(key)
    if (known !== undefined && known.token === token) return known.hash
    return andThen(sha256Base64url(token), (hash) => {
      if (tokenHashes.size >= MAX_REMEMBERED_TOKEN_HASHES) tokenHashes.clear()
      tokenHashes.set(key, { token, hash })
      return hash
    })
  }

  /** The key of a parsed proof header whose `jwk` is an object. */
  function proofKey(header: ParsedJws['header']): ProofKey {
    const known = keys.get(header)
    if (known !== undefined) return known
    const jwk = header.jwk as Record<string, unknown>
    const alg = header.alg
    const admitted = admitKey(jwk)
    if ('refused' in admitted) {
      throw new Refusal(
        admitted.refused === 'private_material' ? 'dpop_private_key' : 'dpop_bad_key',
      )
    }
    if (!keyFitsAlgorithm(admitted, alg)) throw new Refusal('dpop_bad_key')
    let key: MaybePromise<VerifyKey>
    try {
      key = backend.importKey(admitted.jwk, alg)
    } catch (cause) {
      throw new Refusal('dpop_bad_key', { cause })
    }
    const entry: ProofKey = { key, jkt: jwkThumbprint(jwk) }
    if (key instanceof Promise) {
      entry.key = key.catch((cause: unknown) => {
        keys.delete(header)
        throw new Refusal('dpop_bad_key', { cause })
      })
    }
    keys.set(header, entry)
    return entry
  }

  return (request, target, token) => {
    const values = headerValues(request.headers, 'dpop')
    if (values.length === 0) throw new Refusal('dpop_missing')
    if (values.length > 1) throw new Refusal('dpop_duplicate')
    const proof = (values[0] as string).trim()
    let parsed: ParsedJws
    try {
      parsed = parseCompactJws(proof, MAX_PROOF_LENGTH, dpop.algorithms, headers)
    } catch (refusal) {
      const reason = refusal instanceof Refusal ? PARSER_REASONS[refusal.reason] : undefined
      throw new Refusal(reason ?? 'dpop_malformed', { cause: refusal })
    }
    const { header } = parsed
    if (header.typ !== 'dpop+jwt') {
      throw new Refusal(header.typ === undefined ? 'dpop_malformed' : 'dpop_bad_typ')
    }
    const jwk = header.jwk
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      throw new Refusal('dpop_malformed')
    }
    const claims = parseJsonObject(parsed.payload)
    if (claims === undefined) throw new Refusal('dpop_malformed')
    const { jti, htm, htu, iat, ath, exp } = claims
    if (
      typeof jti !== 'string' ||
      jti === '' ||
      jti.length > MAX_JTI_LENGTH ||
      typeof htm !== 'string' ||
      typeof htu !== 'string' ||
      typeof iat !== 'number' ||
      !Number.isFinite(iat) ||
      typeof ath !== 'string' ||
      (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp)))
    ) {
      throw new Refusal('dpop_malformed')
    }
    const { key, jkt } = proofKey(header)
    const signed = andThen(key, (ready) =>
      backend.verify(header.alg, ready, signingInputOf(parsed), parsed.signature),
    )
    return andThen(signed, (valid) => {
      if (!valid) throw new Refusal('dpop_bad_signature')
      if (htm !== request.method) throw new Refusal('dpop_bad_method')
      const names = (uri: string | undefined): boolean =>
        uri !== undefined && target.origins.some((origin) => publicUri(origin, request.url) === uri)
      // A client that sends the URI in its normal form (most do) needs no second URL parse: the
      // normal form of a normal form is itself.
      if (!names(htu) && !names(normalizeHttpUri(htu))) throw new Refusal('dpop_bad_uri')
      const verdict = dpop.nonces === undefined ? 'fresh' : dpop.nonces.check(claims.nonce)
      return andThen(verdict, (nonce) => {
        if (nonce === 'stale') {
          return andThen((dpop.nonces as NonNullable<typeof dpop.nonces>).current(), (fresh) => {
            throw new Refusal('dpop_nonce', { nonce: fresh })
          })
        }
        const now = Date.now() / 1000
        if (iat > now + clockToleranceSec) throw new Refusal('dpop_future')
        if (iat < now - dpop.proofMaxAgeSec - clockToleranceSec) throw new Refusal('dpop_too_old')
        if (typeof exp === 'number' && exp <= now - clockToleranceSec) {
          throw new Refusal('dpop_expired')
        }
        return andThen(tokenHash(token), (hash) => {
          if (hash !== ath) throw new Refusal('dpop_bad_ath')
          return andThen(jkt, (thumbprint) => ({
            jkt: thumbprint,
            jti,
            iat,
            nonceAging: nonce === 'aging',
          }))
        })
      })
    })
  }
}
