import { describe, expect, it } from 'vitest'
import { decodeBase64url, encodeBase64url, isCanonicalBase64url } from '../src/base64url.js'

const bytes = (...values: number[]) => new Uint8Array(values)

describe('base64url', () => {
  it('decodes every length class (0, 2, 3 and 4 characters per group)', () => {
    expect(decodeBase64url('')).toEqual(bytes())
    expect(decodeBase64url('aA')).toEqual(bytes(0x68))
    expect(decodeBase64url('aGk')).toEqual(bytes(0x68, 0x69))
    expect(decodeBase64url('aGV5')).toEqual(bytes(0x68, 0x65, 0x79))
    expect(decodeBase64url('-_-_')).toEqual(bytes(0xfb, 0xff, 0xbf))
  })

  it('round-trips arbitrary bytes through encode and decode', () => {
    const all = new Uint8Array(256).map((_, i) => i)
    for (let length = 0; length <= 10; length++) {
      for (const slice of [all.slice(0, length), all.slice(256 - length)]) {
        expect(decodeBase64url(encodeBase64url(slice))).toEqual(slice)
      }
    }
    expect(encodeBase64url(all)).not.toMatch(/[+/=]/)
  })

  it('refuses padding', () => {
    expect(decodeBase64url('aGk=')).toBeUndefined()
    expect(decodeBase64url('aA==')).toBeUndefined()
  })

  it('refuses whitespace anywhere', () => {
    for (const input of [' aGk', 'aGk ', 'aG k', 'aG\nk', 'aG\tk']) {
      expect(decodeBase64url(input)).toBeUndefined()
    }
  })

  it('refuses the standard alphabet and any other character, ASCII or not', () => {
    expect(decodeBase64url('+/+/')).toBeUndefined()
    expect(decodeBase64url('aG.k')).toBeUndefined()
    expect(decodeBase64url('aGé')).toBeUndefined()
  })

  it('refuses a length of 1 modulo 4', () => {
    expect(decodeBase64url('a')).toBeUndefined()
    expect(decodeBase64url('aGV5a')).toBeUndefined()
  })

  it('refuses stray bits in the last character, so each byte string has one encoding', () => {
    // 'aA' and 'aB' would both decode to 0x68: only the canonical one is accepted.
    expect(isCanonicalBase64url('aA')).toBe(true)
    expect(isCanonicalBase64url('aB')).toBe(false)
    expect(isCanonicalBase64url('aGk')).toBe(true)
    expect(isCanonicalBase64url('aGl')).toBe(false)
    expect(decodeBase64url('aGl')).toBeUndefined()
  })
})
