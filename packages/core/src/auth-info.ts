/**
 * The result of a successful verification: what a route handler reads about the caller.
 *
 * @module
 */
import type { JwsHeader } from './jws-parser.js'
import { audienceOf, clientIdOf } from './claims.js'

/** The claims of a verified token. Unknown claims are kept as they are. */
export interface TokenClaims {
  /** Issuer (checked). */
  iss: string
  /** Expiry, seconds since the epoch (checked). */
  exp: number
  /** Subject: the user, or the app client for machine-to-machine tokens. */
  sub?: string
  /** Audience (checked unless `audience: null`). */
  aud?: string | string[]
  /** Issued at, seconds since the epoch (checked against the clock and `maxTokenAge`). */
  iat?: number
  /** Not before, seconds since the epoch (checked). */
  nbf?: number
  /** Token id. */
  jti?: string
  /** Granted scopes, space-separated. */
  scope?: string
  /** Granted scopes (Entra, Okta style). */
  scp?: string | string[]
  /** The app client (Cognito access tokens, RFC 9068). */
  client_id?: string
  /** Cognito token kind. */
  token_use?: 'access' | 'id'
  /** Cognito user name (access tokens). */
  username?: string
  /** Cognito groups. */
  'cognito:groups'?: string[]
  /** Any other claim, as the issuer wrote it. */
  [claim: string]: unknown
}

/** What a sender-constrained token was bound to, and the request proved it holds. */
export interface TokenBinding {
  /** DPoP: the RFC 7638 thumbprint of the proof's key (the token's `cnf.jkt`). */
  readonly jkt?: string
  /** mTLS (RFC 8705): the SHA-256 thumbprint of the client certificate (`cnf["x5t#S256"]`). */
  readonly certificateThumbprint?: string
}

/**
 * A verified token, as adapters put it on the request (`req.auth`, `ctx.state.auth`, ...). It is
 * deeply frozen: the token cache hands the same object to every request with the same token, so no
 * handler can change what another one sees.
 */
export interface AuthInfo {
  /** The raw token (a getter, no own property: logging or serializing `auth` does not print it). */
  readonly token: string
  /** The protected header. */
  readonly header: Readonly<JwsHeader>
  /** Every claim of the token. */
  readonly claims: Readonly<TokenClaims>
  /** The granted scopes, as written in the token (`scope` and `scp` together, no duplicates). */
  readonly scopes: readonly string[]
  /** The `iss` claim. */
  readonly issuer: string
  /** The `sub` claim. */
  readonly subject: string | undefined
  /**
   * The app client: an access token's `client_id`; for an ID token its `aud` (the single member,
   * or the one `azp` names), never a `client_id` claim.
   */
  readonly clientId: string | undefined
  /** The `aud` claim as a list (empty when absent). */
  readonly audience: readonly string[]
  /** Cognito `token_use`. */
  readonly tokenUse: 'access' | 'id' | undefined
  /** Cognito `username` (access tokens) or `cognito:username` (ID tokens). */
  readonly username: string | undefined
  /** Cognito `cognito:groups` (empty when absent). */
  readonly groups: readonly string[]
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number
  /** The scheme the token came with: `bearer`, or `dpop` (RFC 9449). */
  readonly scheme: 'bearer' | 'dpop'
  /** The proven binding of a sender-constrained token (DPoP key, TLS certificate); else undefined. */
  readonly binding: TokenBinding | undefined
  /**
   * Headers the adapter adds to the response (a fresh `DPoP-Nonce` before the current one ages
   * out); undefined when there are none.
   */
  readonly responseHeaders: Readonly<Record<string, string>> | undefined
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name]
  return typeof value === 'string' ? value : undefined
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}

/** The fields of {@link AuthInfo} but `token`, writable for the constructor that sets them. */
type VerifiedTokenFields = { -readonly [K in Exclude<keyof AuthInfo, 'token'>]: AuthInfo[K] }

// The class takes its fields from AuthInfo (declared once, above) through this merged interface;
// it is handed out typed as AuthInfo, deeply frozen.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
interface VerifiedToken extends VerifiedTokenFields {}

/**
 * The object behind {@link AuthInfo}: the raw token sits in a private field behind a prototype
 * getter, so it is no own property at all (not in `Object.keys`, JSON, spreads or `util.inspect`).
 * The constructor sets every other field, always in the same order (one hidden class).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class VerifiedToken implements AuthInfo {
  readonly #token: string

  constructor(
    token: string,
    header: JwsHeader,
    claims: TokenClaims,
    scopes: readonly string[],
    scheme: 'bearer' | 'dpop' = 'bearer',
    binding?: TokenBinding,
    responseHeaders?: Readonly<Record<string, string>>,
  ) {
    const groups = claims['cognito:groups']
    const tokenUse = claims.token_use
    this.#token = token
    this.header = header
    this.claims = claims
    this.scopes = scopes
    this.issuer = claims.iss
    this.subject = stringClaim(claims, 'sub')
    this.clientId = clientIdOf(claims)
    this.audience = audienceOf(claims)
    this.tokenUse = tokenUse === 'access' || tokenUse === 'id' ? tokenUse : undefined
    this.username = stringClaim(claims, 'username') ?? stringClaim(claims, 'cognito:username')
    this.groups = Array.isArray(groups)
      ? groups.filter((g): g is string => typeof g === 'string')
      : []
    this.expiresAt = claims.exp
    this.scheme = scheme
    this.binding = binding
    this.responseHeaders = responseHeaders
  }

  get token(): string {
    return this.#token
  }
}

/**
 * Builds the (deeply frozen) {@link AuthInfo} of a verified token. `token` is no own property (a
 * getter over a private field), so `JSON.stringify(auth)`, spreading and loggers leave it out.
 */
export function buildAuthInfo(
  token: string,
  header: JwsHeader,
  claims: TokenClaims,
  scopes: readonly string[],
): AuthInfo {
  const auth = new VerifiedToken(token, header, claims, scopes)
  // Header and claims usually arrive frozen from the parser; deepFreeze stops at frozen objects.
  deepFreeze(header)
  deepFreeze(claims)
  Object.freeze(scopes)
  Object.freeze(auth.audience)
  Object.freeze(auth.groups)
  return Object.freeze(auth)
}

/**
 * The {@link AuthInfo} of one request that proved a sender-constrained token: the verified
 * (cached, shared) token's view, with the scheme, binding and response headers of this request.
 */
export function bindAuthInfo(
  auth: AuthInfo,
  scheme: 'bearer' | 'dpop',
  binding: TokenBinding | undefined,
  responseHeaders: Readonly<Record<string, string>> | undefined,
): AuthInfo {
  const bound = new VerifiedToken(
    auth.token,
    auth.header,
    auth.claims,
    auth.scopes,
    scheme,
    binding === undefined ? undefined : Object.freeze(binding),
    responseHeaders === undefined ? undefined : Object.freeze(responseHeaders),
  )
  Object.freeze(bound.audience)
  Object.freeze(bound.groups)
  return Object.freeze(bound)
}
