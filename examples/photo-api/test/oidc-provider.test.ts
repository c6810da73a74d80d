/**
 * The example against a real authorization server: oidc-provider 8.8 with the client-credentials
 * grant, resource indicators and JWT access tokens (`typ: at+jwt`, `aud`), signed RS256 or ES256,
 * on every framework.
 */
import type { RequestListener } from 'node:http'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningServer } from '../src/servers/app-deps.js'
import { serveNodeHttp } from '../src/servers/node-http.js'
import { PNG } from './fixtures.js'
import { call, startExample, type Harness } from './harness.js'
import { E2E_FRAMEWORKS } from './frameworks.js'

const API = 'https://photos.example.com/api'
const OTHER_API = 'https://other.example.com/api'
const SECRET = 'a-test-client-secret-of-enough-length'
const client = (id: string, scope: string) => ({
  client_id: id,
  client_secret: SECRET,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope,
})

async function privateJwk(alg: 'RS256' | 'ES256') {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `${alg.toLowerCase()}-key` }
}

/** Starts oidc-provider on loopback; `alg` signs the access tokens. */
async function startProvider(
  alg: 'RS256' | 'ES256',
): Promise<{ url: string; server: RunningServer }> {
  // The provider needs its URL, so the server listens first and gets its handler after.
  let handle: RequestListener = (_req, res) => res.writeHead(503).end()
  const server = await serveNodeHttp((req, res) => handle(req, res), {
    port: 0,
    host: '127.0.0.1',
  })
  const url = `http://127.0.0.1:${server.port}`
  // oidc-provider warns about its in-memory adapter at construction: expected in a test.
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  const provider = new Provider(url, {
    cookies: { keys: ['photo-api-test-cookie-key'] },
    ttl: { ClientCredentials: 300 },
    clients: [
      client('photo-app', 'photos.read photos.write'),
      client('photo-reader', 'photos.read'),
      client('stranger-app', 'photos.read photos.write'),
    ],
    scopes: ['photos.read', 'photos.write'],
    jwks: { keys: [await privateJwk('RS256'), await privateJwk('ES256')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'photos.read photos.write',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg } },
        }),
      },
    },
  })
  warn.mockRestore()
  handle = provider.callback()
  return { url, server }
}

/** A client-credentials token from oidc-provider's token endpoint. */
async function token(
  issuer: string,
  clientId: string,
  scope: string,
  resource = API,
): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}` },
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

const header = (jwt: string): unknown =>
  JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString())

describe.each(['RS256', 'ES256'] as const)('tokens from oidc-provider signed %s', (alg) => {
  let issuer: { url: string; server: RunningServer }
  beforeAll(async () => {
    issuer = await startProvider(alg)
  })
  afterAll(() => issuer.server.close())

  describe.each(E2E_FRAMEWORKS)('on %s', (framework) => {
    let app: Harness
    let invalid: (description: string) => string
    beforeAll(async () => {
      app = await startExample({
        FRAMEWORK: framework,
        ISSUER: issuer.url,
        AUDIENCE: API,
        CLIENT_ID: 'photo-app,photo-reader',
        TYP: 'at+jwt',
      })
      invalid = (description) =>
        `Bearer error="invalid_token", error_description="${description}", resource_metadata="${app.url}/.well-known/oauth-protected-resource"`
    })
    afterAll(() => app.stop())

    const upload = (jwt: string) =>
      call(`${app.url}/photos`, jwt, {
        method: 'POST',
        body: PNG,
        headers: { 'content-type': 'image/png' },
      })

    it('accepts a photos.write token to upload and a photos.read token to read', async () => {
      const writer = await token(issuer.url, 'photo-app', 'photos.read photos.write')
      expect(header(writer)).toMatchObject({ alg, typ: 'at+jwt' })
      const created = await upload(writer)
      expect(created.status).toBe(201)
      const photo = (await created.json()) as { id: string; clientId: string; owner: string }
      expect([photo.clientId, photo.owner]).toEqual(['photo-app', 'photo-app'])
      const reader = await token(issuer.url, 'photo-reader', 'photos.read')
      expect((await call(`${app.url}/photos/${photo.id}`, reader)).status).toBe(200)
      const list = (await (await call(`${app.url}/photos`, reader)).json()) as { items: unknown[] }
      expect(list.items).toHaveLength(1)
    })

    it('refuses writes to a read-only token and everything to a token without scopes: 403', async () => {
      const reader = await token(issuer.url, 'photo-reader', 'photos.read')
      const refused = await upload(reader)
      expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([
        403,
        'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.write"',
      ])
      const none = await token(issuer.url, 'photo-app', '')
      const listing = await call(`${app.url}/photos`, none)
      expect([listing.status, listing.headers.get('www-authenticate')]).toEqual([
        403,
        'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.read"',
      ])
    })

    it('refuses an expired token with 401 invalid_token', async () => {
      const reader = await token(issuer.url, 'photo-reader', 'photos.read')
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 301_000 + 5_000 })
      try {
        const response = await call(`${app.url}/photos`, reader)
        expect([response.status, response.headers.get('www-authenticate')]).toEqual([
          401,
          invalid('The access token expired'),
        ])
      } finally {
        vi.useRealTimers()
      }
    })

    it('refuses a token for another audience and a token of another client with 401', async () => {
      const elsewhere = await token(issuer.url, 'photo-app', 'photos.read', OTHER_API)
      const audience = await call(`${app.url}/photos`, elsewhere)
      expect([audience.status, audience.headers.get('www-authenticate')]).toEqual([
        401,
        invalid('The access token audience is not accepted'),
      ])
      const stranger = await token(issuer.url, 'stranger-app', 'photos.read')
      const other = await call(`${app.url}/photos`, stranger)
      expect([other.status, other.headers.get('www-authenticate')]).toEqual([
        401,
        invalid('The access token client is not accepted'),
      ])
    })
  })
})
