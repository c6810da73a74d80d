/**
 * The conformance table: one request per row and the exact answer every adapter must give.
 * Challenges are whole header values; `answer` is what the handler must have seen (and proves it
 * ran); rows without `answer` must not reach the handler.
 */
import { READ, WRITE, type HandlerAnswer } from './app-spec.js'

/** The verifier a row runs against (see `variants` in conformance.test.ts). */
export type Variant = 'cognito' | 'prefixed' | 'oidc' | 'query' | 'body' | 'down-cold' | 'down-warm'

/** Tokens minted once per run (see conformance.test.ts). */
export type TokenName =
  | 'read'
  | 'write'
  | 'readWrite'
  | 'noScope'
  | 'lookalike'
  | 'prefixedRead'
  | 'es256Read'
  | 'expired'
  | 'tampered'
  | 'otherIssuer'
  | 'otherClient'
  | 'idToken'
  | 'unknownKid'
  | 'oidcRead'
  | 'oidcOtherAudience'

export interface Case {
  name: string
  variant: Variant
  method?: 'GET' | 'POST' | 'DELETE'
  /** Path, or 'metadata' for the RFC 9728 document path. */
  path: string
  /** Authorization header value(s), by token name or literal. */
  authorization?: TokenName | { raw: string | string[] }
  /** The scheme written before a named token (default `Bearer`). */
  scheme?: string
  /** access_token in the query string. */
  queryToken?: TokenName
  /** access_token in a form body. */
  bodyToken?: TokenName
  status: number
  challenge: string | null
  retryAfter?: boolean
  answer?: HandlerAnswer | 'document'
}

export const METADATA_URL = 'https://api.example/.well-known/oauth-protected-resource'
export const CLIENT = 'client-a'
const RM = `resource_metadata="${METADATA_URL}"`
const BARE = `Bearer ${RM}`
const invalidToken = (description: string) =>
  `Bearer error="invalid_token", error_description="${description}", ${RM}`
const invalidRequest = (description: string) =>
  `Bearer error="invalid_request", error_description="${description}"`
const insufficient = (scope: string) =>
  `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="${scope}"`
const saw = (...scopes: string[]): HandlerAnswer => ({
  ran: true,
  auth: { sub: CLIENT, clientId: CLIENT, scopes },
})
const anonymous: HandlerAnswer = { ran: true, auth: null }

export const cases: Case[] = [
  // Credentials: none, other schemes, malformed headers.
  {
    name: 'no token on a protected route: 401 bare challenge',
    variant: 'cognito',
    path: '/read',
    status: 401,
    challenge: BARE,
  },
  {
    name: 'a public route runs without a token',
    variant: 'cognito',
    path: '/public',
    status: 200,
    challenge: null,
    answer: anonymous,
  },
  {
    name: 'Basic credentials count as no bearer token',
    variant: 'cognito',
    path: '/read',
    authorization: { raw: 'Basic dXNlcjpwYXNz' },
    status: 401,
    challenge: BARE,
  },
  {
    name: '"Bearer" without a token: 400',
    variant: 'cognito',
    path: '/read',
    authorization: { raw: 'Bearer' },
    status: 400,
    challenge: invalidRequest('The request is malformed'),
  },
  {
    name: 'a token with a space inside: 400',
    variant: 'cognito',
    path: '/read',
    authorization: { raw: 'Bearer abc def' },
    status: 400,
    challenge: invalidRequest('The request is malformed'),
  },
  {
    name: 'a token with characters outside b64token: 400',
    variant: 'cognito',
    path: '/read',
    authorization: { raw: 'Bearer abc"def' },
    status: 400,
    challenge: invalidRequest('The request is malformed'),
  },
  {
    name: 'two Authorization headers: 400',
    variant: 'cognito',
    path: '/read',
    authorization: { raw: ['Bearer aaa.bbb.ccc', 'Bearer ddd.eee.fff'] },
    status: 400,
    challenge: invalidRequest('The request carries more than one access token'),
  },
  {
    name: 'a scheme in lower case is accepted',
    variant: 'cognito',
    path: '/read',
    scheme: 'bearer',
    authorization: 'read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  // Token checks.
  {
    name: 'a good RS256 token with the scope: 200',
    variant: 'cognito',
    path: '/read',
    authorization: 'read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  {
    name: 'a good ES256 token with the scope: 200',
    variant: 'cognito',
    path: '/read',
    authorization: 'es256Read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  {
    name: 'not a JWT: 401 invalid_token',
    variant: 'cognito',
    path: '/read',
    authorization: { raw: 'Bearer not-a-jwt' },
    status: 401,
    challenge: invalidToken('The access token is malformed'),
  },
  {
    name: 'a tampered payload: 401 bad signature',
    variant: 'cognito',
    path: '/read',
    authorization: 'tampered',
    status: 401,
    challenge: invalidToken('The access token signature is invalid'),
  },
  {
    name: 'an expired token: 401',
    variant: 'cognito',
    path: '/read',
    authorization: 'expired',
    status: 401,
    challenge: invalidToken('The access token expired'),
  },
  {
    name: 'another issuer: 401',
    variant: 'cognito',
    path: '/read',
    authorization: 'otherIssuer',
    status: 401,
    challenge: invalidToken('The access token issuer is not accepted'),
  },
  {
    name: 'another app client: 401',
    variant: 'cognito',
    path: '/read',
    authorization: 'otherClient',
    status: 401,
    challenge: invalidToken('The access token client is not accepted'),
  },
  {
    name: 'an ID token on an access-token API: 401',
    variant: 'cognito',
    path: '/read',
    authorization: 'idToken',
    status: 401,
    challenge: invalidToken('The token is not of the accepted kind'),
  },
  {
    name: 'a key the issuer never published: 401 unknown kid',
    variant: 'cognito',
    path: '/read',
    authorization: 'unknownKid',
    status: 401,
    challenge: invalidToken('The access token is signed with an unknown key'),
  },
  {
    name: 'OIDC: the right audience: 200',
    variant: 'oidc',
    path: '/read',
    authorization: 'oidcRead',
    status: 200,
    challenge: null,
    answer: { ran: true, auth: { sub: 'user-9', clientId: 'oidc-client', scopes: [READ] } },
  },
  {
    name: 'OIDC: another audience: 401',
    variant: 'oidc',
    path: '/read',
    authorization: 'oidcOtherAudience',
    status: 401,
    challenge: invalidToken('The access token audience is not accepted'),
  },
  // Scopes.
  {
    name: 'a missing scope: 403 naming it',
    variant: 'cognito',
    path: '/read',
    authorization: 'write',
    status: 403,
    challenge: insufficient(READ),
  },
  {
    name: 'a token without any scope: 403',
    variant: 'cognito',
    path: '/read',
    authorization: 'noScope',
    status: 403,
    challenge: insufficient(READ),
  },
  {
    name: 'a look-alike scope (photos.readonly) does not count',
    variant: 'cognito',
    path: '/read',
    authorization: 'lookalike',
    status: 403,
    challenge: insufficient(READ),
  },
  {
    name: 'all-of: one of two scopes is not enough',
    variant: 'cognito',
    path: '/all',
    authorization: 'read',
    status: 403,
    challenge: insufficient(`${READ} ${WRITE}`),
  },
  {
    name: 'all-of: both scopes pass',
    variant: 'cognito',
    path: '/all',
    authorization: 'readWrite',
    status: 200,
    challenge: null,
    answer: saw(READ, WRITE),
  },
  {
    name: 'any-of: either scope passes',
    variant: 'cognito',
    path: '/any',
    authorization: 'write',
    status: 200,
    challenge: null,
    answer: saw(WRITE),
  },
  {
    name: 'any-of: neither scope: 403 listing the alternatives',
    variant: 'cognito',
    path: '/any',
    authorization: 'lookalike',
    status: 403,
    challenge: insufficient(`${READ} ${WRITE}`),
  },
  {
    name: 'resource-server prefix: the prefixed scope passes',
    variant: 'prefixed',
    path: '/read',
    authorization: 'prefixedRead',
    status: 200,
    challenge: null,
    answer: saw(`https://photos.example.com/${READ}`),
  },
  {
    name: 'resource-server prefix: the bare scope does not count',
    variant: 'prefixed',
    path: '/read',
    authorization: 'read',
    status: 403,
    challenge: insufficient(`https://photos.example.com/${READ}`),
  },
  // Per-method scope map.
  {
    name: 'method map: GET with the read scope',
    variant: 'cognito',
    path: '/resource',
    authorization: 'read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  {
    name: 'method map: GET with only the write scope',
    variant: 'cognito',
    path: '/resource',
    authorization: 'write',
    status: 403,
    challenge: insufficient(READ),
  },
  {
    name: 'method map: POST with only the read scope',
    variant: 'cognito',
    method: 'POST',
    path: '/resource',
    authorization: 'read',
    status: 403,
    challenge: insufficient(WRITE),
  },
  {
    name: 'method map: DELETE with the write scope',
    variant: 'cognito',
    method: 'DELETE',
    path: '/resource',
    authorization: 'write',
    status: 200,
    challenge: null,
    answer: saw(WRITE),
  },
  // Optional authentication.
  {
    name: 'optional: anonymous requests pass with no auth',
    variant: 'cognito',
    path: '/optional',
    status: 200,
    challenge: null,
    answer: anonymous,
  },
  {
    name: 'optional: a valid token is verified and handed over',
    variant: 'cognito',
    path: '/optional',
    authorization: 'read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  {
    name: 'optional: a bad token is still refused',
    variant: 'cognito',
    path: '/optional',
    authorization: 'expired',
    status: 401,
    challenge: invalidToken('The access token expired'),
  },
  // Transports.
  {
    name: 'query transport off: a lone query token is no credentials',
    variant: 'cognito',
    path: '/read',
    queryToken: 'read',
    status: 401,
    challenge: BARE,
  },
  {
    name: 'query transport on: a query token passes',
    variant: 'query',
    path: '/read',
    queryToken: 'read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  {
    name: 'query transport on: a token in header and query: 400',
    variant: 'query',
    path: '/read',
    authorization: 'read',
    queryToken: 'read',
    status: 400,
    challenge: invalidRequest('The request carries more than one access token'),
  },
  {
    name: 'body transport on: a form-body token passes',
    variant: 'body',
    method: 'POST',
    path: '/form',
    bodyToken: 'read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  {
    name: 'body transport on: a token in header and body: 400',
    variant: 'body',
    method: 'POST',
    path: '/form',
    authorization: 'read',
    bodyToken: 'read',
    status: 400,
    challenge: invalidRequest('The request carries more than one access token'),
  },
  // The key server.
  {
    name: 'key server down before warm-up: 503 with Retry-After',
    variant: 'down-cold',
    path: '/read',
    authorization: 'read',
    status: 503,
    challenge: null,
    retryAfter: true,
  },
  {
    name: 'key server down after warm-up: cached keys keep serving',
    variant: 'down-warm',
    path: '/read',
    authorization: 'read',
    status: 200,
    challenge: null,
    answer: saw(READ),
  },
  {
    name: 'key server down after warm-up: an unknown kid is 401, not 503',
    variant: 'down-warm',
    path: '/read',
    authorization: 'unknownKid',
    status: 401,
    challenge: invalidToken('The access token is signed with an unknown key'),
  },
  // RFC 9728.
  {
    name: 'the protected-resource metadata document',
    variant: 'cognito',
    path: 'metadata',
    status: 200,
    challenge: null,
    answer: 'document',
  },
]
