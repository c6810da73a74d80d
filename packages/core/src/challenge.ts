/**
 * The one place that formats `WWW-Authenticate` challenges (RFC 6750 section 3, RFC 9728 section
 * 5.1): parameter order, quoting and escaping live here and nowhere else.
 *
 * @module
 */

/** Challenge parameters that come from configuration rather than from the failure. */
export interface ChallengeContext {
  /** The `realm` parameter. Default: none. */
  realm?: string | undefined
  /** The RFC 9728 metadata URL, sent as `resource_metadata` on 401 challenges. Default: none. */
  resourceMetadata?: string | undefined
  /**
   * DPoP (RFC 9449 §7.1), when the verifier accepts it: the `algs` parameter (space-separated)
   * and whether DPoP is the only scheme. Default: none (Bearer challenges only).
   */
  dpop?: { readonly algs: string; readonly required: boolean } | undefined
}

/** Everything one challenge holds. */
export interface ChallengeParams extends ChallengeContext {
  /** `invalid_request`, `invalid_token` or `insufficient_scope`; absent for the bare challenge. */
  error?: string | undefined
  /** A fixed sentence; never request data. */
  description?: string | undefined
  /** Required scopes (insufficient_scope only). */
  scopes?: readonly string[] | undefined
  /** The scheme the refused request used; `dpop` answers with a `DPoP` challenge. */
  scheme?: 'bearer' | 'dpop' | undefined
}

/**
 * Quotes a value as an RFC 7230 quoted-string. Characters that cannot appear in a header
 * (controls, DEL, non-ASCII) are replaced with `?`, so no input can split or corrupt a header.
 */
export function quote(value: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = value.replace(/[\u0000-\u001f\u007f-\uffff]/g, '?').replace(/(["\\])/g, '\\$1')
  return `"${safe}"`
}

/**
 * Builds the `WWW-Authenticate` value. A `Bearer` challenge holds `realm`, `error`,
 * `error_description`, `scope`, then `resource_metadata` (on 401 challenges only); a `DPoP`
 * challenge (RFC 9449 §7.1) the same, with `algs` before `resource_metadata`. An error answers in
 * the scheme the request used; the bare challenge (no credentials) names every accepted scheme:
 * `Bearer, DPoP algs="..."` when both are on.
 *
 * @throws Never.
 * @example
 * ```ts
 * challengeHeader({ error: 'invalid_token', description: 'The access token expired' })
 * // 'Bearer error="invalid_token", error_description="The access token expired"'
 * ```
 */
export function challengeHeader(params: ChallengeParams): string {
  const dpop = params.dpop
  if (dpop === undefined) return schemeChallenge('Bearer', params, undefined)
  if (params.error === undefined) {
    if (dpop.required) return schemeChallenge('DPoP', params, dpop.algs)
    return `${schemeChallenge('Bearer', params, undefined)}, DPoP algs=${quote(dpop.algs)}`
  }
  return params.scheme === 'dpop'
    ? schemeChallenge('DPoP', params, dpop.algs)
    : schemeChallenge('Bearer', params, undefined)
}

function schemeChallenge(
  scheme: 'Bearer' | 'DPoP',
  params: ChallengeParams,
  algs: string | undefined,
): string {
  const parts: string[] = []
  if (params.realm !== undefined) parts.push(`realm=${quote(params.realm)}`)
  if (params.error !== undefined) parts.push(`error=${quote(params.error)}`)
  if (params.description !== undefined) parts.push(`error_description=${quote(params.description)}`)
  if (params.scopes !== undefined && params.scopes.length > 0) {
    parts.push(`scope=${quote(params.scopes.join(' '))}`)
  }
  if (algs !== undefined) parts.push(`algs=${quote(algs)}`)
  const is401 =
    params.error !== undefined &&
    params.error !== 'insufficient_scope' &&
    params.error !== 'invalid_request'
  if (params.resourceMetadata !== undefined && (params.error === undefined || is401)) {
    parts.push(`resource_metadata=${quote(params.resourceMetadata)}`)
  }
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`
}
