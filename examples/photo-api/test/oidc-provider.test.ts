/**
 * The example against a real authorization server: oidc-provider 8.8 with the client-credentials
 * grant, resource indicators and JWT access tokens (`typ: at+jwt`, `aud`), signed RS256 or ES256,
 * on every framework.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { PNG } from './fixtures.js'
import { call, startExample, type Harness } from './harness.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import {
  API,
  clientToken as token,
  OTHER_API,
  startOidcIssuer,
  type OidcIssuer,
} from './oidc-issuer.js'

const header = (jwt: string): unknown =>
  JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString())

describe.each(['RS256', 'ES256'] as const)('tokens from oidc-provider signed %s', (alg) => {
  let issuer: OidcIssuer
  beforeAll(async () => {
    issuer = await startOidcIssuer({ format: 'jwt', alg })
  })
  afterAll(() => issuer.close())

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
