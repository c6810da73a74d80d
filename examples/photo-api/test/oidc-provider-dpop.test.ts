/**
 * DPoP (RFC 9449) interop, with implementations no one here wrote: oidc-provider 8.8 (its
 * `features.dPoP`) issues DPoP-bound access tokens, JWT and opaque (introspected, RFC 7662 with
 * `cnf.jkt`); oauth4webapi makes the proofs of the token request and of the API calls, the `dpop`
 * package the proofs a client should not be able to use. Through the photo API on every framework.
 */
import { generateKeyPair as dpopKeyPair, generateProof, type KeyPair } from 'dpop'
import { OAuthError, type OAuthErrorReason } from '@scopeguard/core'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PNG } from './fixtures.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import { startExample, type Harness } from './harness.js'
import { API, basic, SECRET, startOidcIssuer, type OidcIssuer } from './oidc-issuer.js'

const insecure = { [oauth.allowInsecureRequests]: true } as const

/** A client of the issuer holding one DPoP key, as oauth4webapi sees it. */
interface DpopClient {
  id: string
  keyPair: CryptoKeyPair
  /** The key's RFC 7638 thumbprint, computed by jose. */
  jkt: string
  handle: oauth.DPoPHandle
}

async function dpopClient(id: string): Promise<DpopClient> {
  const keyPair = await oauth.generateKeyPair('ES256', { extractable: true })
  const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey))
  return { id, keyPair, jkt, handle: oauth.DPoP({}, keyPair) }
}

/** A DPoP-bound client-credentials token: oauth4webapi signs the token request's proof. */
async function dpopToken(issuer: string, client: DpopClient, scope: string): Promise<string> {
  const as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), insecure),
  )
  const metadata: oauth.Client = { client_id: client.id }
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    metadata,
    oauth.ClientSecretBasic(SECRET),
    { resource: API, scope },
    { DPoP: client.handle, ...insecure },
  )
  const result = await oauth.processClientCredentialsResponse(as, metadata, response)
  expect(result.token_type).toBe('dpop')
  return result.access_token
}

/** An API call with oauth4webapi's proof; the photo API's refusals come back as responses. */
async function dpopCall(
  client: DpopClient,
  token: string,
  url: string,
  method = 'GET',
  body?: Uint8Array,
): Promise<Response> {
  const headers = new Headers(body === undefined ? {} : { 'content-type': 'image/png' })
  try {
    return await oauth.protectedResourceRequest(token, method, new URL(url), headers, body, {
      DPoP: client.handle,
      ...insecure,
    })
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) return error.response
    throw error
  }
}

/** A call with a proof made by the `dpop` package, exactly as given. */
const withProof = (url: string, token: string, proof: string) =>
  fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } })

const bearer = (url: string, token: string) =>
  fetch(url, { headers: { authorization: `Bearer ${token}` } })

/** The `dpop` package's key pair for `client`'s key (the same key, another library). */
const sameKey = (client: DpopClient): KeyPair => ({ ...client.keyPair, alg: 'ES256' }) as KeyPair

const answer = (response: Response) => [response.status, response.headers.get('www-authenticate')]

function challenges(app: Harness) {
  const algs = 'algs="ES256 EdDSA PS256 RS256"'
  return {
    /** A refused token or binding sent as `Bearer`. */
    bearer: (reason: OAuthErrorReason) =>
      `Bearer error="invalid_token", error_description="${OAuthError.describe(reason)}", resource_metadata="${app.url}/.well-known/oauth-protected-resource"`,
    /** A refused token or binding sent as `DPoP`. */
    token: (reason: OAuthErrorReason) =>
      `DPoP error="invalid_token", error_description="${OAuthError.describe(reason)}", ${algs}, resource_metadata="${app.url}/.well-known/oauth-protected-resource"`,
    /** A refused proof. */
    proof: (reason: OAuthErrorReason) =>
      `DPoP error="invalid_dpop_proof", error_description="${OAuthError.describe(reason)}", ${algs}, resource_metadata="${app.url}/.well-known/oauth-protected-resource"`,
  }
}

/** The photo API trusting `issuer`, with Bearer and DPoP (`DPOP=allowed`). */
const env = (issuer: OidcIssuer, framework: string) => ({
  DPOP: 'allowed',
  FRAMEWORK: framework,
  ISSUER: issuer.url,
  AUDIENCE: API,
  CLIENT_ID: 'photo-app,photo-reader',
})

describe('DPoP-bound JWT access tokens from oidc-provider', () => {
  let issuer: OidcIssuer
  let writer: DpopClient
  beforeAll(async () => {
    issuer = await startOidcIssuer({ format: 'jwt', dpop: true })
    writer = await dpopClient('photo-app')
  })
  afterAll(() => issuer.close())

  it('binds the token to the proof key of the token request (cnf.jkt, typ at+jwt)', async () => {
    const token = await dpopToken(issuer.url, writer, 'photos.read')
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as unknown)
    expect(header).toMatchObject({ typ: 'at+jwt' })
    expect(payload).toMatchObject({ aud: API, cnf: { jkt: writer.jkt } })
  })

  describe.each(E2E_FRAMEWORKS)('through the photo API on %s', (framework) => {
    let app: Harness
    let refused: ReturnType<typeof challenges>
    beforeAll(async () => {
      app = await startExample({ ...env(issuer, framework), TYP: 'at+jwt' })
      refused = challenges(app)
    })
    afterAll(() => app.stop())

    it('serves DPoP calls with oauth4webapi proofs: an upload (POST) and a read (GET)', async () => {
      const token = await dpopToken(issuer.url, writer, 'photos.read photos.write')
      const created = await dpopCall(writer, token, `${app.url}/photos`, 'POST', PNG)
      expect(created.status).toBe(201)
      const photo = (await created.json()) as { id: string; clientId: string }
      expect(photo.clientId).toBe('photo-app')
      const read = await dpopCall(writer, token, `${app.url}/photos/${photo.id}?fields=all`)
      expect(read.status).toBe(200)
    })

    it('refuses the DPoP-bound token sent as Bearer: 401 bound_token', async () => {
      const token = await dpopToken(issuer.url, writer, 'photos.read')
      expect(answer(await bearer(`${app.url}/photos`, token))).toEqual([
        401,
        refused.bearer('bound_token'),
      ])
    })

    it('refuses a proof made for another URL: 401 invalid_dpop_proof', async () => {
      const token = await dpopToken(issuer.url, writer, 'photos.read')
      const elsewhere = await generateProof(
        sameKey(writer),
        `${app.url}/photos/other`,
        'GET',
        undefined,
        token,
      )
      expect(answer(await withProof(`${app.url}/photos`, token, elsewhere))).toEqual([
        401,
        refused.proof('dpop_bad_uri'),
      ])
    })

    it('serves a proof once and refuses it replayed: 401 invalid_dpop_proof', async () => {
      const token = await dpopToken(issuer.url, writer, 'photos.read')
      const once = await generateProof(
        sameKey(writer),
        `${app.url}/photos`,
        'GET',
        undefined,
        token,
      )
      expect((await withProof(`${app.url}/photos`, token, once)).status).toBe(200)
      expect(answer(await withProof(`${app.url}/photos`, token, once))).toEqual([
        401,
        refused.proof('dpop_replay'),
      ])
    })
  })

  describe.each(E2E_FRAMEWORKS)(
    'with server nonces (RFC 9449 §9), through the photo API on %s',
    (framework) => {
      let app: Harness
      beforeAll(async () => {
        app = await startExample({
          ...env(issuer, framework),
          DPOP_NONCE_SECRET: 'a-nonce-secret-of-at-least-32-characters',
        })
      })
      afterAll(() => app.stop())

      it('asks for a nonce (401 use_dpop_nonce + DPoP-Nonce); the client retries with it: 200', async () => {
        const token = await dpopToken(issuer.url, writer, 'photos.read')
        const url = new URL(`${app.url}/photos`)
        const options = { DPoP: writer.handle, ...insecure }
        const first = await oauth
          .protectedResourceRequest(token, 'GET', url, undefined, undefined, options)
          .then(
            () => undefined,
            (error: unknown) => error,
          )
        expect(oauth.isDPoPNonceError(first)).toBe(true)
        const challenged = (first as oauth.WWWAuthenticateChallengeError).response
        expect([challenged.status, challenged.headers.get('dpop-nonce')]).toEqual([
          401,
          expect.any(String),
        ])
        const retried = await oauth.protectedResourceRequest(
          token,
          'GET',
          url,
          undefined,
          undefined,
          options,
        )
        expect(retried.status).toBe(200)
      })
    },
  )
})

describe('DPoP-bound opaque access tokens from oidc-provider, introspected (RFC 7662)', () => {
  let issuer: OidcIssuer
  let writer: DpopClient
  let thief: KeyPair
  beforeAll(async () => {
    issuer = await startOidcIssuer({ format: 'opaque', dpop: true })
    writer = await dpopClient('photo-app')
    thief = await dpopKeyPair('ES256')
  })
  afterAll(() => issuer.close())

  it('answers introspection with the binding: token_type DPoP and cnf.jkt', async () => {
    const token = await dpopToken(issuer.url, writer, 'photos.read')
    const response = await fetch(`${issuer.url}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic('photo-api') },
      body: new URLSearchParams({ token }),
    })
    expect(await response.json()).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: writer.jkt },
    })
  })

  describe.each(E2E_FRAMEWORKS)('through the photo API on %s', (framework) => {
    let app: Harness
    let refused: ReturnType<typeof challenges>
    beforeAll(async () => {
      app = await startExample({
        ...env(issuer, framework),
        INTROSPECTION_CLIENT_ID: 'photo-api',
        INTROSPECTION_CLIENT_SECRET: SECRET,
      })
      refused = challenges(app)
    })
    afterAll(() => app.stop())

    it('serves the token with its proof, and from the introspection cache with a new proof', async () => {
      const token = await dpopToken(issuer.url, writer, 'photos.read photos.write')
      expect(token).not.toContain('.')
      const calls = issuer.introspections
      expect((await dpopCall(writer, token, `${app.url}/photos`, 'POST', PNG)).status).toBe(201)
      expect((await dpopCall(writer, token, `${app.url}/photos`)).status).toBe(200)
      expect(issuer.introspections).toBe(calls + 1)
    })

    it('refuses it as Bearer (bound_token), also once its introspection result is cached', async () => {
      const token = await dpopToken(issuer.url, writer, 'photos.read')
      expect(answer(await bearer(`${app.url}/photos`, token))).toEqual([
        401,
        refused.bearer('bound_token'),
      ])
      expect((await dpopCall(writer, token, `${app.url}/photos`)).status).toBe(200)
      const calls = issuer.introspections
      expect(answer(await bearer(`${app.url}/photos`, token))).toEqual([
        401,
        refused.bearer('bound_token'),
      ])
      expect(issuer.introspections).toBe(calls)
    })

    it('refuses it with a proof by another key: 401 binding_mismatch', async () => {
      const token = await dpopToken(issuer.url, writer, 'photos.read')
      const stolen = await generateProof(thief, `${app.url}/photos`, 'GET', undefined, token)
      expect(answer(await withProof(`${app.url}/photos`, token, stolen))).toEqual([
        401,
        refused.token('binding_mismatch'),
      ])
    })
  })
})
