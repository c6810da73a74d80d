/**
 * RFC 7638 JWK thumbprints: the base64url SHA-256 of the key's required members, in lexicographic
 * order, as JSON without whitespace. A DPoP-bound token names its key by this value (`cnf.jkt`,
 * RFC 9449 §6.1).
 *
 * @module
 */
import { backend } from '#crypto-backend'
import { encodeBase64url } from './base64url.js'
import { andThen, type MaybePromise } from './maybe-async.js'

/** The members RFC 7638 §3.2 hashes, per key type, already in lexicographic order. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
}

const encoder = new TextEncoder()

/**
 * The thumbprint input of a public JWK (RFC 7638 §3.3), or `undefined` when a required member is
 * missing or not a string. Key values are base64url or curve names, so `JSON.stringify` of each
 * member is already the canonical form.
 */
export function thumbprintInput(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members = REQUIRED[jwk.kty as string]
  if (members === undefined) return undefined
  let json = ''
  for (const name of members) {
    const value = jwk[name]
    if (typeof value !== 'string') return undefined
    json += `${json === '' ? '{' : ','}"${name}":${JSON.stringify(value)}`
  }
  return `${json}}`
}

/** The base64url SHA-256 of `text` (ASCII or UTF-8). */
export function sha256Base64url(text: string): MaybePromise<string> {
  return andThen(backend.sha256(encoder.encode(text)), encodeBase64url)
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url-encoded.
 *
 * @throws TypeError when the key lacks a required member.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): MaybePromise<string> {
  const input = thumbprintInput(jwk)
  if (input === undefined) throw new TypeError('not a public JWK of a known key type')
  return sha256Base64url(input)
}
