/**
 * Claim checks after the signature: times (`exp` required, `nbf`, `iat`, maximum age, clock
 * tolerance), issuer, audience, the app client (`client_id`, or an ID token's `aud`), `token_use`,
 * `typ`, required claims. Claims scopeguard does not know are never a reason to reject.
 *
 * @module
 */
import { Refusal } from './errors.js'

/** The claim rules of a verifier, normalized at construction. */
export interface ClaimRules {
  /** Accepted issuers, compared exactly. */
  issuers: ReadonlySet<string>
  /** Accepted audiences; `null` = not checked. */
  audiences: ReadonlySet<string> | null
  /** Accepted Cognito app clients; `null` = not checked. */
  clientIds: ReadonlySet<string> | null
  /** Required Cognito `token_use`; `null` = not checked. */
  tokenUse: 'access' | 'id' | null
  /** Accepted `typ` values, lower-cased; `null` = not checked. */
  types: ReadonlySet<string> | null
  /** Allowed clock skew, in seconds. */
  clockToleranceSec: number
  /** Largest token age from `iat`, in seconds; `null` = no limit. */
  maxTokenAgeSec: number | null
  /** Claims that must be present and not null. */
  requiredClaims: readonly string[]
}

/**
 * A NumericDate claim: a number of seconds within the safe-integer range (no `Infinity` from
 * `1e400`, no `exp: 2 ** 60` that would make a token valid for ever).
 */
function numeric(claims: Record<string, unknown>, name: string): number | undefined {
  if (!Object.hasOwn(claims, name)) return undefined
  const value = claims[name]
  if (typeof value !== 'number' || !(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) {
    throw new Refusal('bad_claim')
  }
  return value
}

/**
 * The token's audience as a list (`aud` may be a string or an array of strings; anything else,
 * or an array holding a non-string, counts as no audience).
 */
export function audienceOf(claims: Record<string, unknown>): string[] {
  const aud = claims.aud
  if (typeof aud === 'string') return [aud]
  if (Array.isArray(aud) && aud.every((value) => typeof value === 'string')) return aud
  return []
}

/**
 * The app client a token was issued to. An access token names it in `client_id`. An ID token
 * (`token_use: 'id'`; a `tokenUse: 'id'` verifier accepts no other) names it in `aud` only:
 * its single member, or, among several, the one `azp` (OIDC's authorized party) names; a
 * `client_id` claim in an ID token is ignored.
 */
export function clientIdOf(claims: Record<string, unknown>): string | undefined {
  if (claims.token_use !== 'id')
    return typeof claims.client_id === 'string' ? claims.client_id : undefined
  const aud = audienceOf(claims)
  if (aud.length === 1) return aud[0]
  return typeof claims.azp === 'string' && aud.includes(claims.azp) ? claims.azp : undefined
}

/**
 * OIDC Core 3.1.3.7: an ID token's `aud` must name a configured client, and every other member
 * must be trusted too (a configured client or audience), so a token minted for a party this API
 * does not trust is refused even when it also names our client.
 */
function idAudienceAccepted(claims: Record<string, unknown>, rules: ClaimRules): boolean {
  const clients = rules.clientIds
  if (clients === null) return true
  const aud = audienceOf(claims)
  return (
    aud.some((member) => clients.has(member)) &&
    aud.every((member) => clients.has(member) || rules.audiences?.has(member) === true)
  )
}

/**
 * Checks the time claims against `nowSec` (seconds): `exp` required and numeric, `nbf` and `iat`
 * numeric when present, `iat` not in the future, the maximum age; all with the clock tolerance.
 *
 * @throws {@link Refusal} `missing_claim`, `bad_claim`, `expired`, `not_yet_valid`,
 * `issued_in_future` or `too_old`.
 */
export function checkTimes(
  claims: Record<string, unknown>,
  rules: ClaimRules,
  nowSec: number,
): void {
  const tolerance = rules.clockToleranceSec
  const exp = numeric(claims, 'exp')
  if (exp === undefined) throw new Refusal('missing_claim')
  if (nowSec - tolerance >= exp) throw new Refusal('expired')
  const nbf = numeric(claims, 'nbf')
  if (nbf !== undefined && nowSec + tolerance < nbf) throw new Refusal('not_yet_valid')
  const iat = numeric(claims, 'iat')
  if (iat !== undefined && nowSec + tolerance < iat) throw new Refusal('issued_in_future')
  if (rules.maxTokenAgeSec !== null) {
    if (iat === undefined) throw new Refusal('missing_claim')
    if (nowSec - tolerance > iat + rules.maxTokenAgeSec) throw new Refusal('too_old')
  }
}

/**
 * Checks every non-time claim rule: issuer, `typ`, `token_use`, audience, app client (an access
 * token's `client_id`; an ID token's `aud`, see {@link clientIdOf}), required claims. Unknown
 * claims are ignored.
 *
 * @throws {@link Refusal} `bad_issuer`, `bad_typ`, `bad_token_use`, `bad_audience`,
 * `bad_client` or `missing_claim`.
 */
export function checkClaims(
  claims: Record<string, unknown>,
  header: { typ?: unknown },
  rules: ClaimRules,
): void {
  if (typeof claims.iss !== 'string' || !rules.issuers.has(claims.iss)) {
    throw new Refusal('bad_issuer')
  }
  if (rules.types !== null) {
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined
    if (typ === undefined || !rules.types.has(typ)) throw new Refusal('bad_typ')
  }
  if (rules.tokenUse !== null && claims.token_use !== rules.tokenUse) {
    throw new Refusal('bad_token_use')
  }
  if (rules.audiences !== null) {
    const accepted = rules.audiences
    if (!audienceOf(claims).some((aud) => accepted.has(aud))) throw new Refusal('bad_audience')
  }
  if (claims.token_use === 'id') {
    if (!idAudienceAccepted(claims, rules)) throw new Refusal('bad_audience')
  } else if (rules.clientIds !== null) {
    const client = clientIdOf(claims)
    if (client === undefined || !rules.clientIds.has(client)) throw new Refusal('bad_client')
  }
  for (const name of rules.requiredClaims) {
    if (!Object.hasOwn(claims, name) || claims[name] === null) throw new Refusal('missing_claim')
  }
}
