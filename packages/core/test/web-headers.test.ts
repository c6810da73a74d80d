import { describe, expect, it } from 'vitest'
import { extractBearer } from '../src/bearer.js'
import { webRequestHeaders } from '../src/web-headers.js'

const HEADER = new Set(['header'] as const)

/** A `Headers` holding each value as its own `Authorization` field (joined by `Headers`). */
function authorization(...values: string[]): Headers {
  const headers = new Headers()
  for (const value of values) headers.append('Authorization', value)
  return headers
}

describe('webRequestHeaders', () => {
  it('keeps one Authorization value as it is', () => {
    expect(webRequestHeaders(authorization('Bearer abc.def.ghi'))).toEqual({
      authorization: 'Bearer abc.def.ghi',
    })
  })

  it('splits two Authorization fields that Headers joined back into two values', () => {
    const headers = authorization('Bearer aaa', 'Bearer bbb')
    expect(headers.get('authorization')).toBe('Bearer aaa, Bearer bbb')
    expect(webRequestHeaders(headers).authorization).toEqual(['Bearer aaa', 'Bearer bbb'])
  })

  it('splits two identical fields, and three, and fields of other schemes', () => {
    expect(webRequestHeaders(authorization('Bearer a', 'Bearer a')).authorization).toEqual([
      'Bearer a',
      'Bearer a',
    ])
    expect(webRequestHeaders(authorization('Basic dXNlcjpwYXNz', 'Bearer a', 'Bearer'))).toEqual({
      authorization: ['Basic dXNlcjpwYXNz', 'Bearer a', 'Bearer'],
    })
    expect(webRequestHeaders(authorization('Bearer', 'Negotiate')).authorization).toEqual([
      'Bearer',
      'Negotiate',
    ])
  })

  it('keeps one value whose auth-params are separated by ", "', () => {
    const digest = 'Digest username="u", realm="r, Bearer x", nonce = "n", qop=auth'
    expect(webRequestHeaders(authorization(digest)).authorization).toBe(digest)
    const escaped = 'Digest realm="a \\", Bearer b", nonce="n"'
    expect(webRequestHeaders(authorization(escaped)).authorization).toBe(escaped)
  })

  it('splits a Digest value from a Bearer value that follows it', () => {
    expect(
      webRequestHeaders(authorization('Digest username="u", realm="r"', 'Bearer t')).authorization,
    ).toEqual(['Digest username="u", realm="r"', 'Bearer t'])
  })

  it('does not split at a comma without a space, or before something that is no scheme', () => {
    for (const value of ['Bearer abc,def', 'Bearer abc, =x', 'Bearer abc, "x"', 'Bearer a, b"c']) {
      expect(webRequestHeaders(authorization(value)).authorization).toBe(value)
    }
  })

  it('treats a scheme right before a comma as a new credentials', () => {
    expect(webRequestHeaders(authorization('Bearer a, Negotiate, Basic b')).authorization).toEqual([
      'Bearer a',
      'Negotiate',
      'Basic b',
    ])
  })

  it('reads the content type and leaves absent headers out', () => {
    expect(webRequestHeaders(new Headers())).toEqual({})
    expect(
      webRequestHeaders(new Headers({ 'Content-Type': 'application/x-www-form-urlencoded' })),
    ).toEqual({ 'content-type': 'application/x-www-form-urlencoded' })
  })

  it('makes two joined Authorization fields a duplicate-credentials request for the core', () => {
    const twice = webRequestHeaders(authorization('Bearer aaa', 'Bearer aaa'))
    expect(extractBearer({ headers: twice }, HEADER)).toEqual({ invalid: 'duplicate_credentials' })
    const once = webRequestHeaders(authorization('Bearer aaa'))
    expect(extractBearer({ headers: once }, HEADER)).toEqual({ token: 'aaa' })
    const comma = webRequestHeaders(authorization('Bearer abc,def'))
    expect(extractBearer({ headers: comma }, HEADER)).toEqual({ invalid: 'invalid_request' })
  })
})
