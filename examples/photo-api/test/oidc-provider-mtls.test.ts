/**
 * Certificate-bound tokens (RFC 8705) interop: oidc-provider 8.8 (`features.mTLS` with
 * `certificateBoundAccessTokens`) served over HTTPS binds `photo-app`'s client-credentials tokens,
 * JWT and opaque (introspected, RFC 7662), to the TLS client certificate of the token request
 * (`cnf["x5t#S256"]`); the photo API, over HTTPS with client certificates (`TLS_*`), serves them
 * only over a connection with that certificate, on every framework. Certificates are generated
 * per run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request, type RequestOptions } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OAuthError } from '@scopeguard/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCa, type Pem, type TestCa } from './certs.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import { startExample, type Harness } from './harness.js'
import { API, basic, SECRET, startOidcIssuer, type OidcIssuer } from './oidc-issuer.js'

let ca: TestCa
let tls: Pem
let owner: Pem
let other: Pem
let dir: string
let files: { cert: string; key: string; ca: string }

beforeAll(async () => {
  ca = await createTestCa('interop test CA')
  ;[tls, owner, other] = await Promise.all([ca.server(), ca.client('photo-app'), ca.client('x')])
  dir = await mkdtemp(join(tmpdir(), 'photo-api-mtls-'))
  files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem') }
  await Promise.all([
    writeFile(files.cert, tls.cert),
    writeFile(files.key, tls.key),
    writeFile(files.ca, ca.cert),
  ])
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** One HTTPS request trusting the test CA, with `client`'s certificate when given. */
function https(
  url: string,
  options: RequestOptions & { client?: Pem | undefined; body?: string },
): Promise<{ status: number; challenge: string | undefined; body: string }> {
  const { client, body, ...rest } = options
  return new Promise((resolve, reject) => {
    const req = request(url, { ...rest, ca: ca.cert, cert: client?.cert, key: client?.key })
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        const challenge = res.headers['www-authenticate']
        resolve({ status: res.statusCode ?? 0, challenge, body: text })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A client-credentials token for `photo-app`, asked over a TLS connection with `client`'s certificate. */
async function boundToken(issuer: OidcIssuer, client: Pem): Promise<string> {
  const answer = await https(`${issuer.url}/token`, {
    method: 'POST',
    client,
    headers: {
      authorization: basic('photo-app'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: API,
      scope: 'photos.read',
    }).toString(),
  })
  const { access_token: token } = JSON.parse(answer.body) as { access_token?: string }
  if (token === undefined) throw new Error(`token endpoint: ${answer.body}`)
  return token
}

/** What the issuer says the token is bound to: the JWT's `cnf`, or the introspection answer's. */
async function confirmation(issuer: OidcIssuer, token: string): Promise<unknown> {
  if (token.split('.').length === 3) {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      cnf?: unknown
    }
    return payload.cnf
  }
  const response = await fetch(`${issuer.backChannel}/token/introspection`, {
    method: 'POST',
    headers: { authorization: basic('photo-api') },
    body: new URLSearchParams({ token }),
  })
  return ((await response.json()) as { cnf?: unknown }).cnf
}

describe.each(['jwt', 'opaque'] as const)(
  'certificate-bound %s tokens from oidc-provider',
  (format) => {
    let issuer: OidcIssuer
    beforeAll(async () => {
      issuer = await startOidcIssuer({ format, tls })
    })
    afterAll(() => issuer.close())

    it('binds the token to the certificate of the token request (cnf["x5t#S256"])', async () => {
      const token = await boundToken(issuer, owner)
      expect(await confirmation(issuer, token)).toEqual({ 'x5t#S256': owner.thumbprint })
    })

    describe.each(E2E_FRAMEWORKS)('through the photo API over HTTPS on %s', (framework) => {
      let app: Harness
      let mismatch: string
      beforeAll(async () => {
        app = await startExample({
          FRAMEWORK: framework,
          ISSUER: issuer.url,
          JWKS_URI: `${issuer.backChannel}/jwks`,
          AUDIENCE: API,
          CLIENT_ID: 'photo-app',
          TLS_CERT: files.cert,
          TLS_KEY: files.key,
          TLS_CLIENT_CA: files.ca,
          ...(format === 'opaque'
            ? {
                INTROSPECTION_CLIENT_ID: 'photo-api',
                INTROSPECTION_CLIENT_SECRET: SECRET,
                INTROSPECTION_ENDPOINT: `${issuer.backChannel}/token/introspection`,
              }
            : {}),
        })
        mismatch = `Bearer error="invalid_token", error_description="${OAuthError.describe('certificate_mismatch')}", resource_metadata="${app.url}/.well-known/oauth-protected-resource"`
      })
      afterAll(() => app.stop())

      const photos = async (token: string, client?: Pem) => {
        const answer = await https(`${app.url}/photos`, {
          client,
          headers: { authorization: `Bearer ${token}` },
        })
        return [answer.status, answer.challenge]
      }

      it('serves the token over a connection with its certificate', async () => {
        const token = await boundToken(issuer, owner)
        expect(await photos(token, owner)).toEqual([200, undefined])
      })

      it('refuses it without a certificate and with another one: 401 certificate_mismatch', async () => {
        const token = await boundToken(issuer, owner)
        expect(await photos(token)).toEqual([401, mismatch])
        expect(await photos(token, other)).toEqual([401, mismatch])
        // The accepted request put the token in a cache; the next one still needs the certificate.
        expect(await photos(token, owner)).toEqual([200, undefined])
        expect(await photos(token, other)).toEqual([401, mismatch])
      })
    })
  },
)
