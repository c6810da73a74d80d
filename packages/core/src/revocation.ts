/**
 * The verifier's revocation step: asks the configured {@link RevocationSource} about a verified
 * token (token-cache hits included) and turns its answer into the one error contract. A source
 * that answers synchronously keeps the whole verification synchronous.
 *
 * @module
 */
import type { TokenClaims } from './auth-info.js'
import { OAuthError, Refusal } from './errors.js'
import type { EventHub, RevocationEvent } from './events.js'
import type { RevocationSource } from './stores.js'

/**
 * The check of one accepted token's claims (`issuer`: the configured issuer it matched, for the
 * event): throws (or rejects) with the answer's `OAuthError`.
 */
export type RevocationCheck = (
  claims: Readonly<TokenClaims>,
  issuer?: string,
) => void | Promise<void>

/** The event's `by`, from the source when it can say; a source's failure here changes nothing. */
function revokedBy(source: RevocationSource, claims: Readonly<TokenClaims>): RevocationEvent['by'] {
  try {
    const kind = source.revokedBy?.(claims)
    return kind === 'sub' ? 'subject' : kind
  } catch {
    return undefined
  }
}

/** 503 for a source that cannot answer; an `OAuthError` it threw is kept as it is. */
function unavailable(cause: unknown): OAuthError | Refusal {
  if (cause instanceof OAuthError) return cause
  const wait = (cause as { retryAfter?: unknown } | null)?.retryAfter
  return new Refusal('revocation_unavailable', {
    cause,
    retryAfter: typeof wait === 'number' ? wait : undefined,
  })
}

/**
 * The revocation step of a verifier: a revoked token is 401 `invalid_token` (reason `revoked`),
 * a source that cannot answer is 503 (reason `revocation_unavailable`).
 */
export function revocationCheck(source: RevocationSource, events: EventHub): RevocationCheck {
  const revoked = (claims: Readonly<TokenClaims>, issuer: string | undefined): never => {
    if (events.active) events.emit({ type: 'revocation', by: revokedBy(source, claims), issuer })
    throw new Refusal('revoked')
  }
  return (claims, issuer) => {
    let answer: boolean | Promise<boolean>
    try {
      answer = source.isRevoked(claims)
    } catch (cause) {
      throw unavailable(cause)
    }
    if (answer === true) revoked(claims, issuer)
    if (answer instanceof Promise) {
      return answer.then(
        (isRevoked) => {
          if (isRevoked === true) revoked(claims, issuer)
        },
        (cause: unknown) => {
          throw unavailable(cause)
        },
      )
    }
  }
}
