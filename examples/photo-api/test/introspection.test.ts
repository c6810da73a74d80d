/**
 * The example against a real authorization server issuing opaque access tokens: oidc-provider 8.8
 * with the client-credentials grant, resource indicators (`accessTokenFormat: 'opaque'`), token
 * introspection (RFC 7662) and revocation (RFC 7009), on every framework. The API introspects with
 * its own client (`INTROSPECTION_CLIENT_ID`/`_SECRET`, client_secret_basic).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { PNG } from './fixtures.js'
import { call, startExample, type Harness } from './harness.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import {
  API,
  clientToken as token,
  OTHER_API,
  revoke,
  SECRET,
  startOidcIssuer,
  type OidcIssuer,
} from './oidc-issuer.js'

let issuer: OidcIssuer
beforeAll(async () => {
  issuer = await startOidcIssuer({ format: 'opaque' })
})
afterAll(() => issuer.close())
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
