/**
 * Test fixtures for the core's token-side tests: key pairs generated in the test run, tokens signed
 * over arbitrary (even hostile) header and payload bytes, and a JWKS endpoint served through msw.
 * Nothing here is a pasted token or key.
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'

export type TestAlg = 'RS256' | 'ES256' | 'EdDSA'

export interface TestKey {
  alg: TestAlg
  kid: string
  privateKey: CryptoKey
  /** The public JWK with `kid`, `alg` and `use`. */
  jwk: JWK
}

/** Generates a signing key pair and its public JWK. */
export async function makeKey(alg: TestAlg, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey, jwk }
}

const encoder = new TextEncoder()

/** Base64url of bytes or of a string's UTF-8 (no padding). */
export function b64u(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function signParams(alg: TestAlg): AlgorithmIdentifier | EcdsaParams {
  if (alg === 'RS256') return { name: 'RSASSA-PKCS1-v1_5' }
  if (alg === 'ES256') return { name: 'ECDSA', hash: 'SHA-256' }
  return { name: 'Ed25519' }
}

/** Signs `<headerSegment>.<payloadSegment>` exactly as given (segments are not re-encoded). */
export async function signSegments(
  key: TestKey,
  headerSegment: string,
  payloadSegment: string,
): Promise<string> {
  const input = `${headerSegment}.${payloadSegment}`
  const signature = await crypto.subtle.sign(
    signParams(key.alg),
    key.privateKey,
    encoder.encode(input),
  )
  return `${input}.${b64u(new Uint8Array(signature))}`
}

/** Signs raw JSON texts (duplicates, odd spacing and all) for header and payload. */
export function signRaw(key: TestKey, headerJson: string, payloadJson: string): Promise<string> {
  return signSegments(key, b64u(headerJson), b64u(payloadJson))
}

/** Signs a token: header `{ alg, kid }` plus `header`, and the given claims. */
export function mint(
  key: TestKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return signRaw(
    key,
    JSON.stringify({ alg: key.alg, kid: key.kid, ...header }),
    JSON.stringify(claims),
  )
}

/** Seconds since the epoch, from the (possibly faked) clock. */
export function nowSec(): number {
  return Math.floor(Date.now() / 1000)
}

/** A JWKS endpoint whose key set tests can change, counting its hits. */
export interface JwksEndpoint {
  url: string
  keys: JWK[]
  hits: number
  /** Status to answer with instead of the key set (e.g. 500), or undefined for 200. */
  failWith: number | undefined
}

/** An msw server that serves every given endpoint; tests mutate the endpoints. */
export function jwksServer(endpoints: JwksEndpoint[]) {
  return setupServer(
    ...endpoints.map((endpoint) =>
      http.get(endpoint.url, () => {
        endpoint.hits++
        if (endpoint.failWith !== undefined) {
          return new HttpResponse(null, { status: endpoint.failWith })
        }
        return HttpResponse.json({ keys: endpoint.keys })
      }),
    ),
  )
}

/** A fresh endpoint description. */
export function endpoint(url: string, keys: JWK[]): JwksEndpoint {
  return { url, keys, hits: 0, failWith: undefined }
}

/** The code and reason an operation rejected with, or 'accepted'. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    const { code, reason } = error as { code?: string; reason?: string }
    if (code === undefined) throw error
    return `${code}/${reason}`
  }
  return 'accepted'
}

/** The same for a synchronous call. */
export function outcomeOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    const { code, reason } = error as { code?: string; reason?: string }
    if (code === undefined) throw error
    return `${code}/${reason}`
  }
  return 'accepted'
}
