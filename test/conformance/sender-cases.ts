/**
 * The sender-constrained rows of the conformance table (cases.ts spreads them in): DPoP (RFC 9449)
 * in both modes and with server nonces, and certificate-bound tokens (RFC 8705) over real TLS, in
 * front of a trusted proxy and with the feature off. Same rules as every row: the exact status and
 * whole `WWW-Authenticate`, whether the handler ran and what it saw, on every driver.
 */
import { READ, WRITE, type SeenAuth } from './app-spec.js'
import type { Case } from './cases.js'
import { API, CLIENT } from './tokens.js'

/**
 * A DPoP proof a row sends, minted just before the request with the client's key over sane
 * defaults; each field moves one thing away from them.
 */
export interface ProofSpec {
  /** The key that signs: the client's (the one `{dpopRead}` is bound to) or another client's. */
  key?: 'client' | 'other'
  /** Default: the request's method. */
  htm?: string
  /** Default: the public origin (`https://api.example`) and the request's path, no query. */
  htu?: string
  /** The token whose hash is `ath`, by name. Default: the token of the `Authorization` header. */
  ath?: string
  /**
   * The server nonce the proof carries: `fetched` is the one a first request (same request
   * without a nonce) was answered with; `aging` is one fetched in the previous nonce step; any
   * other string is sent as it is. Default: none.
   */
  nonce?: string
  /** The very same proof was sent (and accepted) once before the row's request. */
  replayed?: true
}

/** The DPoP algorithms the verifier accepts by default, as every DPoP challenge lists them. */
export const ALGS = 'ES256 EdDSA PS256 RS256'
const RM = `resource_metadata="${API}/.well-known/oauth-protected-resource"`
const dpopChallenge = (error: string, description: string, metadata = true) =>
  `DPoP error="${error}", error_description="${description}", algs="${ALGS}"${metadata ? `, ${RM}` : ''}`
const badProof = (description: string) => dpopChallenge('invalid_dpop_proof', description)
const bearerRefusal = (description: string) =>
  `Bearer error="invalid_token", error_description="${description}", ${RM}`
const BOUND = bearerRefusal('The access token is bound to a key and needs proof of possession')
const CERT_MISMATCH = bearerRefusal('The access token is bound to another client certificate')
const USE_NONCE = dpopChallenge('use_dpop_nonce', 'A fresh DPoP nonce is required', false)

const dpopAuth = (...scopes: string[]): SeenAuth => ({
  sub: CLIENT,
  clientId: CLIENT,
  scopes,
  scheme: 'dpop',
  binding: { jkt: '{clientJkt}' },
})
const certAuth: SeenAuth = {
  sub: CLIENT,
  clientId: CLIENT,
  scopes: [READ],
  scheme: 'bearer',
  binding: { certificateThumbprint: '{clientCertThumbprint}' },
}
const asDpop = (token: string) => ({ authorization: `DPoP {${token}}` })
const asBearer = (token: string) => ({ authorization: `Bearer {${token}}` })

/** A DPoP request to `/read` with `{dpopRead}` and a proof (or none), refused with `description`. */
const refusedProof = (
  name: string,
  dpop: ProofSpec | ProofSpec[] | undefined,
  description: string,
): Case => ({
  name,
  variant: 'dpop',
  request: { path: '/read', headers: asDpop('dpopRead'), ...(dpop === undefined ? {} : { dpop }) },
  status: 401,
  challenge: badProof(description),
  handlerRan: false,
})

const dpopRows: Case[] = [
  {
    name: 'DPoP: a bound token with its proof: 200, the handler sees scheme dpop and the key binding',
    variant: 'dpop',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: {} },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
  },
  {
    name: 'DPoP: the request query is no part of htu: 200',
    variant: 'dpop',
    request: { path: '/read?page=2', headers: asDpop('dpopRead'), dpop: {} },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
  },
  {
    name: 'DPoP: a proof for POST /resource with a write token: 200',
    variant: 'dpop',
    request: { method: 'POST', path: '/resource', headers: asDpop('dpopWrite'), dpop: {} },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(WRITE),
  },
  {
    name: 'DPoP: a HEAD request with a proof for HEAD: 200',
    variant: 'dpop',
    request: { method: 'HEAD', path: '/resource', headers: asDpop('dpopRead'), dpop: {} },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
  },
  {
    name: 'DPoP: a HEAD request with a proof for GET: 401 (the method as received)',
    variant: 'dpop',
    request: {
      method: 'HEAD',
      path: '/resource',
      headers: asDpop('dpopRead'),
      dpop: { htm: 'GET' },
    },
    status: 401,
    challenge: badProof('The DPoP proof is for another HTTP method'),
    handlerRan: false,
  },
  {
    name: 'DPoP: optional authentication reads a DPoP token too',
    variant: 'dpop',
    request: { path: '/optional', headers: asDpop('dpopRead'), dpop: {} },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
  },
  {
    name: 'DPoP on: an unbound token as Bearer still passes',
    variant: 'dpop',
    request: { path: '/read', headers: asBearer('read') },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: { sub: CLIENT, clientId: CLIENT, scopes: [READ] },
  },
  {
    name: 'DPoP on, no credentials: both challenges in one field',
    variant: 'dpop',
    request: { path: '/read' },
    status: 401,
    challenge: `Bearer ${RM}, DPoP algs="${ALGS}"`,
    handlerRan: false,
  },
  {
    name: 'DPoP: a bound token sent as Bearer: 401 invalid_token (never served as a bearer token)',
    variant: 'dpop',
    request: { path: '/read', headers: asBearer('dpopRead') },
    status: 401,
    challenge: BOUND,
    handlerRan: false,
  },
  {
    name: 'DPoP off: a DPoP-bound token sent as Bearer is refused all the same',
    variant: 'cognito',
    request: { path: '/read', headers: asBearer('dpopRead') },
    status: 401,
    challenge: BOUND,
    handlerRan: false,
  },
  {
    name: 'DPoP off: the DPoP scheme counts as no credentials: 401 bare Bearer challenge',
    variant: 'cognito',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: {} },
    status: 401,
    challenge: `Bearer ${RM}`,
    handlerRan: false,
  },
  refusedProof('DPoP: no proof with the DPoP scheme: 401', undefined, 'A DPoP proof is required'),
  refusedProof(
    'DPoP: a proof for another method: 401',
    { htm: 'POST' },
    'The DPoP proof is for another HTTP method',
  ),
  refusedProof(
    'DPoP: htm compares case-sensitively: 401',
    { htm: 'get' },
    'The DPoP proof is for another HTTP method',
  ),
  refusedProof(
    'DPoP: a proof for another path: 401',
    { htu: `${API}/all` },
    'The DPoP proof is for another URI',
  ),
  refusedProof(
    'DPoP: a proof for another origin: 401',
    { htu: 'https://other.example/read' },
    'The DPoP proof is for another URI',
  ),
  refusedProof(
    'DPoP: a proof used a second time: 401',
    { replayed: true },
    'The DPoP proof was already used',
  ),
  refusedProof(
    'DPoP: ath of another token: 401',
    { ath: 'read' },
    'The DPoP proof is for another access token',
  ),
  refusedProof(
    'DPoP: two DPoP headers: 401',
    [{}, {}],
    'The request carries more than one DPoP proof',
  ),
  {
    name: 'DPoP: a proof by another key than the token is bound to: 401 invalid_token, DPoP challenge',
    variant: 'dpop',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: { key: 'other' } },
    status: 401,
    challenge: dpopChallenge('invalid_token', 'The access token is bound to another key'),
    handlerRan: false,
  },
  {
    name: 'DPoP: an unbound token with the DPoP scheme: 401 invalid_token, DPoP challenge',
    variant: 'dpop',
    request: { path: '/read', headers: asDpop('read'), dpop: {} },
    status: 401,
    challenge: dpopChallenge(
      'invalid_token',
      'The access token is not bound to the DPoP proof key',
    ),
    handlerRan: false,
  },
  {
    name: 'DPoP: a proof next to a Bearer token: 401 invalid_dpop_proof, never ignored',
    variant: 'dpop',
    request: { path: '/read', headers: asBearer('read'), dpop: { ath: 'read' } },
    status: 401,
    challenge: badProof('A DPoP proof came with a Bearer token'),
    handlerRan: false,
  },
  {
    name: 'DPoP: a valid proof but a missing scope: 403 with a DPoP challenge',
    variant: 'dpop',
    request: { path: '/read', headers: asDpop('dpopWrite'), dpop: {} },
    status: 403,
    challenge: `DPoP error="insufficient_scope", error_description="The access token lacks a required scope", scope="${READ}", algs="${ALGS}"`,
    handlerRan: false,
  },
  {
    name: 'DPoP only: a Bearer token counts as no credentials: 401 DPoP challenge',
    variant: 'dpop-only',
    request: { path: '/read', headers: asBearer('read') },
    status: 401,
    challenge: `DPoP algs="${ALGS}", ${RM}`,
    handlerRan: false,
  },
  {
    name: 'DPoP only, no credentials: the DPoP challenge alone',
    variant: 'dpop-only',
    request: { path: '/read' },
    status: 401,
    challenge: `DPoP algs="${ALGS}", ${RM}`,
    handlerRan: false,
  },
  {
    name: 'DPoP only: a bound token with its proof: 200',
    variant: 'dpop-only',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: {} },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
  },
]

const proxyRows: Case[] = [
  {
    name: 'DPoP behind a trusted proxy: htu names the origin it forwards: 200',
    variant: 'dpop-proxy',
    request: {
      path: '/read',
      headers: {
        ...asDpop('dpopRead'),
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'photos.example',
      },
      dpop: { htu: 'https://photos.example/read' },
    },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
  },
  {
    name: 'DPoP behind a trusted proxy that forwards no origin: 401 (never the Host header)',
    variant: 'dpop-proxy',
    request: {
      path: '/read',
      headers: { ...asDpop('dpopRead'), host: 'photos.example' },
      dpop: { htu: 'https://photos.example/read' },
    },
    status: 401,
    challenge: badProof('The DPoP proof is for another URI'),
    handlerRan: false,
  },
  {
    name: 'DPoP: X-Forwarded-* from a peer that is no trusted proxy are ignored: 401',
    variant: 'dpop',
    request: {
      path: '/read',
      headers: {
        ...asDpop('dpopRead'),
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'photos.example',
      },
      dpop: { htu: 'https://photos.example/read' },
    },
    status: 401,
    challenge: badProof('The DPoP proof is for another URI'),
    handlerRan: false,
  },
]

const nonceRows: Case[] = [
  {
    name: 'DPoP nonces, no credentials (no metadata configured): "Bearer, DPoP algs"',
    variant: 'dpop-nonce',
    request: { path: '/read' },
    status: 401,
    challenge: `Bearer, DPoP algs="${ALGS}"`,
    handlerRan: false,
  },
  {
    name: 'DPoP nonces: a proof without a nonce: 401 use_dpop_nonce with one DPoP-Nonce header',
    variant: 'dpop-nonce',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: {} },
    status: 401,
    challenge: USE_NONCE,
    handlerRan: false,
    dpopNonce: true,
  },
  {
    name: 'DPoP nonces: a forged nonce: 401 use_dpop_nonce with one DPoP-Nonce header',
    variant: 'dpop-nonce',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: { nonce: '0.forged' } },
    status: 401,
    challenge: USE_NONCE,
    handlerRan: false,
    dpopNonce: true,
  },
  {
    name: 'DPoP nonces: a proof with the nonce it was given: 200, no new nonce',
    variant: 'dpop-nonce',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: { nonce: 'fetched' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
  },
  {
    name: 'DPoP nonces: a nonce of the previous step: 200 with a fresh DPoP-Nonce header',
    variant: 'dpop-nonce',
    request: { path: '/read', headers: asDpop('dpopRead'), dpop: { nonce: 'aging' } },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: dpopAuth(READ),
    dpopNonce: true,
  },
]

const mtlsRows: Case[] = [
  {
    name: 'mTLS: a certificate-bound token over TLS with its certificate: 200 with the binding',
    variant: 'mtls',
    request: { path: '/read', headers: asBearer('certRead'), certificate: 'client' },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: certAuth,
  },
  {
    name: 'mTLS: the token with another valid client certificate: 401 certificate_mismatch',
    variant: 'mtls',
    request: { path: '/read', headers: asBearer('certRead'), certificate: 'other' },
    status: 401,
    challenge: CERT_MISMATCH,
    handlerRan: false,
  },
  {
    name: 'mTLS: the token over TLS without a client certificate: 401 certificate_mismatch',
    variant: 'mtls',
    request: { path: '/read', headers: asBearer('certRead') },
    status: 401,
    challenge: CERT_MISMATCH,
    handlerRan: false,
  },
  {
    name: 'mTLS: a Client-Cert header from a peer that is no trusted proxy is ignored: 401',
    variant: 'mtls',
    request: {
      path: '/read',
      headers: { ...asBearer('certRead'), 'client-cert': '{clientCertField}' },
    },
    status: 401,
    challenge: CERT_MISMATCH,
    handlerRan: false,
  },
  {
    name: 'mTLS: an unbound token over TLS with a client certificate: 200 without a binding',
    variant: 'mtls',
    request: { path: '/read', headers: asBearer('read'), certificate: 'client' },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: { sub: CLIENT, clientId: CLIENT, scopes: [READ] },
  },
  {
    name: 'mTLS and DPoP: a token bound to both, with its proof over TLS with its certificate: 200',
    variant: 'mtls',
    request: {
      path: '/read',
      headers: asDpop('dpopCertRead'),
      dpop: {},
      certificate: 'client',
    },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: {
      ...dpopAuth(READ),
      binding: { jkt: '{clientJkt}', certificateThumbprint: '{clientCertThumbprint}' },
    },
  },
  {
    name: 'mTLS and DPoP: a token bound to both, with its proof but another certificate: 401',
    variant: 'mtls',
    request: { path: '/read', headers: asDpop('dpopCertRead'), dpop: {}, certificate: 'other' },
    status: 401,
    challenge: dpopChallenge(
      'invalid_token',
      'The access token is bound to another client certificate',
    ),
    handlerRan: false,
  },
  {
    name: 'mTLS off: a certificate-bound token is refused even with its certificate: 401',
    variant: 'mtls-off',
    request: { path: '/read', headers: asBearer('certRead'), certificate: 'client' },
    status: 401,
    challenge: BOUND,
    handlerRan: false,
  },
  {
    name: 'mTLS behind a trusted proxy: its Client-Cert header proves the certificate: 200',
    variant: 'mtls-proxy',
    request: {
      path: '/read',
      headers: { ...asBearer('certRead'), 'client-cert': '{clientCertField}' },
    },
    status: 200,
    challenge: null,
    handlerRan: true,
    auth: certAuth,
  },
  {
    name: 'mTLS behind a trusted proxy that forwards no certificate: 401 certificate_mismatch',
    variant: 'mtls-proxy',
    request: { path: '/read', headers: asBearer('certRead') },
    status: 401,
    challenge: CERT_MISMATCH,
    handlerRan: false,
  },
]

/** DPoP and certificate-bound rows. */
export const senderConstrainedCases: Case[] = [...dpopRows, ...proxyRows, ...nonceRows, ...mtlsRows]
