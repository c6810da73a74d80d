/**
 * A real authorization server for the example's interop suites: oidc-provider 8.8 on loopback with
 * the client-credentials grant, resource indicators (JWT or opaque access tokens for the photo
 * API's audience), introspection (RFC 7662), revocation (RFC 7009) and, on request, DPoP (RFC
 * 9449). Clients authenticate with `client_secret_basic`.
 */
import type { RequestListener } from 'node:http'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import { expect, vi } from 'vitest'
import type { RunningServer } from '../src/servers/app-deps.js'
import { serveNodeHttp } from '../src/servers/node-http.js'

/** The photo API's resource indicator (the `aud` of its tokens). */
export const API = 'https://photos.example.com/api'
/** Another API's resource indicator. */
export const OTHER_API = 'https://other.example.com/api'
/** Every client's secret. */
export const SECRET = 'a-test-client-secret-of-enough-length'

/**
 * The clients and their scopes: two apps of the photo API, one it does not accept, and the
 * API's own client (for introspection).
 */
export const CLIENTS: Readonly<Record<string, string>> = {
  'photo-app': 'photos.read photos.write',
  'photo-reader': 'photos.read',
  'stranger-app': 'photos.read photos.write',
  'photo-api': 'photos.read',
}

/** What the issuer issues. */
export interface IssuerSettings {
  /** Access token format for the photo API (and any other resource). */
  format: 'jwt' | 'opaque'
  /** The JWT access tokens' signature algorithm. Default: ES256. */
  alg?: 'RS256' | 'ES256'
  /** oidc-provider's DPoP feature (`features.dPoP`): DPoP-bound tokens for clients that prove a key. */
  dpop?: boolean
}

/** A running oidc-provider. */
export interface OidcIssuer {
  /** The issuer URL (`http://127.0.0.1:<port>`). */
  url: string
  /** Introspection requests received so far. */
  introspections: number
  close(): Promise<void>
}

async function privateJwk(alg: 'RS256' | 'ES256') {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `${alg.toLowerCase()}-key` }
}

/** Starts oidc-provider on a free loopback port. */
export async function startOidcIssuer(settings: IssuerSettings): Promise<OidcIssuer> {
  // The provider needs its URL, so the server listens first and gets its handler after.
  let handle: RequestListener = (_req, res) => res.writeHead(503).end()
  const server: RunningServer = await serveNodeHttp((req, res) => handle(req, res), {
    port: 0,
    host: '127.0.0.1',
  })
  const url = `http://127.0.0.1:${server.port}`
  const issuer: OidcIssuer = { url, introspections: 0, close: () => server.close() }
  const alg = settings.alg ?? 'ES256'
  // oidc-provider warns about its in-memory adapter at construction: expected in a test.
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  const provider = new Provider(url, {
    cookies: { keys: ['photo-api-test-cookie-key'] },
    ttl: { ClientCredentials: 300 },
    clients: Object.entries(CLIENTS).map(([id, scope]) => ({
      client_id: id,
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope,
    })),
    scopes: ['photos.read', 'photos.write'],
    jwks: { keys: [await privateJwk('RS256'), await privateJwk('ES256')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      dPoP: { enabled: settings.dpop === true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'photos.read photos.write',
          audience: resource,
          accessTokenFormat: settings.format,
          accessTokenTTL: 300,
          ...(settings.format === 'jwt' ? { jwt: { sign: { alg } } } : {}),
        }),
      },
    },
  })
  warn.mockRestore()
  const callback = provider.callback()
  handle = (req, res) => {
    if (req.url === '/token/introspection') issuer.introspections++
    callback(req, res)
  }
  return issuer
}

/** `client_secret_basic` credentials of a client. */
export const basic = (id: string): string =>
  `Basic ${Buffer.from(`${id}:${SECRET}`).toString('base64')}`

/** A client-credentials Bearer token from the token endpoint (empty `scope`: none asked). */
export async function clientToken(
  issuer: string,
  clientId: string,
  scope: string,
  resource = API,
): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId) },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource,
      ...(scope === '' ? {} : { scope }),
    }),
  })
  const body = (await response.json()) as { access_token?: string }
  if (body.access_token === undefined) throw new Error(`token endpoint: ${JSON.stringify(body)}`)
  return body.access_token
}

/** Revokes a token at the issuer (RFC 7009), as the client it was issued to. */
export async function revoke(issuer: string, clientId: string, token: string): Promise<void> {
  const response = await fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: { authorization: basic(clientId) },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  })
  expect(response.status).toBe(200)
}
