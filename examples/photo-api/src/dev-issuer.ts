/**
 * The embedded development authorization server: `oauth2-mock-server` on loopback, shaped to issue
 * Cognito-like client-credentials access tokens (`token_use: 'access'`, `client_id`, `sub` = the
 * client, `scope` prefixed with `RESOURCE_SERVER` when set, no `aud`) to two demo clients. A token
 * request with a DPoP proof (RFC 9449 §5) gets a DPoP-bound token (`cnf.jkt`); one with a
 * `client_certificate` parameter (PEM) gets a certificate-bound one (`cnf["x5t#S256"]`, RFC 8705).
 *
 * @module
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  OAuth2Issuer,
  OAuth2Service,
  type MutableResponse,
  type MutableToken,
} from 'oauth2-mock-server'
import { prefixScope } from '@scopeguard/core'
import { DEMO_CLIENTS, type DemoClient } from './demo-clients.js'
import { dpopProofKey, tokenBinding, type TokenBinding } from './dev-issuer-binding.js'

export { DEMO_CLIENTS, type DemoClient } from './demo-clients.js'

/** A running development issuer. */
export interface DevIssuer {
  /** Its issuer URL (`http://127.0.0.1:<port>`); the token endpoint is `<url>/token`. */
  url: string
  /** Stops it. */
  stop(): Promise<void>
}

type TokenRequest = IncomingMessage & {
  body?: Record<string, unknown>
  /** The key the DPoP proof of the request proved, read before the mock server sees it. */
  dpopJkt?: string | { error: string } | undefined
}
type Outcome =
  { client: DemoClient; scope: string; binding: TokenBinding } | { status: number; error: string }

const same = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/** Client authentication (HTTP Basic or body), grant type and scope checks, like Cognito's. */
const decide = (req: TokenRequest, resourceServer: string | undefined): Outcome => {
  const body = req.body ?? {}
  if (body.grant_type !== 'client_credentials')
    return { status: 400, error: 'unsupported_grant_type' }
  let id: unknown = body.client_id
  let secret: unknown = body.client_secret
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '')
  if (basic !== null) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    id = decodeURIComponent(decoded.slice(0, colon))
    secret = decodeURIComponent(decoded.slice(colon + 1))
  }
  const client = Object.values(DEMO_CLIENTS).find((c) => c.id === id)
  if (client === undefined || typeof secret !== 'string' || !same(secret, client.secret)) {
    return { status: 401, error: 'invalid_client' }
  }
  const allowed = client.scopes.map((s) => prefixScope(s, resourceServer))
  const asked = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : allowed
  if (asked.some((s) => !allowed.includes(s))) return { status: 400, error: 'invalid_scope' }
  const binding = tokenBinding(req.dpopJkt, body.client_certificate)
  if ('error' in binding) return { status: 400, error: binding.error }
  return { client, scope: asked.join(' '), binding }
}

/**
 * Starts the development issuer with a fresh RS256 key on `host:port` (port 0 picks a free one).
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const issuer = await startDevIssuer({ port: 3001 })
 * // POST `${issuer.url}/token` with -u photo-demo-client:photo-demo-secret -d grant_type=client_credentials
 * await issuer.stop()
 * ```
 */
export async function startDevIssuer(options: {
  port: number
  host?: string
  resourceServer?: string | undefined
}): Promise<DevIssuer> {
  const host = options.host ?? '127.0.0.1'
  const issuer = new OAuth2Issuer()
  await issuer.keys.generate('RS256')
  const service = new OAuth2Service(issuer)
  service.on('beforeTokenSigning', (token: MutableToken, req: TokenRequest) => {
    const outcome = decide(req, options.resourceServer)
    const payload = token.payload
    delete payload.aud
    const client = 'client' in outcome ? outcome.client.id : 'refused'
    Object.assign(payload, {
      sub: client,
      client_id: client,
      token_use: 'access',
      scope: 'client' in outcome ? outcome.scope : '',
      auth_time: payload.iat,
      jti: randomUUID(),
      version: 2,
    })
    if ('binding' in outcome && outcome.binding.cnf !== undefined) payload.cnf = outcome.binding.cnf
  })
  service.on('beforeResponse', (response: MutableResponse, req: TokenRequest) => {
    const outcome = decide(req, options.resourceServer)
    if ('error' in outcome) {
      response.statusCode = outcome.status
      response.body = { error: outcome.error }
    } else {
      const body = response.body === '' ? {} : response.body
      response.body = {
        access_token: body.access_token,
        expires_in: body.expires_in,
        // RFC 9449 §5: a DPoP-bound token is of type DPoP.
        token_type: outcome.binding.cnf?.jkt === undefined ? 'Bearer' : 'DPoP',
      }
    }
  })
  let tokenUrl = ''
  const server = createServer((req: TokenRequest, res) => {
    // The mock server's events are synchronous: the proof's signature is checked here, first.
    void dpopProofKey(req, tokenUrl).then((jkt) => {
      req.dpopJkt = jkt
      service.requestHandler(req, res)
    })
  })
  server.listen(options.port, host)
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  issuer.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  tokenUrl = `${issuer.url}/token`
  return {
    url: issuer.url,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
}
