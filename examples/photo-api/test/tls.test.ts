/**
 * HTTPS through the example on every framework (`TLS_CERT`, `TLS_KEY`, `TLS_CLIENT_CA`), with
 * certificates generated per run: certificate-bound tokens (RFC 8705) from the development issuer
 * are served only over a connection with the certificate they name, clients without a certificate
 * still connect, and DPoP proofs name the https origin.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, generateProof } from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { DEMO_CLIENTS } from '../src/dev-issuer.js'
import { createTestCa, selfSignedClient, type Pem, type TestCa } from './certs.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import { accessToken, startExample, type Harness } from './harness.js'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

let ca: TestCa
let server: Pem
let alice: Pem
let bob: Pem
let mallory: Pem
let dir: string
let files: { cert: string; key: string; ca: string }

beforeAll(async () => {
  ca = await createTestCa('photo-api test CA')
  ;[server, alice, bob, mallory] = await Promise.all([
    ca.server(),
    ca.client('alice'),
    ca.client('bob'),
    selfSignedClient('mallory'),
  ])
  dir = await mkdtemp(join(tmpdir(), 'photo-api-tls-'))
  files = {
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
    ca: join(dir, 'ca.pem'),
  }
  await writeFile(files.cert, server.cert)
  await writeFile(files.key, server.key)
  await writeFile(files.ca, ca.cert)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** One HTTPS request trusting the test CA, with a client certificate when given. */
function https(
  url: string,
  { client, headers = {} }: { client?: Pem; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: ca.cert, cert: client?.cert, key: client?.key, headers, agent: false },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** A token bound to `cert` by the development issuer (`client_certificate`). */
async function certificateBoundToken(issuer: string, cert: Pem): Promise<string> {
  const { id, secret } = DEMO_CLIENTS.reader
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_certificate: cert.cert }),
  })
  expect(response.status).toBe(200)
  const { access_token: token } = (await response.json()) as { access_token: string }
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    cnf?: Record<string, string>
  }
  expect(payload.cnf).toEqual({ 'x5t#S256': cert.thumbprint })
  return token
}

describe.each(E2E_FRAMEWORKS)('HTTPS with client certificates on %s', (framework) => {
  let app: Harness
  beforeAll(async () => {
    app = await startExample({
      FRAMEWORK: framework,
      TLS_CERT: files.cert,
      TLS_KEY: files.key,
      TLS_CLIENT_CA: files.ca,
      DPOP: 'allowed',
    })
  })
  afterAll(() => app.stop())

  it('serves HTTPS at an https URL and says certificate-bound tokens are accepted', async () => {
    expect(app.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const metadata = await https(`${app.url}/.well-known/oauth-protected-resource`)
    expect(metadata.status).toBe(200)
    expect(JSON.parse(metadata.body)).toMatchObject({
      resource: app.url,
      tls_client_certificate_bound_access_tokens: true,
    })
  })

  it('serves a certificate-bound token over a connection with that certificate: 200', async () => {
    const token = await certificateBoundToken(app.devIssuerUrl!, alice)
    const answer = await https(`${app.url}/photos`, {
      client: alice,
      headers: { authorization: `Bearer ${token}` },
    })
    expect([answer.status, answer.body]).toEqual([200, '{"items":[],"nextCursor":null}'])
  })

  it.each([
    ['another certificate of the same CA', () => bob],
    ['a self-signed certificate', () => mallory],
    ['no certificate', () => undefined],
  ])('refuses it with %s: 401 invalid_token', async (_name, client) => {
    const token = await certificateBoundToken(app.devIssuerUrl!, alice)
    const answer = await https(`${app.url}/photos`, {
      client: client(),
      headers: { authorization: `Bearer ${token}` },
    })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toMatch(/error="invalid_token"/)
  })

  it('leaves certificates to the token: one bound to a self-signed certificate is served with it', async () => {
    const token = await certificateBoundToken(app.devIssuerUrl!, mallory)
    const answer = await https(`${app.url}/photos`, {
      client: mallory,
      headers: { authorization: `Bearer ${token}` },
    })
    expect(answer.status).toBe(200)
  })

  it('lets clients without a certificate in: a bearer token is served', async () => {
    const token = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.reader)
    const answer = await https(`${app.url}/photos`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(answer.status).toBe(200)
  })

  it('checks DPoP proofs against the https origin', async () => {
    const keys = await generateKeyPair('ES256')
    const tokenUrl = `${app.devIssuerUrl}/token`
    const { id, secret } = DEMO_CLIENTS.reader
    const issued = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        dpop: await generateProof(keys, tokenUrl, 'POST'),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    })
    const { access_token: token } = (await issued.json()) as { access_token: string }
    const call = async (htu: string) =>
      https(`${app.url}/photos`, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await generateProof(keys, htu, 'GET', undefined, token),
        },
      })
    expect((await call(`${app.url}/photos`)).status).toBe(200)
    const plain = await call(`${app.url.replace('https:', 'http:')}/photos`)
    expect(plain.status).toBe(401)
    expect(plain.headers['www-authenticate']).toMatch(/error="invalid_dpop_proof"/)
  })
})

describe('TLS files that cannot be used', () => {
  it('stops the start when the key does not match the certificate', () => {
    const load = () => loadConfig({ TLS_CERT: files.cert, TLS_KEY: join(dir, 'alice-key.pem') })
    return writeFile(join(dir, 'alice-key.pem'), alice.key).then(() => {
      expect(load).toThrow(ConfigError)
      expect(load).toThrow(
        /^TLS_CERT and TLS_KEY cannot be used together \(.+\): give a PEM certificate and the private key that matches it$/,
      )
    })
  })

  it('stops the start when TLS_CLIENT_CA holds no certificate', async () => {
    await writeFile(join(dir, 'not-a-ca.pem'), 'hello\n')
    expect(() =>
      loadConfig({
        TLS_CERT: files.cert,
        TLS_KEY: files.key,
        TLS_CLIENT_CA: join(dir, 'not-a-ca.pem'),
      }),
    ).toThrow(/^TLS_CLIENT_CA=.+not-a-ca\.pem holds no usable CA certificate/)
  })
})
