/**
 * The errors of scopeguard. Every failure to authenticate or authorize a request is an
 * {@link OAuthError} that carries the HTTP status and the exact response headers (RFC 6750); a bad
 * configuration is a {@link ConfigurationError}, thrown at start-up. Inside the core, the checks
 * throw a {@link Refusal} that names only the reason; {@link toOAuthError} turns it into the
 * response, in this one place.
 *
 * @module
 */
import { challengeHeader, type ChallengeContext } from './challenge.js'

/**
 * The closed set of error codes. The first four map to RFC 6750 responses; `missing_token` is the
 * bare 401 challenge sent when a request carries no bearer credentials at all, and
 * `temporarily_unavailable` is the 503 sent when the issuer's keys cannot be obtained. The last two
 * are RFC 9449's (DPoP): a refused proof, and a proof without the current server nonce.
 */
export type OAuthErrorCode =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'

/**
 * The machine-readable reason behind an error, for logs and metrics. It never holds request data.
 */
export type OAuthErrorReason =
  | 'missing_token'
  | 'invalid_request'
  | 'duplicate_credentials'
  | 'malformed'
  | 'too_large'
  | 'unsupported_alg'
  | 'bad_signature'
  | 'unknown_kid'
  | 'unusable_key'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'missing_claim'
  | 'bad_claim'
  | 'bad_issuer'
  | 'bad_audience'
  | 'bad_client'
  | 'bad_token_use'
  | 'bad_typ'
  | 'bad_scope_claim'
  | 'unsupported_crit'
  | 'encrypted_token'
  | 'rejected'
  | 'insufficient_scope'
  | 'jwks_unavailable'
  | 'revoked'
  | 'revocation_unavailable'
  | 'inactive'
  | 'introspection_unavailable'
  | 'bound_token'
  | 'unbound_token'
  | 'binding_mismatch'
  | 'certificate_mismatch'
  | 'dpop_missing'
  | 'dpop_duplicate'
  | 'dpop_with_bearer'
  | 'dpop_malformed'
  | 'dpop_bad_typ'
  | 'dpop_unsupported_alg'
  | 'dpop_bad_key'
  | 'dpop_private_key'
  | 'dpop_bad_signature'
  | 'dpop_bad_method'
  | 'dpop_bad_uri'
  | 'dpop_too_old'
  | 'dpop_future'
  | 'dpop_expired'
  | 'dpop_bad_ath'
  | 'dpop_replay'
  | 'dpop_nonce'
  | 'replay_unavailable'

/** A fixed sentence per reason: `error_description` never holds a token, claim value or key. */
const DESCRIPTIONS: Record<OAuthErrorReason, string> = {
  missing_token: 'Bearer token required',
  invalid_request: 'The request is malformed',
  duplicate_credentials: 'The request carries more than one access token',
  malformed: 'The access token is malformed',
  too_large: 'The access token is too large',
  unsupported_alg: 'The access token is signed with an algorithm that is not allowed',
  bad_signature: 'The access token signature is invalid',
  unknown_kid: 'The access token is signed with an unknown key',
  unusable_key: 'The access token is signed with a key that cannot be used',
  expired: 'The access token expired',
  not_yet_valid: 'The access token is not yet valid',
  issued_in_future: 'The access token is issued in the future',
  too_old: 'The access token is too old',
  missing_claim: 'The access token lacks a required claim',
  bad_claim: 'The access token has an invalid claim',
  bad_issuer: 'The access token issuer is not accepted',
  bad_audience: 'The access token audience is not accepted',
  bad_client: 'The access token client is not accepted',
  bad_token_use: 'The token is not of the accepted kind',
  bad_typ: 'The access token type is not accepted',
  bad_scope_claim: 'The access token scope claim is invalid',
  unsupported_crit: 'The access token has an unsupported critical header',
  encrypted_token: 'Encrypted tokens are not accepted',
  rejected: 'The access token was rejected',
  insufficient_scope: 'The access token lacks a required scope',
  jwks_unavailable: 'The signing keys are temporarily unavailable',
  revoked: 'The access token was revoked',
  revocation_unavailable: 'The revocation status is temporarily unavailable',
  inactive: 'The access token is not active',
  introspection_unavailable: 'Token introspection is temporarily unavailable',
  bound_token: 'The access token is bound to a key and needs proof of possession',
  unbound_token: 'The access token is not bound to the DPoP proof key',
  binding_mismatch: 'The access token is bound to another key',
  certificate_mismatch: 'The access token is bound to another client certificate',
  dpop_missing: 'A DPoP proof is required',
  dpop_duplicate: 'The request carries more than one DPoP proof',
  dpop_with_bearer: 'A DPoP proof came with a Bearer token',
  dpop_malformed: 'The DPoP proof is malformed',
  dpop_bad_typ: 'The DPoP proof type is not dpop+jwt',
  dpop_unsupported_alg: 'The DPoP proof is signed with an algorithm that is not allowed',
  dpop_bad_key: 'The DPoP proof key is not acceptable',
  dpop_private_key: 'The DPoP proof key contains private material',
  dpop_bad_signature: 'The DPoP proof signature is invalid',
  dpop_bad_method: 'The DPoP proof is for another HTTP method',
  dpop_bad_uri: 'The DPoP proof is for another URI',
  dpop_too_old: 'The DPoP proof is too old',
  dpop_future: 'The DPoP proof is issued in the future',
  dpop_expired: 'The DPoP proof expired',
  dpop_bad_ath: 'The DPoP proof is for another access token',
  dpop_replay: 'The DPoP proof was already used',
  dpop_nonce: 'A fresh DPoP nonce is required',
  replay_unavailable: 'The DPoP replay check is temporarily unavailable',
}

const STATUS: Record<OAuthErrorCode, number> = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
}

/** Options of the {@link OAuthError} constructor. */
export interface OAuthErrorOptions {
  /** The underlying error (a jose error, a network error, ...), kept for logs; never sent. */
  cause?: unknown
  /** Realm and resource-metadata URL for the challenge. Default: none. */
  challenge?: ChallengeContext
  /** For `insufficient_scope`: the scopes the route requires, as they must appear in the token. */
  scopes?: readonly string[]
  /** For `temporarily_unavailable`: the `Retry-After` value in whole seconds. Default: 10. */
  retryAfter?: number
  /**
   * The scheme the request used, which the challenge answers in: `dpop` gives a `DPoP` challenge
   * with `algs` (when the challenge context has DPoP). Default: `bearer`.
   */
  scheme?: 'bearer' | 'dpop'
  /** For `use_dpop_nonce`: the nonce sent in the `DPoP-Nonce` header. */
  nonce?: string
}

/**
 * The error every scopeguard failure rejects with. Its `status`/`statusCode` and `headers` are
 * ready to send: Express's, Koa's and Fastify's default error handlers read them as they are. The
 * message is the fixed `error_description` of its `reason`: never a token, claim value or key.
 *
 * @example
 * ```ts
 * try { await verifier.verify(token) } catch (e) {
 *   if (e instanceof OAuthError) res.writeHead(e.status, e.headers).end()
 * }
 * ```
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError'
  /** The RFC 6750 error code (or `missing_token` / `temporarily_unavailable`). */
  readonly code: OAuthErrorCode
  /** A machine reason for logs and metrics (`expired`, `bad_signature`, ...). */
  readonly reason: OAuthErrorReason
  /** The HTTP status: 400, 401, 403 or 503. */
  readonly status: number
  /** The same as `status`, for frameworks that read `statusCode`. */
  readonly statusCode: number
  /** Whether the message may be shown to the client: true for 4xx, false for 503. */
  readonly expose: boolean
  /** The response headers: `WWW-Authenticate`, or `Retry-After` on 503. */
  readonly headers: Record<string, string>

  /**
   * @param code - The error code; it fixes the status.
   * @param reason - The machine reason; it fixes the message and `error_description`.
   * @param options - Cause, challenge context, required scopes, Retry-After.
   */
  constructor(code: OAuthErrorCode, reason: OAuthErrorReason, options: OAuthErrorOptions = {}) {
    super(
      messageOf(reason, options.challenge),
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.code = code
    this.reason = reason
    this.status = STATUS[code]
    this.statusCode = this.status
    this.expose = this.status < 500
    if (code === 'temporarily_unavailable') {
      const wait = options.retryAfter
      const seconds = typeof wait === 'number' && Number.isFinite(wait) ? Math.ceil(wait) : 10
      this.headers = { 'Retry-After': String(Math.max(1, seconds)) }
    } else {
      const dpopCode = code === 'invalid_dpop_proof' || code === 'use_dpop_nonce'
      this.headers = {
        'WWW-Authenticate': challengeHeader(
          code === 'missing_token'
            ? { ...options.challenge }
            : {
                ...options.challenge,
                error: code,
                description: DESCRIPTIONS[reason],
                scopes: options.scopes,
                scheme: dpopCode ? 'dpop' : options.scheme,
              },
        ),
      }
      if (options.nonce !== undefined) this.headers['DPoP-Nonce'] = options.nonce
    }
  }

  /**
   * The `error_description` sentence of a reason.
   *
   * @example
   * ```ts
   * OAuthError.describe('expired') // 'The access token expired'
   * ```
   */
  static describe(reason: OAuthErrorReason): string {
    return DESCRIPTIONS[reason]
  }
}

/**
 * The message of a reason. A request without credentials is told which schemes the verifier takes
 * (its challenge says the same): "Bearer" alone would mislead a client of a DPoP-only API.
 */
function messageOf(reason: OAuthErrorReason, challenge: ChallengeContext | undefined): string {
  if (reason !== 'missing_token' || challenge?.dpop === undefined) return DESCRIPTIONS[reason]
  return challenge.dpop.required ? 'DPoP token required' : 'Bearer or DPoP token required'
}

/**
 * True when `value` is an {@link OAuthError}.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (isOAuthError(err)) return res.status(err.status).set(err.headers).end()
 *   next(err)
 * })
 * ```
 */
export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError
}

/**
 * A configuration mistake, thrown by {@link createVerifier}, {@link cognito} and the adapters at
 * start-up. The message says what to change; it is prefixed with `scopeguard: `.
 *
 * @example
 * ```ts
 * try { createVerifier({ issuer }) } catch (e) {
 *   if (e instanceof ConfigurationError) console.error(e.message) // "audience" is required unless ...
 * }
 * ```
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError'
  constructor(message: string) {
    super(`scopeguard: ${message}`)
  }
}

/**
 * Internal: a check refused the token or the request. It carries only the reason (its message is
 * the reason too); the verifier answers with {@link toOAuthError}.
 */
export class Refusal extends Error {
  override readonly name = 'Refusal'
  /** For `jwks_unavailable`: seconds until the next key fetch may be tried. */
  readonly retryAfter: number | undefined
  /** For `dpop_nonce`: the nonce to send. */
  readonly nonce: string | undefined

  constructor(
    readonly reason: OAuthErrorReason,
    options?: { cause?: unknown; retryAfter?: number; nonce?: string },
  ) {
    super(reason, options?.cause === undefined ? undefined : { cause: options.cause })
    this.retryAfter = options?.retryAfter
    this.nonce = options?.nonce
  }
}

/** The code a refusal's reason answers with (anything not listed: `invalid_token`). */
const CODE_OF: Partial<Record<OAuthErrorReason, OAuthErrorCode>> = {
  missing_token: 'missing_token',
  invalid_request: 'invalid_request',
  duplicate_credentials: 'invalid_request',
  insufficient_scope: 'insufficient_scope',
  jwks_unavailable: 'temporarily_unavailable',
  revocation_unavailable: 'temporarily_unavailable',
  replay_unavailable: 'temporarily_unavailable',
  introspection_unavailable: 'temporarily_unavailable',
  dpop_missing: 'invalid_dpop_proof',
  dpop_duplicate: 'invalid_dpop_proof',
  dpop_with_bearer: 'invalid_dpop_proof',
  dpop_malformed: 'invalid_dpop_proof',
  dpop_bad_typ: 'invalid_dpop_proof',
  dpop_unsupported_alg: 'invalid_dpop_proof',
  dpop_bad_key: 'invalid_dpop_proof',
  dpop_private_key: 'invalid_dpop_proof',
  dpop_bad_signature: 'invalid_dpop_proof',
  dpop_bad_method: 'invalid_dpop_proof',
  dpop_bad_uri: 'invalid_dpop_proof',
  dpop_too_old: 'invalid_dpop_proof',
  dpop_future: 'invalid_dpop_proof',
  dpop_expired: 'invalid_dpop_proof',
  dpop_bad_ath: 'invalid_dpop_proof',
  dpop_replay: 'invalid_dpop_proof',
  dpop_nonce: 'use_dpop_nonce',
}

/**
 * Internal: what a verifier rejects with. A {@link Refusal} becomes its {@link OAuthError}, with
 * the refusal's underlying cause and `Retry-After`; an `OAuthError` (from a custom validator) and
 * any other `Error` pass unchanged.
 */
export function toOAuthError(
  error: unknown,
  challenge: ChallengeContext,
  scheme?: 'bearer' | 'dpop',
): Error {
  if (!(error instanceof Refusal)) return error instanceof Error ? error : new Error(String(error))
  return new OAuthError(CODE_OF[error.reason] ?? 'invalid_token', error.reason, {
    challenge,
    cause: error.cause,
    retryAfter: error.retryAfter,
    scheme,
    nonce: error.nonce,
  })
}
