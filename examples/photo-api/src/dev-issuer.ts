/**
 * The embedded development authorization server: `oauth2-mock-server` on loopback, shaped to issue
 * Cognito-like client-credentials access tokens (`token_use: 'access'`, `client_id`, `sub` = the
 * client, `scope` prefixed with `RESOURCE_SERVER` when set, no `aud`) to two demo clients.
 *
 * @module
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { OAuth2Server, type MutableResponse, type MutableToken } from 'oauth2-mock-server'
import { prefixScope } from '@scopeguard/core'

/** A demo app client of the development issuer. */
export interface DemoClient {
  /** `client_id`. */
  id: string
  /** `client_secret` (a public demo value: the issuer only listens on loopback). */
  secret: string
  /** The scopes it may get, unprefixed. */
  scopes: readonly string[]
}

/** The demo clients: one that may read and write, one that may only read. */
export const DEMO_CLIENTS = {
  writer: {
    id: 'photo-demo-client',
    secret: 'photo-demo-secret',
    scopes: ['photos.read', 'photos.write'],
  },
  reader: { id: 'photo-demo-reader', secret: 'photo-demo-reader-secret', scopes: ['photos.read'] },
} as const satisfies Record<string, DemoClient>

/** A running development issuer. */
export interface DevIssuer {
  /** Its issuer URL (`http://127.0.0.1:<port>`); the token endpoint is `<url>/token`. */
  url: string
  /** Stops it. */
  stop(): Promise<void>
}

type TokenRequest = IncomingMessage & { body?: Record<string, unknown> }
type Outcome = { client: DemoClient; scope: string } | { status: number; error: string }

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
  return { client, scope: asked.join(' ') }
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
  const server = new OAuth2Server()
  await server.issuer.keys.generate('RS256')
  server.service.on('beforeTokenSigning', (token: MutableToken, req: IncomingMessage) => {
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
  })
  server.service.on('beforeResponse', (response: MutableResponse, req: IncomingMessage) => {
    const outcome = decide(req, options.resourceServer)
    if ('error' in outcome) {
      response.statusCode = outcome.status
      response.body = { error: outcome.error }
    } else {
      const body = response.body === '' ? {} : response.body
      response.body = {
        access_token: body.access_token,
        expires_in: body.expires_in,
        token_type: 'Bearer',
      }
    }
  })
  await server.start(options.port, host)
  const { port } = server.address()
  server.issuer.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  return { url: server.issuer.url, stop: () => server.stop() }
}
