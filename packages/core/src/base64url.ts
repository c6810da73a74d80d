/**
 * Canonical base64url (RFC 7515 section 2, RFC 4648 section 5): no padding, no whitespace, only
 * the URL-safe alphabet, and no stray bits in the last character, so every byte string has exactly
 * one accepted encoding.
 *
 * @module
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const VALUES = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i

/**
 * True when `input` is canonical base64url: alphabet only, a length that is not 1 modulo 4, and
 * zero unused bits in the final character (`aB` is refused: the byte of `aA`, with stray bits).
 */
export function isCanonicalBase64url(input: string): boolean {
  const length = input.length
  const rest = length % 4
  if (rest === 1) return false
  for (let i = 0; i < length; i++) {
    const code = input.charCodeAt(i)
    if (code >= 128 || VALUES[code] === -1) return false
  }
  if (rest === 0) return true
  const last = VALUES[input.charCodeAt(length - 1)] as number
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

/** Decodes canonical base64url. Returns `undefined` for anything non-canonical. */
export function decodeBase64url(input: string): Uint8Array | undefined {
  return isCanonicalBase64url(input) ? decodeCanonicalBase64url(input) : undefined
}

/**
 * Decodes base64url already known to be canonical (see {@link isCanonicalBase64url}); any other
 * input gives meaningless bytes.
 */
export function decodeCanonicalBase64url(input: string): Uint8Array {
  const length = input.length
  const out = new Uint8Array(Math.floor((length * 3) / 4))
  let o = 0
  let i = 0
  for (; i + 4 <= length; i += 4) {
    const n =
      ((VALUES[input.charCodeAt(i)] as number) << 18) |
      ((VALUES[input.charCodeAt(i + 1)] as number) << 12) |
      ((VALUES[input.charCodeAt(i + 2)] as number) << 6) |
      (VALUES[input.charCodeAt(i + 3)] as number)
    out[o++] = n >> 16
    out[o++] = (n >> 8) & 0xff
    out[o++] = n & 0xff
  }
  const rest = length - i
  if (rest >= 2) {
    const n =
      ((VALUES[input.charCodeAt(i)] as number) << 18) |
      ((VALUES[input.charCodeAt(i + 1)] as number) << 12) |
      (rest === 3 ? (VALUES[input.charCodeAt(i + 2)] as number) << 6 : 0)
    out[o++] = n >> 16
    if (rest === 3) out[o++] = (n >> 8) & 0xff
  }
  return out
}

/**
 * True when `input.slice(start, end)`, already known to hold only base64url characters, has a
 * canonical length and end: not 1 modulo 4, and no stray bits in its last character.
 */
export function hasCanonicalEnd(input: string, start: number, end: number): boolean {
  const rest = (end - start) % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const last = VALUES[input.charCodeAt(end - 1)] as number
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

/** Encodes bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 3 <= bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out +=
      ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0)
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!
    if (rest === 2) out += ALPHABET[(n >> 6) & 63]!
  }
  return out
}
