/**
 * A raw HTTP client for the suites: unlike `fetch`, it can send a header twice (two
 * `Authorization` lines), which is how duplicate credentials reach a server. `https:` URLs go over
 * TLS, trusting `tls.ca` and presenting `tls.cert` as the client certificate when given.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** Shortcut: the `WWW-Authenticate` header, or null. */
  challenge: string | null
  body: string
  json: unknown
  /** The header lines as received, names and values alternating (a repeated header stays two). */
  rawHeaders: string[]
}

export interface RawRequest {
  method?: string
  /** Header values; an array sends the header once per value. */
  headers?: Record<string, string | string[]>
  body?: string | Uint8Array
  /** For `https:` URLs: the CA that issued the server's certificate, and a client certificate. */
  tls?: { ca: string; cert?: string; key?: string }
}

/** Sends one request to `url` and reads the whole answer. */
export function send(url: string, init: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const options = { method: init.method ?? 'GET', agent: false as const }
    const tls = url.startsWith('https:') ? { ...init.tls } : undefined
    const open = tls === undefined ? httpRequest : httpsRequest
    const req = open(url, { ...options, ...tls }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = body === '' ? undefined : JSON.parse(body)
        } catch {
          json = undefined
        }
        const challenge = res.headers['www-authenticate']
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          challenge: typeof challenge === 'string' ? challenge : null,
          body,
          json,
          rawHeaders: res.rawHeaders,
        })
      })
    })
    req.on('error', reject)
    for (const [name, value] of Object.entries(init.headers ?? {})) req.setHeader(name, value)
    if (init.body !== undefined) req.end(init.body)
    else req.end()
  })
}
