/**
 * A DPoP client (RFC 9449) for the example, on panva's `dpop` library: a fresh key pair, a
 * DPoP-bound token from the development issuer (a proof with the token request), then a fresh
 * proof for every API request (`htm`, `htu` without query and fragment, `ath` of the token, the
 * server's latest nonce), with one retry when the server answers `use_dpop_nonce`.
 *
 * @module
 */
import { calculateThumbprint, generateKeyPair, generateProof, type KeyPair } from 'dpop'
import type { DemoClient } from './demo-clients.js'

/** One HTTP exchange, as the client script prints it. */
export interface Exchange {
  method: string
  url: string
  status: number
  /** The `error` of the answer's `WWW-Authenticate` or JSON body, when there is one. */
  error: string | undefined
}

/** The final answer of {@link DpopClient.request}, and every exchange that led to it. */
export interface DpopResponse {
  response: Response
  exchanges: Exchange[]
}

/** A client holding one DPoP key and (after {@link DpopClient.token}) one token bound to it. */
export interface DpopClient {
  /** The RFC 7638 thumbprint of the client's public key (the token's `cnf.jkt`). */
  jkt: string
  /** Gets a DPoP-bound token at the issuer's token endpoint (client credentials, HTTP Basic). */
  token(): Promise<DpopResponse & { tokenType: string | undefined }>
  /** Calls the API with the token and a fresh proof; retries once on `use_dpop_nonce`. */
  request(
    method: string,
    url: string,
    init?: { body?: Uint8Array<ArrayBuffer> | undefined; contentType?: string | undefined },
  ): Promise<DpopResponse>
}

/** The `htu` of a request URL: without query and fragment (RFC 9449 §4.2). */
function htuOf(url: string): string {
  const parsed = new URL(url)
  parsed.search = ''
  parsed.hash = ''
  return parsed.href
}

/** The error code of a refused answer: `WWW-Authenticate`'s `error`, else the JSON body's. */
async function errorOf(response: Response): Promise<string | undefined> {
  const challenge = /error="([^"]+)"/.exec(response.headers.get('www-authenticate') ?? '')
  if (challenge !== null) return challenge[1]
  if (response.status < 400) return undefined
  try {
    const body = (await response.clone().json()) as { error?: unknown }
    return typeof body.error === 'string' ? body.error : undefined
  } catch {
    return undefined
  }
}

/**
 * Creates a client with a new ES256 key pair.
 *
 * @throws Error when Web Crypto cannot generate the key.
 * @example
 * ```ts
 * const client = await createDpopClient('http://127.0.0.1:3001', DEMO_CLIENTS.writer)
 * await client.token()
 * const { response } = await client.request('GET', 'http://127.0.0.1:3000/photos')
 * ```
 */
export async function createDpopClient(
  issuer: string,
  demo: Pick<DemoClient, 'id' | 'secret'>,
): Promise<DpopClient> {
  const keys: KeyPair = await generateKeyPair('ES256')
  const jkt = await calculateThumbprint(keys.publicKey)
  // The latest nonce each server gave (RFC 9449 §8, §9): sent with every later proof to it.
  const nonces = new Map<string, string>()
  let accessToken: string | undefined

  /** Sends with a fresh proof; once more with the server's nonce when it asks for one. */
  async function send(
    method: string,
    url: string,
    token: string | undefined,
    build: (proof: string) => RequestInit,
  ): Promise<DpopResponse> {
    const origin = new URL(url).origin
    const exchanges: Exchange[] = []
    for (let attempt = 0; ; attempt++) {
      const proof = await generateProof(keys, htuOf(url), method, nonces.get(origin), token)
      const response = await fetch(url, { method, ...build(proof) })
      const fresh = response.headers.get('dpop-nonce')
      if (fresh !== null) nonces.set(origin, fresh)
      const error = await errorOf(response)
      exchanges.push({ method, url, status: response.status, error })
      if (error !== 'use_dpop_nonce' || fresh === null || attempt === 1) {
        return { response, exchanges }
      }
      await response.body?.cancel()
    }
  }

  return {
    jkt,
    async token() {
      const url = `${issuer.replace(/\/$/, '')}/token`
      const basic = Buffer.from(`${demo.id}:${demo.secret}`).toString('base64')
      const result = await send('POST', url, undefined, (proof) => ({
        headers: { authorization: `Basic ${basic}`, dpop: proof },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      }))
      let tokenType: string | undefined
      if (result.response.ok) {
        const body = (await result.response.clone().json()) as Record<string, unknown>
        if (typeof body.access_token === 'string') accessToken = body.access_token
        if (typeof body.token_type === 'string') tokenType = body.token_type
      }
      return { ...result, tokenType }
    },
    request(method, url, init = {}) {
      if (accessToken === undefined) throw new Error('no token yet: call token() first')
      const token = accessToken
      return send(method, url, token, (proof) => {
        const headers: Record<string, string> = { authorization: `DPoP ${token}`, dpop: proof }
        if (init.contentType !== undefined) headers['content-type'] = init.contentType
        return init.body === undefined ? { headers } : { headers, body: init.body }
      })
    },
  }
}
