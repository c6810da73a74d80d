/**
 * The example against a real authorization server issuing opaque access tokens: oidc-provider 8.8
 * with the client-credentials grant, resource indicators (`accessTokenFormat: 'opaque'`), token
 * introspection (RFC 7662) and revocation (RFC 7009), on every framework. The API introspects with
 * its own client (`INTROSPECTION_CLIENT_ID`/`_SECRET`, client_secret_basic).
 */
import type { RequestListener } from 'node:http'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
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
  id_token_signed_response_alg: 'ES256',
  scope,
})
const basic = (id: string) => `Basic ${Buffer.from(`${id}:${SECRET}`).toString('base64')}`

interface OpaqueIssuer {
  url: string
  server: RunningServer
  /** Introspection requests received. */
  introspections: number
}

/** Starts oidc-provider on loopback, issuing opaque access tokens. */
async function startProvider(): Promise<OpaqueIssuer> {
  let handle: RequestListener = (_req, res) => res.writeHead(503).end()
  const server = await serveNodeHttp((req, res) => handle(req, res), {
    port: 0,
    host: '127.0.0.1',
  })
  const issuer: OpaqueIssuer = { url: `http://127.0.0.1:${server.port}`, server, introspections: 0 }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  // oidc-provider warns about its in-memory adapter at construction: expected in a test.
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  const provider = new Provider(issuer.url, {
    cookies: { keys: ['photo-api-test-cookie-key'] },
    ttl: { ClientCredentials: 300 },
    clients: [
      client('photo-app', 'photos.read photos.write'),
      client('photo-reader', 'photos.read'),
      client('stranger-app', 'photos.read photos.write'),
      client('photo-api', 'photos.read'),
    ],
    scopes: ['photos.read', 'photos.write'],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'es' }] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'photos.read photos.write',
          audience: resource,
          accessTokenFormat: 'opaque',
          accessTokenTTL: 300,
        }),
      },
    },
  })
  warn.mockRestore()
  const callback = provider.callback()
  handle = (req, res) => {
    if (req.url === '/token/introspection') issuer.introspections++
    void callback(req, res)
  }
  return issuer
}

/** An opaque client-credentials token from oidc-provider's token endpoint. */
async function token(issuer: string, clientId: string, scope: string, resource = API) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
  })
  const body = (await response.json()) as { access_token?: string }
  if (body.access_token === undefined) throw new Error(`token endpoint: ${JSON.stringify(body)}`)
  return body.access_token
}

/** Revokes a token at oidc-provider (RFC 7009), as the client it was issued to. */
async function revoke(issuer: string, clientId: string, opaque: string): Promise<void> {
  const response = await fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: { authorization: basic(clientId) },
    body: new URLSearchParams({ token: opaque, token_type_hint: 'access_token' }),
  })
  expect(response.status).toBe(200)
}

let issuer: OpaqueIssuer
beforeAll(async () => {
  issuer = await startProvider()
})
afterAll(() => issuer.server.close())
afterEach(() => vi.useRealTimers())

describe.each(E2E_FRAMEWORKS)('opaque tokens from oidc-provider on %s', (framework) => {
  let cached: Harness
  let uncached: Harness
  let invalid: (app: Harness, description: string) => string
  beforeAll(async () => {
    const env = {
      FRAMEWORK: framework,
      ISSUER: issuer.url,
      AUDIENCE: API,
      CLIENT_ID: 'photo-app,photo-reader',
      INTROSPECTION_CLIENT_ID: 'photo-api',
      INTROSPECTION_CLIENT_SECRET: SECRET,
    }
    // One app finds the endpoint through discovery and caches (60 s); one is told the endpoint
    // and asks on every request.
    ;[cached, uncached] = await Promise.all([
      startExample(env),
      startExample({
        ...env,
        INTROSPECTION_ENDPOINT: `${issuer.url}/token/introspection`,
        INTROSPECTION_CACHE_TTL: '0',
      }),
    ])
    invalid = (app, description) =>
      `Bearer error="invalid_token", error_description="${description}", resource_metadata="${app.url}/.well-known/oauth-protected-resource"`
  })
  afterAll(() => Promise.all([cached.stop(), uncached.stop()]))

  const upload = (app: Harness, opaque: string) =>
    call(`${app.url}/photos`, opaque, {
      method: 'POST',
      body: PNG,
      headers: { 'content-type': 'image/png' },
    })

  it('accepts an opaque photos.write token to upload and a photos.read token to read', async () => {
    const writer = await token(issuer.url, 'photo-app', 'photos.read photos.write')
    expect(writer).not.toContain('.')
    const created = await upload(cached, writer)
    expect(created.status).toBe(201)
    const photo = (await created.json()) as { id: string; clientId: string }
    expect(photo.clientId).toBe('photo-app')
    const reader = await token(issuer.url, 'photo-reader', 'photos.read')
    expect((await call(`${cached.url}/photos/${photo.id}`, reader)).status).toBe(200)
  })

  it('refuses writes to a read-only opaque token with 403 insufficient_scope', async () => {
    const reader = await token(issuer.url, 'photo-reader', 'photos.read')
    const refused = await upload(uncached, reader)
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([
      403,
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.write"',
    ])
  })

  it('refuses an unknown opaque token, another audience and another client with 401', async () => {
    const unknown = await call(`${uncached.url}/photos`, 'bm90LWEtcmVhbC10b2tlbi1hdC1hbGw')
    expect([unknown.status, unknown.headers.get('www-authenticate')]).toEqual([
      401,
      invalid(uncached, 'The access token is not active'),
    ])
    const elsewhere = await token(issuer.url, 'photo-app', 'photos.read', OTHER_API)
    const audience = await call(`${uncached.url}/photos`, elsewhere)
    expect([audience.status, audience.headers.get('www-authenticate')]).toEqual([
      401,
      invalid(uncached, 'The access token audience is not accepted'),
    ])
    const stranger = await token(issuer.url, 'stranger-app', 'photos.read')
    const other = await call(`${uncached.url}/photos`, stranger)
    expect([other.status, other.headers.get('www-authenticate')]).toEqual([
      401,
      invalid(uncached, 'The access token client is not accepted'),
    ])
  })

  it('refuses a revoked token on the next request when caching is off', async () => {
    const reader = await token(issuer.url, 'photo-reader', 'photos.read')
    expect((await call(`${uncached.url}/photos`, reader)).status).toBe(200)
    await revoke(issuer.url, 'photo-reader', reader)
    const after = await call(`${uncached.url}/photos`, reader)
    expect([after.status, after.headers.get('www-authenticate')]).toEqual([
      401,
      invalid(uncached, 'The access token is not active'),
    ])
  })

  it('serves a cached result without a call, and refuses a revoked token once maxTtl passed', async () => {
    const reader = await token(issuer.url, 'photo-reader', 'photos.read')
    expect((await call(`${cached.url}/photos`, reader)).status).toBe(200)
    const calls = issuer.introspections
    await revoke(issuer.url, 'photo-reader', reader)
    expect((await call(`${cached.url}/photos`, reader)).status).toBe(200)
    expect(issuer.introspections).toBe(calls)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 })
    const after = await call(`${cached.url}/photos`, reader)
    expect([after.status, after.headers.get('www-authenticate')]).toEqual([
      401,
      invalid(cached, 'The access token is not active'),
    ])
    expect(issuer.introspections).toBe(calls + 1)
  })
})
