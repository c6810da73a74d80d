/**
 * THE conformance table: one request per row and the exact answer every adapter must give.
 *
 * - `request` values may hold `{name}` placeholders: named tokens (tokens.ts) minted for the row's
 *   issuer; `{metadata}` in a path is the verifier's RFC 9728 document path.
 * - `challenge` is the whole `WWW-Authenticate` value (or null: no such header).
 * - `handlerRan` says whether the route handler ran (counted by the app, not read from the body);
 *   `auth` is what it was handed (`null`: anonymous).
 * - `keyServer` is the state of the variant's key server during the request (default `none`);
 *   `introspection` the state of the `opaque` variant's introspection endpoint (default `none`).
 * - `request.dpop` is the DPoP proof (or proofs) minted for the request, `request.certificate`
 *   the TLS client certificate it presents; the sender-constrained rows are in sender-cases.ts.
 *
 * An adapter that answers differently has a bug: never special-case a driver here.
 */
import type { IntrospectionFault } from '../support/introspection-server.js'
import type { Fault } from '../support/issuer-server.js'
import { READ, WRITE, type SeenAuth } from './app-spec.js'
import { senderConstrainedCases, type ProofSpec } from './sender-cases.js'
import { CLIENT, RESOURCE_SERVER } from './tokens.js'

/** The verifier a row runs against (built in variants.ts). */
export type Variant =
  | 'cognito'
  | 'id'
  | 'prefixed'
  | 'oidc'
  | 'query'
  | 'body'
  | 'keys-cold'
  | 'keys-warm'
  | 'opaque'
  | 'dpop'
  | 'dpop-only'
  | 'dpop-nonce'
  | 'dpop-proxy'
  | 'mtls'
  | 'mtls-off'
  | 'mtls-proxy'

/** One request: headers (an array sends the header once per value), query and form body. */
export interface CaseRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'DELETE'
  path: string
  headers?: Record<string, string | string[]>
  query?: Record<string, string>
  /** Sent as `application/x-www-form-urlencoded`. */
  body?: Record<string, string>
  /** The `DPoP` header: a proof minted for this request (an array sends one header per proof). */
  dpop?: ProofSpec | ProofSpec[]
  /** The TLS client certificate presented (TLS variants only; default: none). */
  certificate?: 'client' | 'other'
}

export interface Case {
  name: string
  variant: Variant
  keyServer?: Fault
  introspection?: IntrospectionFault
  request: CaseRequest
  status: number
  challenge: string | null
  /** A `Retry-After` header is present (default: absent). */
  retryAfter?: boolean
  handlerRan: boolean
  /** What the handler saw, when it ran. */
  auth?: SeenAuth | null
  /** The exact JSON body (`{issuer}` stands for the variant's issuer). */
  json?: unknown
  /** The verifier started a key-set fetch while answering (checked only when given). */
  keysFetched?: boolean
  /** The answer carries exactly one `DPoP-Nonce` header (default: none). */
  dpopNonce?: boolean
}

export const METADATA_URL = 'https://api.example/.well-known/oauth-protected-resource'
const RM = `resource_metadata="${METADATA_URL}"`
const BARE = `Bearer ${RM}`
const invalidToken = (description: string) =>
  `Bearer error="invalid_token", error_description="${description}", ${RM}`
const invalidRequest = (description: string) =>
  `Bearer error="invalid_request", error_description="${description}"`
const MALFORMED = invalidRequest('The request is malformed')
const DUPLICATE = invalidRequest('The request carries more than one access token')
const insufficient = (...scopes: string[]) =>
  `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="${scopes.join(' ')}"`
const saw = (...scopes: string[]): SeenAuth => ({ sub: CLIENT, clientId: CLIENT, scopes })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const P = (scope: string) => `${RESOURCE_SERVER}/${scope}`
const document = (scopes: string[], methods: string[]) => ({
  resource: 'https://api.example',
  authorization_servers: ['{issuer}'],
  scopes_supported: scopes,
  bearer_methods_supported: methods,
})

export const cases: Case[] = [
  // Credentials: none, another scheme, malformed headers, duplicates.
  {
    name: 'no token on a protected route: 401 bare challenge',
    variant: 'cognito',
    request: { path: '/read' },
    status: 401,
    challenge: BARE,
    handlerRan: false,
  },
  {
    name: 'a public route runs without a token',
    variant: 'cognito',
    request: { path: '/public' },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: null,
  },
  {
    name: 'Basic credentials count as no bearer token: 401 bare',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    status: 401,
    challenge: BARE,
    handlerRan: false,
  },
  {
    name: '"Bearer" with no token: 400',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'Bearer' } },
    status: 400,
    challenge: MALFORMED,
    handlerRan: false,
  },
  {
    name: '"Bearer " and blanks only: 400',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'Bearer    ' } },
    status: 400,
    challenge: MALFORMED,
    handlerRan: false,
  },
  {
    name: 'two spaces after Bearer are allowed (RFC 6750: 1*SP)',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'Bearer  {read}' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'two words after Bearer: 400',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'Bearer {read} {write}' } },
    status: 400,
    challenge: MALFORMED,
    handlerRan: false,
  },
  {
    name: 'a token with characters outside b64token: 400',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'Bearer abc"def' } },
    status: 400,
    challenge: MALFORMED,
    handlerRan: false,
  },
  {
    name: 'a token with a comma: 400',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'Bearer abc,def' } },
    status: 400,
    challenge: MALFORMED,
    handlerRan: false,
  },
  {
    name: 'two Authorization headers: 400',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: ['Bearer {read}', 'Bearer {write}'] } },
    status: 400,
    challenge: DUPLICATE,
    handlerRan: false,
  },
  {
    name: 'two identical Authorization headers: 400',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: ['Bearer {read}', 'Bearer {read}'] } },
    status: 400,
    challenge: DUPLICATE,
    handlerRan: false,
  },
  {
    name: 'the scheme is case-insensitive',
    variant: 'cognito',
    request: { path: '/read', headers: { authorization: 'bEARER {read}' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  // The token itself.
  {
    name: 'a good RS256 token with the scope: 200',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'a good ES256 token with the scope: 200',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{es256Read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'not a JWT: 401 malformed',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('not-a-jwt') },
    status: 401,
    challenge: invalidToken('The access token is malformed'),
    handlerRan: false,
  },
  {
    name: 'a tampered payload: 401 bad signature',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{tampered}') },
    status: 401,
    challenge: invalidToken('The access token signature is invalid'),
    handlerRan: false,
  },
  {
    name: 'signed by another key under a published kid: 401 bad signature',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{forged}') },
    status: 401,
    challenge: invalidToken('The access token signature is invalid'),
    handlerRan: false,
  },
  {
    name: 'an expired token: 401',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{expired}') },
    status: 401,
    challenge: invalidToken('The access token expired'),
    handlerRan: false,
  },
  {
    name: 'another issuer: 401',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{otherIssuer}') },
    status: 401,
    challenge: invalidToken('The access token issuer is not accepted'),
    handlerRan: false,
  },
  {
    name: 'another app client: 401',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{otherClient}') },
    status: 401,
    challenge: invalidToken('The access token client is not accepted'),
    handlerRan: false,
  },
  {
    name: 'an ID token on an access-token route: 401',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{idToken}') },
    status: 401,
    challenge: invalidToken('The token is not of the accepted kind'),
    handlerRan: false,
  },
  {
    name: 'a key the issuer never published: 401 unknown kid',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{unknownKid}') },
    status: 401,
    challenge: invalidToken('The access token is signed with an unknown key'),
    handlerRan: false,
  },
  {
    name: 'OIDC audience: the right audience: 200',
    variant: 'oidc',
    request: { path: '/read', headers: bearer('{oidcRead}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: { sub: 'user-9', clientId: 'oidc-client', scopes: [READ] },
  },
  {
    name: 'OIDC audience: another audience: 401',
    variant: 'oidc',
    request: { path: '/read', headers: bearer('{oidcOtherAudience}') },
    status: 401,
    challenge: invalidToken('The access token audience is not accepted'),
    handlerRan: false,
  },
  {
    name: 'OIDC audience: a Cognito access token without aud: 401',
    variant: 'oidc',
    request: { path: '/read', headers: bearer('{read}') },
    status: 401,
    challenge: invalidToken('The access token audience is not accepted'),
    handlerRan: false,
  },
  // ID tokens (tokenUse: 'id'): the client is aud, never a client_id claim.
  {
    name: 'ID tokens: aud naming the app client is accepted, its client taken from aud',
    variant: 'id',
    request: { path: '/optional', headers: bearer('{idToken}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: { sub: 'user-1', clientId: CLIENT, scopes: [] },
  },
  {
    name: 'ID tokens: no aud, a client_id claim naming the app client: 401 bad audience',
    variant: 'id',
    request: { path: '/optional', headers: bearer('{idClientIdOnly}') },
    status: 401,
    challenge: invalidToken('The access token audience is not accepted'),
    handlerRan: false,
  },
  {
    name: 'ID tokens: aud naming another client, client_id naming ours: 401 bad audience',
    variant: 'id',
    request: { path: '/optional', headers: bearer('{idOtherAudience}') },
    status: 401,
    challenge: invalidToken('The access token audience is not accepted'),
    handlerRan: false,
  },
  {
    name: 'ID tokens: aud naming our client and an untrusted one: 401 bad audience',
    variant: 'id',
    request: { path: '/optional', headers: bearer('{idUntrustedAudience}') },
    status: 401,
    challenge: invalidToken('The access token audience is not accepted'),
    handlerRan: false,
  },
  {
    name: 'ID tokens: an access token on an ID-token verifier: 401',
    variant: 'id',
    request: { path: '/optional', headers: bearer('{read}') },
    status: 401,
    challenge: invalidToken('The token is not of the accepted kind'),
    handlerRan: false,
  },
  {
    name: 'a token not valid yet (nbf): 401',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{notYetValid}') },
    status: 401,
    challenge: invalidToken('The access token is not yet valid'),
    handlerRan: false,
  },
  {
    name: 'an unsigned token (alg none): 401',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{unsigned}') },
    status: 401,
    challenge: invalidToken('The access token is signed with an algorithm that is not allowed'),
    handlerRan: false,
  },
  {
    name: 'a token over the size limit: 401',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{oversized}') },
    status: 401,
    challenge: invalidToken('The access token is too large'),
    handlerRan: false,
  },
  // Scopes.
  {
    name: 'a missing scope: 403 naming it',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{write}') },
    status: 403,
    challenge: insufficient(READ),
    handlerRan: false,
  },
  {
    name: 'a token without any scope: 403',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{noScope}') },
    status: 403,
    challenge: insufficient(READ),
    handlerRan: false,
  },
  {
    name: 'look-alike scopes (photos.readonly, Photos.Read) do not count',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{lookalike}') },
    status: 403,
    challenge: insufficient(READ),
    handlerRan: false,
  },
  {
    name: 'all-of: one of two scopes is not enough',
    variant: 'cognito',
    request: { path: '/all', headers: bearer('{read}') },
    status: 403,
    challenge: insufficient(READ, WRITE),
    handlerRan: false,
  },
  {
    name: 'all-of: both scopes pass',
    variant: 'cognito',
    request: { path: '/all', headers: bearer('{readWrite}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ, WRITE),
  },
  {
    name: 'any-of: the first scope passes',
    variant: 'cognito',
    request: { path: '/any', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'any-of: the second scope passes',
    variant: 'cognito',
    request: { path: '/any', headers: bearer('{write}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(WRITE),
  },
  {
    name: 'any-of: neither scope: 403 listing the alternatives',
    variant: 'cognito',
    request: { path: '/any', headers: bearer('{lookalike}') },
    status: 403,
    challenge: insufficient(READ, WRITE),
    handlerRan: false,
  },
  {
    name: 'resource server: the prefixed scope satisfies photos.read',
    variant: 'prefixed',
    request: { path: '/read', headers: bearer('{prefixedRead}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(P(READ)),
  },
  {
    name: 'resource server: the bare scope does not count (403 names the prefixed one)',
    variant: 'prefixed',
    request: { path: '/read', headers: bearer('{read}') },
    status: 403,
    challenge: insufficient(P(READ)),
    handlerRan: false,
  },
  {
    name: 'resource server: all-of names every prefixed scope',
    variant: 'prefixed',
    request: { path: '/all', headers: bearer('{prefixedRead}') },
    status: 403,
    challenge: insufficient(P(READ), P(WRITE)),
    handlerRan: false,
  },
  {
    name: 'resource server: all-of with both prefixed scopes passes',
    variant: 'prefixed',
    request: { path: '/all', headers: bearer('{prefixedBoth}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(P(READ), P(WRITE)),
  },
  {
    name: 'all-of without a token: 401 bare',
    variant: 'cognito',
    request: { path: '/all' },
    status: 401,
    challenge: BARE,
    handlerRan: false,
  },
  {
    name: 'any-of without a token: 401 bare',
    variant: 'cognito',
    request: { path: '/any' },
    status: 401,
    challenge: BARE,
    handlerRan: false,
  },
  // Per-method scope map.
  {
    name: 'method map: GET with the read scope',
    variant: 'cognito',
    request: { path: '/resource', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'method map: GET with only the write scope: 403',
    variant: 'cognito',
    request: { path: '/resource', headers: bearer('{write}') },
    status: 403,
    challenge: insufficient(READ),
    handlerRan: false,
  },
  {
    name: 'method map: POST with only the read scope: 403',
    variant: 'cognito',
    request: { method: 'POST', path: '/resource', headers: bearer('{read}') },
    status: 403,
    challenge: insufficient(WRITE),
    handlerRan: false,
  },
  {
    name: 'method map: POST with the write scope',
    variant: 'cognito',
    request: { method: 'POST', path: '/resource', headers: bearer('{write}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(WRITE),
  },
  {
    name: 'method map: DELETE with the write scope',
    variant: 'cognito',
    request: { method: 'DELETE', path: '/resource', headers: bearer('{write}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(WRITE),
  },
  {
    name: 'method map: DELETE without a token: 401 bare',
    variant: 'cognito',
    request: { method: 'DELETE', path: '/resource' },
    status: 401,
    challenge: BARE,
    handlerRan: false,
  },
  {
    name: 'method map: HEAD counts as a read',
    variant: 'cognito',
    request: { method: 'HEAD', path: '/resource', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'method map: HEAD with only the write scope: 403',
    variant: 'cognito',
    request: { method: 'HEAD', path: '/resource', headers: bearer('{write}') },
    status: 403,
    challenge: insufficient(READ),
    handlerRan: false,
  },
  // Optional authentication.
  {
    name: 'optional: an anonymous request passes with no auth',
    variant: 'cognito',
    request: { path: '/optional' },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: null,
  },
  {
    name: 'optional: another scheme passes as anonymous',
    variant: 'cognito',
    request: { path: '/optional', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: null,
  },
  {
    name: 'optional: a valid token is verified and handed over',
    variant: 'cognito',
    request: { path: '/optional', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'optional: a bad token is still refused',
    variant: 'cognito',
    request: { path: '/optional', headers: bearer('{expired}') },
    status: 401,
    challenge: invalidToken('The access token expired'),
    handlerRan: false,
  },
  {
    name: 'optional: a malformed header is still 400',
    variant: 'cognito',
    request: { path: '/optional', headers: { authorization: 'Bearer' } },
    status: 400,
    challenge: MALFORMED,
    handlerRan: false,
  },
  // Transports.
  {
    name: 'query transport off: a lone query token is no credentials (401 bare)',
    variant: 'cognito',
    request: { path: '/read', query: { access_token: '{read}' } },
    status: 401,
    challenge: BARE,
    handlerRan: false,
  },
  {
    name: 'query transport off: header plus query token uses the header',
    variant: 'cognito',
    request: { path: '/read', headers: bearer('{read}'), query: { access_token: '{write}' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'query transport on: a query token passes',
    variant: 'query',
    request: { path: '/read', query: { access_token: '{read}' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'query transport on: a token in header and query: 400',
    variant: 'query',
    request: { path: '/read', headers: bearer('{read}'), query: { access_token: '{read}' } },
    status: 400,
    challenge: DUPLICATE,
    handlerRan: false,
  },
  {
    name: 'body transport off: a form-body token is no credentials (401 bare)',
    variant: 'cognito',
    request: { method: 'POST', path: '/form', body: { access_token: '{read}' } },
    status: 401,
    challenge: BARE,
    handlerRan: false,
  },
  {
    name: 'body transport on: a form-body token passes',
    variant: 'body',
    request: { method: 'POST', path: '/form', body: { access_token: '{read}' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'body transport on: a token in header and body: 400',
    variant: 'body',
    request: {
      method: 'POST',
      path: '/form',
      headers: bearer('{read}'),
      body: { access_token: '{read}' },
    },
    status: 400,
    challenge: DUPLICATE,
    handlerRan: false,
  },
  // The key server.
  {
    name: 'key server down before warm-up: 503 with Retry-After, no challenge',
    variant: 'keys-cold',
    keyServer: 'down',
    request: { path: '/read', headers: bearer('{read}') },
    status: 503,
    challenge: null,
    retryAfter: true,
    handlerRan: false,
    keysFetched: true,
  },
  {
    name: 'key server answering 500 before warm-up: 503',
    variant: 'keys-cold',
    keyServer: 'error500',
    request: { path: '/read', headers: bearer('{read}') },
    status: 503,
    challenge: null,
    retryAfter: true,
    handlerRan: false,
    keysFetched: true,
  },
  {
    name: 'key server answering invalid JSON before warm-up: 503',
    variant: 'keys-cold',
    keyServer: 'invalid-json',
    request: { path: '/read', headers: bearer('{read}') },
    status: 503,
    challenge: null,
    retryAfter: true,
    handlerRan: false,
    keysFetched: true,
  },
  {
    name: 'key server too slow before warm-up: 503',
    variant: 'keys-cold',
    keyServer: 'slow',
    request: { path: '/read', headers: bearer('{read}') },
    status: 503,
    challenge: null,
    retryAfter: true,
    handlerRan: false,
    keysFetched: true,
  },
  {
    name: 'key server down, no token: still 401 bare (keys are not needed)',
    variant: 'keys-cold',
    keyServer: 'down',
    request: { path: '/read' },
    status: 401,
    challenge: BARE,
    handlerRan: false,
    keysFetched: false,
  },
  {
    name: 'key server back: the same verifier recovers',
    variant: 'keys-cold',
    request: { path: '/read', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
    keysFetched: true,
  },
  {
    name: 'key server down after warm-up: stale keys keep serving',
    variant: 'keys-warm',
    keyServer: 'down',
    request: { path: '/read', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
    keysFetched: true,
  },
  {
    name: 'key server down after warm-up: an unknown kid is 401, not 503',
    variant: 'keys-warm',
    keyServer: 'down',
    request: { path: '/read', headers: bearer('{unknownKid}') },
    status: 401,
    challenge: invalidToken('The access token is signed with an unknown key'),
    handlerRan: false,
  },
  // RFC 9728.
  {
    name: 'the protected-resource metadata document',
    variant: 'cognito',
    request: { path: '{metadata}' },
    status: 200,
    challenge: null,
    handlerRan: false,
    json: document([READ, WRITE], ['header']),
  },
  {
    name: 'the metadata document lists prefixed scopes',
    variant: 'prefixed',
    request: { path: '{metadata}' },
    status: 200,
    challenge: null,
    handlerRan: false,
    json: document([P(READ), P(WRITE)], ['header']),
  },
  {
    name: 'the metadata document lists the enabled transports',
    variant: 'query',
    request: { path: '{metadata}' },
    status: 200,
    challenge: null,
    handlerRan: false,
    json: document([READ, WRITE], ['header', 'query']),
  },
  // Opaque tokens through RFC 7662 introspection (a loopback endpoint; no result cache).
  {
    name: 'an active opaque read token reads',
    variant: 'opaque',
    request: { path: '/read', headers: bearer('{opaqueRead}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  {
    name: 'an active opaque token with both scopes passes an all-of route',
    variant: 'opaque',
    request: { path: '/all', headers: bearer('{opaqueReadWrite}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ, WRITE),
  },
  {
    name: 'an opaque read token on a write route: 403',
    variant: 'opaque',
    request: { method: 'POST', path: '/resource', headers: bearer('{opaqueRead}') },
    status: 403,
    challenge: insufficient(WRITE),
    handlerRan: false,
  },
  {
    name: 'an inactive (revoked or unknown) opaque token: 401 not active',
    variant: 'opaque',
    request: { path: '/read', headers: bearer('{opaqueRevoked}') },
    status: 401,
    challenge: invalidToken('The access token is not active'),
    handlerRan: false,
  },
  {
    name: 'an active opaque token of another app client: 401',
    variant: 'opaque',
    request: { path: '/read', headers: bearer('{opaqueOtherClient}') },
    status: 401,
    challenge: invalidToken('The access token client is not accepted'),
    handlerRan: false,
  },
  {
    name: 'a JWT is still verified locally when introspection is on',
    variant: 'opaque',
    introspection: 'down',
    request: { path: '/read', headers: bearer('{read}') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: saw(READ),
  },
  ...(
    [
      ['down', 'is down'],
      ['error500', 'answers 500'],
      ['throttled', 'answers 429'],
      ['invalid-json', 'sends broken JSON'],
      ['html', 'sends an HTML page'],
      ['huge', 'sends a huge body'],
      ['slow', 'does not answer in time'],
      ['stalled-body', 'stalls in the middle of its body'],
    ] as const
  ).map(([fault, what]): Case => ({
    name: `introspection endpoint ${what}: 503 with Retry-After, never 401`,
    variant: 'opaque',
    introspection: fault,
    request: { path: '/read', headers: bearer('{opaqueRead}') },
    status: 503,
    challenge: null,
    retryAfter: true,
    handlerRan: false,
  })),
  ...senderConstrainedCases,
]
