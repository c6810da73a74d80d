/**
 * Strict parsing of a JWS in compact serialization, before any cryptography: a size limit,
 * exactly three segments, canonical base64url, a JSON-object header without duplicate members, an
 * allowed `alg`, `crit` honoured (scopeguard understands no extension, so any `crit` is refused),
 * and JWE (five segments, or an `enc` header) refused without decryption or key derivation.
 * `jku`, `x5u`, `jwk` and `x5c` are never read: keys come only from the issuer's key set.
 *
 * @module
 */
import { codec } from '#crypto-backend'
import { isAlgorithm, type Algorithm } from './algorithms.js'
import { hasCanonicalEnd } from './base64url.js'
import { Refusal } from './errors.js'
import { parseJsonObject } from './strict-json.js'

/** The protected header of a token. Members other than these are kept but never trusted. */
export interface JwsHeader {
  /** The signature algorithm, checked against the allowlist before any key is looked up. */
  alg: string
  /** The key id: picks the key in the issuer's key set. */
  kid?: string
  /** The token type (checked only with the `typ` option, e.g. `at+jwt`). */
  typ?: string
  /** Any other member (`jku`, `x5u`, `jwk`, `x5c` included): never fetched nor trusted. */
  [member: string]: unknown
}

/** A parsed compact JWS whose signature is still unchecked. */
export interface ParsedJws {
  /** The protected header, its `alg` on the allowlist. */
  header: JwsHeader & { alg: Algorithm }
  /** The decoded payload bytes. */
  payload: Uint8Array
  /** The token itself. */
  token: string
  /** The length of `<header>.<payload>`, the data the signature covers (see {@link signingInputOf}). */
  signedLength: number
  /** The decoded signature bytes (never empty). */
  signature: Uint8Array
}

/**
 * Parsed headers by their encoded form: a header is decoded and parsed once. Safe to share: a
 * parsed header depends on its text alone and is deeply frozen, and each caller checks it against
 * its own allowlist. Bounded: only segments up to `maxLength` are kept, and the map is emptied when
 * full, so hostile headers cost memory for at most `maxEntries` entries.
 */
export interface HeaderCache {
  readonly entries: Map<string, Readonly<Record<string, unknown>>>
  readonly maxEntries: number
  readonly maxLength: number
}

/** An empty {@link HeaderCache}. */
export function headerCache(maxEntries: number, maxLength: number): HeaderCache {
  return { entries: new Map(), maxEntries, maxLength }
}

/**
 * The issuers' headers, shared by every verifier of the process: an issuer signs every token with
 * a handful of headers (one per key), so 64 short ones are plenty.
 */
const issuerHeaders = headerCache(64, 512)

function parseHeader(
  segment: string,
  cache: HeaderCache,
): Readonly<Record<string, unknown>> | undefined {
  const known = cache.entries.get(segment)
  if (known !== undefined) return known
  const header = parseJsonObject(codec.decodeBase64url(segment))
  if (header !== undefined && segment.length <= cache.maxLength) {
    if (cache.entries.size >= cache.maxEntries) cache.entries.clear()
    cache.entries.set(segment, header)
  }
  return header
}

/** Three base64url segments; each one's length and last character are checked apart. */
const COMPACT = /^[\w-]*\.[\w-]*\.[\w-]*$/

/**
 * Parses a compact JWS strictly, before any cryptography: size, shape, canonical base64url,
 * header JSON (no duplicates, bounded nesting, valid UTF-8), `alg` on the allowlist, `kid`/`typ`
 * strings, no `crit`/`b64` extension, no JWE. The payload comes back as bytes, not yet parsed.
 *
 * `headers` is the cache of parsed headers: by default the issuers' one, shared by the process;
 * DPoP proofs carry a key per client and go to a verifier's own cache, so that they never push
 * out the issuers' headers.
 *
 * @throws {@link Refusal} `too_large`, `encrypted_token`, `malformed`, `unsupported_alg` or
 * `unsupported_crit`.
 */
export function parseCompactJws(
  token: string,
  maxLength: number,
  algorithms: ReadonlySet<Algorithm>,
  headers: HeaderCache = issuerHeaders,
): ParsedJws {
  if (token.length > maxLength) throw new Refusal('too_large')
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (second === -1) throw new Refusal('malformed')
  if (token.indexOf('.', second + 1) !== -1) {
    throw new Refusal(token.split('.').length === 5 ? 'encrypted_token' : 'malformed')
  }
  if (
    !COMPACT.test(token) ||
    !hasCanonicalEnd(token, 0, first) ||
    !hasCanonicalEnd(token, first + 1, second) ||
    !hasCanonicalEnd(token, second + 1, token.length)
  ) {
    throw new Refusal('malformed')
  }
  const header = parseHeader(token.slice(0, first), headers)
  if (header === undefined) throw new Refusal('malformed')
  if (Object.hasOwn(header, 'enc')) throw new Refusal('encrypted_token')
  const alg = header.alg
  if (typeof alg !== 'string') throw new Refusal('malformed')
  if (!isAlgorithm(alg) || !algorithms.has(alg)) throw new Refusal('unsupported_alg')
  if (Object.hasOwn(header, 'kid') && typeof header.kid !== 'string') {
    throw new Refusal('malformed')
  }
  if (Object.hasOwn(header, 'typ') && typeof header.typ !== 'string') {
    throw new Refusal('malformed')
  }
  if (Object.hasOwn(header, 'crit')) {
    const crit = header.crit
    const wellFormed =
      Array.isArray(crit) &&
      crit.length > 0 &&
      crit.every((name) => typeof name === 'string' && Object.hasOwn(header, name))
    throw new Refusal(wellFormed ? 'unsupported_crit' : 'malformed')
  }
  if (Object.hasOwn(header, 'b64')) {
    // RFC 7797 only applies with crit; an unprotected b64 member is refused rather than ignored.
    throw new Refusal('unsupported_crit')
  }
  if (second + 1 === token.length) throw new Refusal('malformed') // no signature
  return {
    header: header as JwsHeader & { alg: Algorithm },
    payload: codec.decodeBase64url(token.slice(first + 1, second)),
    token,
    signedLength: second,
    signature: codec.decodeBase64url(token.slice(second + 1)),
  }
}

/**
 * The signing input of a parsed JWS (ASCII bytes of `<header>.<payload>`), made right before the
 * signature check: on Node it is written into a reused buffer, so pass it on at once.
 */
export function signingInputOf(parsed: ParsedJws): Uint8Array {
  return codec.signingInput(parsed.token, parsed.signedLength)
}
