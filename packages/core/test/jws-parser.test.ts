import { describe, expect, it } from 'vitest'
import { DEFAULT_ALGORITHMS, type Algorithm } from '../src/algorithms.js'
import type { Refusal } from '../src/errors.js'
import { headerCache, parseCompactJws, signingInputOf } from '../src/jws-parser.js'
import { b64u } from '../../../test/support/tokens.js'

const allow = new Set<Algorithm>(DEFAULT_ALGORITHMS)
const PAYLOAD = b64u('{"iss":"https://issuer.example","exp":2000000000}')
const SIG = b64u(new Uint8Array(64).fill(7))

/** A compact JWS with the given header JSON text (signature bytes are irrelevant to parsing). */
const withHeader = (headerJson: string, payload = PAYLOAD, sig = SIG) =>
  `${b64u(headerJson)}.${payload}.${sig}`

function reasonOf(token: string, maxLength = 8192, algorithms = allow): string {
  try {
    parseCompactJws(token, maxLength, algorithms)
  } catch (error) {
    return (error as Refusal).reason
  }
  return 'accepted'
}

describe('parseCompactJws', () => {
  it('parses a well-formed JWS into header, payload, signing input and signature', () => {
    const token = withHeader('{"alg":"RS256","kid":"k1","typ":"JWT","x-unknown":1}')
    const parsed = parseCompactJws(token, 8192, allow)
    expect(parsed.header).toEqual({ alg: 'RS256', kid: 'k1', typ: 'JWT', 'x-unknown': 1 })
    expect(new TextDecoder().decode(parsed.payload)).toBe(
      '{"iss":"https://issuer.example","exp":2000000000}',
    )
    expect(new TextDecoder().decode(signingInputOf(parsed))).toBe(
      token.slice(0, token.lastIndexOf('.')),
    )
    // Bytes compared as plain arrays: the node backend hands out Buffers (a Uint8Array subclass).
    expect([...parsed.signature]).toEqual(new Array(64).fill(7))
    expect(Object.isFrozen(parsed.header)).toBe(true)
  })

  it('refuses a token over the size limit before looking at it', () => {
    const token = withHeader('{"alg":"RS256"}')
    expect(reasonOf(token, token.length)).toBe('accepted')
    expect(reasonOf(token, token.length - 1)).toBe('too_large')
    expect(reasonOf('x'.repeat(9000))).toBe('too_large')
  })

  it('needs exactly three segments', () => {
    const header = b64u('{"alg":"RS256"}')
    expect(reasonOf(`${header}.${PAYLOAD}`)).toBe('malformed')
    expect(reasonOf(header)).toBe('malformed')
    expect(reasonOf(`${header}.${PAYLOAD}.${SIG}.${SIG}`)).toBe('malformed')
    expect(reasonOf(`${header}.${PAYLOAD}.${SIG}.${SIG}.${SIG}.${SIG}`)).toBe('malformed')
  })

  it('refuses a five-segment JWE as encrypted_token without decoding any part of it', () => {
    // Not even valid base64url: the refusal happens on the shape alone, before any key work.
    expect(reasonOf('eyJhbGciOiJSU0EtT0FFUCJ9.!!.!!.!!.!!')).toBe('encrypted_token')
    const jweHeader = b64u('{"alg":"RSA-OAEP-256","enc":"A256GCM"}')
    expect(reasonOf(`${jweHeader}.${SIG}.${SIG}.${SIG}.${SIG}`)).toBe('encrypted_token')
  })

  it('refuses a three-segment token whose header announces encryption (enc)', () => {
    expect(reasonOf(withHeader('{"alg":"RS256","enc":"A256GCM"}'))).toBe('encrypted_token')
  })

  it('refuses non-canonical base64url in any segment (padding, whitespace, stray bits)', () => {
    const header = b64u('{"alg":"RS256"}')
    expect(reasonOf(`${header}=.${PAYLOAD}.${SIG}`)).toBe('malformed')
    expect(reasonOf(`${header}.${PAYLOAD} .${SIG}`)).toBe('malformed')
    expect(reasonOf(`${header}.${PAYLOAD}.${SIG}==`)).toBe('malformed')
    expect(reasonOf(`${header}.${PAYLOAD}.${SIG.slice(0, -1)}B`)).toBe('malformed')
    expect(reasonOf(`${header}.${PAYLOAD}.+/${SIG.slice(2)}`)).toBe('malformed')
  })

  it('refuses an empty signature and an empty or non-object header', () => {
    expect(reasonOf(withHeader('{"alg":"RS256"}', PAYLOAD, ''))).toBe('malformed')
    expect(reasonOf(`.${PAYLOAD}.${SIG}`)).toBe('malformed')
    expect(reasonOf(withHeader('["RS256"]'))).toBe('malformed')
    expect(reasonOf(withHeader('"RS256"'))).toBe('malformed')
  })

  it('refuses duplicate header members, also nested ones', () => {
    expect(reasonOf(withHeader('{"alg":"RS256","alg":"none"}'))).toBe('malformed')
    expect(reasonOf(withHeader('{"alg":"RS256","kid":"a","kid":"b"}'))).toBe('malformed')
    expect(reasonOf(withHeader('{"alg":"RS256","x":{"y":1,"y":2}}'))).toBe('malformed')
  })

  it('keeps __proto__ and constructor header members as harmless data', () => {
    const parsed = parseCompactJws(
      withHeader('{"alg":"RS256","__proto__":{"alg":"none"},"constructor":1}'),
      8192,
      allow,
    )
    expect(parsed.header.alg).toBe('RS256')
    expect(Object.getPrototypeOf(parsed.header)).toBe(Object.prototype)
  })

  it('refuses deep nesting and invalid UTF-8 in the header', () => {
    expect(reasonOf(withHeader(`{"alg":"RS256","x":${'['.repeat(40)}${']'.repeat(40)}}`))).toBe(
      'malformed',
    )
    const invalidUtf8 = b64u(
      new Uint8Array([...new TextEncoder().encode('{"alg":"RS256","x":"'), 0xff, 0x22, 0x7d]),
    )
    expect(reasonOf(`${invalidUtf8}.${PAYLOAD}.${SIG}`)).toBe('malformed')
  })

  it('refuses alg none in any casing, HMAC, unknown and disallowed algorithms as unsupported_alg', () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'HS256', 'HS512', 'RSA-OAEP', 'rs256', '']) {
      expect(reasonOf(withHeader(JSON.stringify({ alg })))).toBe('unsupported_alg')
    }
    // Supported by scopeguard but not on this verifier's allowlist.
    expect(reasonOf(withHeader('{"alg":"PS256"}'))).toBe('unsupported_alg')
    expect(reasonOf(withHeader('{"alg":"ES256"}'), 8192, new Set<Algorithm>(['RS256']))).toBe(
      'unsupported_alg',
    )
    // An inherited name is not an algorithm.
    expect(reasonOf(withHeader('{"alg":"toString"}'))).toBe('unsupported_alg')
  })

  it('refuses a missing or non-string alg as malformed', () => {
    expect(reasonOf(withHeader('{"kid":"k1"}'))).toBe('malformed')
    expect(reasonOf(withHeader('{"alg":["RS256"]}'))).toBe('malformed')
    expect(reasonOf(withHeader('{"alg":null}'))).toBe('malformed')
  })

  it('refuses a kid or typ that is not a string', () => {
    for (const kid of [1, null, ['k1'], { k: 1 }, true]) {
      expect(reasonOf(withHeader(JSON.stringify({ alg: 'RS256', kid })))).toBe('malformed')
    }
    expect(reasonOf(withHeader('{"alg":"RS256","typ":1}'))).toBe('malformed')
    expect(reasonOf(withHeader('{"alg":"RS256","kid":"k","typ":"at+jwt"}'))).toBe('accepted')
  })

  it('honours crit: an extension it does not understand is refused as unsupported_crit', () => {
    expect(reasonOf(withHeader('{"alg":"RS256","crit":["exp"],"exp":1}'))).toBe('unsupported_crit')
    expect(reasonOf(withHeader('{"alg":"RS256","crit":["b64"],"b64":false}'))).toBe(
      'unsupported_crit',
    )
  })

  it('refuses a malformed crit (empty, not an array, non-strings, naming an absent member)', () => {
    for (const crit of ['[]', '"exp"', '[1]', '["absent"]', 'null', '{}']) {
      expect(reasonOf(withHeader(`{"alg":"RS256","exp":1,"crit":${crit}}`))).toBe('malformed')
    }
  })

  it('refuses b64 even without crit, rather than verifying an unencoded payload', () => {
    expect(reasonOf(withHeader('{"alg":"RS256","b64":false}'))).toBe('unsupported_crit')
    expect(reasonOf(withHeader('{"alg":"RS256","b64":true}'))).toBe('unsupported_crit')
  })

  it('never reads jku, x5u, jwk or x5c: they are kept as inert data', () => {
    const parsed = parseCompactJws(
      withHeader(
        '{"alg":"RS256","jku":"https://evil.example/jwks","x5u":"https://evil.example/c","jwk":{"kty":"RSA"},"x5c":["MII"]}',
      ),
      8192,
      allow,
    )
    expect(parsed.header.jku).toBe('https://evil.example/jwks')
  })

  it("keeps headers parsed with a cache of their own (DPoP proofs) out of the issuers' cache", () => {
    const own = headerCache(2, 4096)
    const header = `{"alg":"RS256","kid":"own","x":"${'y'.repeat(700)}"}`
    const mine = parseCompactJws(withHeader(header), 8192, allow, own).header
    expect(parseCompactJws(withHeader(header), 8192, allow, own).header).toBe(mine)
    expect(own.entries.size).toBe(1)
    // The shared cache never saw it (and keeps no header this long): a new object each time.
    expect(parseCompactJws(withHeader(header), 8192, allow).header).not.toBe(mine)
    // Bounded: full, it is emptied before the next header goes in.
    parseCompactJws(withHeader('{"alg":"RS256","kid":"a"}'), 8192, allow, own)
    parseCompactJws(withHeader('{"alg":"RS256","kid":"b"}'), 8192, allow, own)
    expect(own.entries.size).toBe(1)
  })

  it('parses each distinct header once and hands out the same frozen object, bounded', () => {
    const header = '{"alg":"RS256","kid":"cached"}'
    const first = parseCompactJws(withHeader(header), 8192, allow).header
    const again = parseCompactJws(
      withHeader(header, PAYLOAD, b64u(new Uint8Array(64).fill(9))),
      8192,
      allow,
    )
    expect(again.header).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    // Filling the cache with other headers empties it: the next parse makes a new, equal object.
    for (let i = 0; i < 70; i++)
      parseCompactJws(withHeader(`{"alg":"RS256","kid":"k${i}"}`), 8192, allow)
    const later = parseCompactJws(withHeader(header), 8192, allow).header
    expect(later).toEqual(first)
    // Long headers are parsed every time; an allowlist still applies to a cached header.
    const long = `{"alg":"RS256","kid":"${'x'.repeat(600)}"}`
    expect(parseCompactJws(withHeader(long), 8192, allow).header.kid).toHaveLength(600)
    expect(parseCompactJws(withHeader(long), 8192, allow).header).not.toBe(
      parseCompactJws(withHeader(long), 8192, allow).header,
    )
    expect(reasonOf(withHeader(header), 8192, new Set<Algorithm>(['ES256']))).toBe(
      'unsupported_alg',
    )
  })

  it('makes each signing input on demand, for tokens longer than the reused buffer too', () => {
    const long = b64u(JSON.stringify({ iss: 'https://issuer.example', pad: 'x'.repeat(6000) }))
    for (const token of [withHeader('{"alg":"RS256"}'), withHeader('{"alg":"RS256"}', long)]) {
      const parsed = parseCompactJws(token, 16384, allow)
      const input = signingInputOf(parsed)
      expect(input).toHaveLength(token.lastIndexOf('.'))
      expect(new TextDecoder().decode(input)).toBe(token.slice(0, token.lastIndexOf('.')))
    }
  })
})
