/**
 * A real authorization server for the example's interop suites: oidc-provider 8.8 on loopback with
 * the client-credentials grant, resource indicators (JWT or opaque access tokens for the photo
 * API's audience), introspection (RFC 7662), revocation (RFC 7009) and, on request, DPoP (RFC
 * 9449) or certificate-bound tokens (RFC 8705). Clients authenticate with `client_secret_basic`.
 */
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import type { RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
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
  /**
   * Serve the issuer over HTTPS with this server certificate (PEM), asking every client for a
   * certificate, with oidc-provider's `features.mTLS.certificateBoundAccessTokens`: `photo-app`'s
   * tokens are bound to the certificate it connected with (`cnf["x5t#S256"]`). The API's own calls
   * (key set, introspection) go to a plain loopback listener of the same provider, `backChannel`.
   */
  tls?: { cert: string; key: string }
}

/** A running oidc-provider. */
export interface OidcIssuer {
  /** The issuer URL (`http://127.0.0.1:<port>`). */
  url: string
  /** Where the API fetches keys and introspects: the issuer URL, or the plain listener with `tls`. */
  backChannel: string
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
  const backChannel = `http://127.0.0.1:${server.port}`
  const secure =
    settings.tls === undefined
      ? undefined
      : await serveTls(settings.tls, (req, res) => handle(req, res))
  const url = secure?.url ?? backChannel
  const issuer: OidcIssuer = {
    url,
    backChannel,
    introspections: 0,
    close: async () => {
      await Promise.all([server.close(), secure?.close()])
    },
  }
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
      ...(settings.tls !== undefined && id === 'photo-app'
        ? { tls_client_certificate_bound_access_tokens: true }
        : {}),
    })),
    scopes: ['photos.read', 'photos.write'],
    jwks: { keys: [await privateJwk('RS256'), await privateJwk('ES256')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      dPoP: { enabled: settings.dpop === true },
      mTLS: {
        enabled: settings.tls !== undefined,
        certificateBoundAccessTokens: true,
        // The certificate the client presented on this TLS connection (not verified against a
        // CA: RFC 8705 §3 binds to whatever certificate the client proves it holds).
        getCertificate: (ctx: { socket: TLSSocket }) => {
          const raw = ctx.socket.getPeerCertificate?.().raw
          return raw === undefined ? undefined : new X509Certificate(raw)
        },
      },
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

/** An HTTPS listener on loopback asking for (and not rejecting) client certificates. */
async function serveTls(
  tls: { cert: string; key: string },
  handle: RequestListener,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: false }, handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    },
  }
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
