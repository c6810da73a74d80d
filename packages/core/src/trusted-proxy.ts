/**
 * What a request may say about itself only when it comes from a proxy the app trusts
 * (`trustedProxies`): its public origin (`X-Forwarded-Proto`, `X-Forwarded-Host`) and the client
 * certificate the proxy's TLS saw (RFC 9440 `Client-Cert`). From anyone else these headers are
 * ignored: a client could forge them to move a DPoP proof to another host or borrow a certificate.
 *
 * @module
 */
import { headerValues, type AuthRequest } from './bearer.js'
import { decodeBase64url } from './base64url.js'

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) names the same peer as its IPv4 form. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/** The set of trusted proxy addresses, normalised once. */
export function trustedProxySet(addresses: readonly string[]): ReadonlySet<string> {
  return new Set(addresses.map((address) => plainAddress(address.trim().toLowerCase())))
}

/** True when the request's peer is a trusted proxy. */
export function fromTrustedProxy(request: AuthRequest, trusted: ReadonlySet<string>): boolean {
  if (trusted.size === 0) return false
  const address = request.remoteAddress ?? request.socket?.remoteAddress
  return typeof address === 'string' && trusted.has(plainAddress(address.toLowerCase()))
}

/** The last value of a comma-separated header list: the one the nearest proxy wrote. */
function lastListValue(request: AuthRequest, name: string): string | undefined {
  const values = headerValues(request.headers, name)
  const last = values[values.length - 1]
  if (last === undefined) return undefined
  const item = last.slice(last.lastIndexOf(',') + 1).trim()
  return item === '' ? undefined : item
}

/** The origin a trusted proxy forwarded (`X-Forwarded-Proto` and `-Host`), if it sent both. */
export function forwardedOrigin(request: AuthRequest): string | undefined {
  const proto = lastListValue(request, 'x-forwarded-proto')?.toLowerCase()
  const host = lastListValue(request, 'x-forwarded-host')
  if ((proto !== 'https' && proto !== 'http') || host === undefined) return undefined
  // A host, optionally with a port: no path, user info or anything a URL would reinterpret.
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) return undefined
  return `${proto}://${host}`
}

/**
 * The DER bytes of the certificate in an RFC 9440 `Client-Cert` header (a structured-field byte
 * sequence, `:<base64>:`); `undefined` when absent, repeated or malformed.
 */
export function forwardedCertificate(request: AuthRequest): Uint8Array | undefined {
  const values = headerValues(request.headers, 'client-cert')
  if (values.length !== 1) return undefined
  const match = /^:([A-Za-z0-9+/]+={0,2}):$/.exec((values[0] as string).trim())
  if (match === null) return undefined
  const base64 = match[1] as string
  return decodeBase64url(base64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'))
}
