/**
 * `cognito()`: verifier options for an Amazon Cognito user pool, with the pool's issuer, key-set
 * URL, RS256 only, and the access-vs-ID-token rules filled in.
 *
 * @module
 */
import { ConfigurationError } from './errors.js'
import type { VerifierOptions } from './options.js'

/** Options of {@link cognito}. */
export interface CognitoOptions extends Omit<
  VerifierOptions,
  'issuer' | 'clientId' | 'tokenUse' | 'audience'
> {
  /** The user pool id, e.g. `us-east-1_AbC123xyz`; the region is its prefix. Required. */
  userPoolId: string
  /**
   * The app client(s) whose tokens the API accepts (`client_id` of access tokens, `aud` of ID
   * tokens). Required; `null` accepts tokens of every app client of the pool.
   */
  clientId: string | readonly string[] | null
  /** `'access'` (the default, for APIs) or `'id'`. */
  tokenUse?: 'access' | 'id'
}

/** An AWS region name, e.g. `us-east-1`, `us-gov-west-1`: a user pool id's prefix. */
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+'
const POOL_ID = new RegExp(`^(${REGION})_[A-Za-z0-9]+$`)
/** A pool's issuer names the pool's own region in its host. */
const ISSUER = new RegExp(`^https://cognito-idp\\.(${REGION})\\.amazonaws\\.com/\\1_[A-Za-z0-9]+$`)

/**
 * True for the issuer URL of a Cognito user pool (as {@link cognitoIssuer} builds it). The
 * verifier fetches such an issuer's keys from `<issuer>/.well-known/jwks.json` without discovery.
 *
 * @example
 * ```ts
 * isCognitoIssuer('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz') // true
 * isCognitoIssuer('https://auth.example.com') // false
 * ```
 */
export function isCognitoIssuer(issuer: string): boolean {
  return typeof issuer === 'string' && ISSUER.test(issuer)
}

/**
 * The issuer URL of a Cognito user pool: `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`,
 * the region being the pool id's prefix.
 *
 * @throws {@link ConfigurationError} when `userPoolId` is not of the form `<region>_<id>`.
 * @example
 * ```ts
 * cognitoIssuer('us-east-1_AbC123xyz')
 * // 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz'
 * ```
 */
export function cognitoIssuer(userPoolId: string): string {
  const match = typeof userPoolId === 'string' ? POOL_ID.exec(userPoolId) : null
  if (match === null) {
    throw new ConfigurationError(
      `"userPoolId" ${JSON.stringify(String(userPoolId))} is not a Cognito user pool id (expected <region>_<id>, e.g. us-east-1_AbC123xyz)`,
    )
  }
  return `https://cognito-idp.${match[1]}.amazonaws.com/${userPoolId}`
}

/**
 * Verifier options for a Cognito user pool: the pool's issuer, its key set at
 * `<issuer>/.well-known/jwks.json`, `RS256` only (unless `algorithms` is given), `token_use`
 * checked (`'access'` by default), the app client checked (`client_id` of access tokens, `aud` of
 * ID tokens), and no `aud` check for access tokens (Cognito access tokens carry none). Every other
 * {@link VerifierOptions} field passes through.
 *
 * @throws {@link ConfigurationError} for a malformed pool id or a missing `clientId`.
 * @example
 * ```ts
 * const verifier = createVerifier(
 *   cognito({ userPoolId: 'us-east-1_AbC123xyz', clientId: '1example23456789', tokenUse: 'access' }),
 * )
 * ```
 */
export function cognito(options: CognitoOptions): VerifierOptions {
  const { userPoolId, clientId, tokenUse = 'access', ...rest } = options
  if (clientId === undefined) {
    throw new ConfigurationError(
      'cognito() needs "clientId" (the app client ids the API accepts), or clientId: null for all',
    )
  }
  return {
    ...rest,
    algorithms: rest.algorithms ?? ['RS256'],
    issuer: cognitoIssuer(userPoolId),
    clientId,
    // Cognito access tokens carry no aud; ID tokens carry the client id there (checked as clientId).
    audience: null,
    tokenUse,
  }
}
