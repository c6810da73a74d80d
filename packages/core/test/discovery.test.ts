import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cognitoIssuer, isCognitoIssuer } from '../src/cognito.js'
import { discoverJwksUri, discoveryUrls } from '../src/discovery.js'
import { FetchFailure, type FetchLimits } from '../src/http-fetch.js'
import { isLoopbackHost, requireFetchUrl } from '../src/url-policy.js'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const limits: FetchLimits = {
  fetch: (input, init) => globalThis.fetch(input, init),
  timeoutMs: 5000,
  maxBytes: 65536,
}

async function failure(promise: Promise<unknown>): Promise<FetchFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FetchFailure)
  return error as FetchFailure
}

describe('isCognitoIssuer', () => {
  it.each([
    ['https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123', true],
    ['https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_x9', true],
    ['https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/', false],
    ['http://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123', false],
    ['https://cognito-idp.us-east-1.amazonaws.com.evil.example/us-east-1_AbC123', false],
    ['https://auth.example.com', false],
    ['https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123', false],
  ])('%s -> %s', (issuer, expected) => {
    expect(isCognitoIssuer(issuer)).toBe(expected)
  })

  it('holds for every issuer cognitoIssuer() builds', () => {
    for (const pool of ['us-east-1_AbC123xyz', 'us-gov-west-1_Q', 'ap-southeast-2_x9']) {
      expect(isCognitoIssuer(cognitoIssuer(pool))).toBe(true)
    }
  })
})

describe('discoveryUrls', () => {
  it('tries OpenID Connect discovery, then the RFC 8414 form with the issuer path appended', () => {
    expect(discoveryUrls('https://auth.example.com/tenant/a/')).toEqual([
      'https://auth.example.com/tenant/a/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant/a',
    ])
    expect(discoveryUrls('https://auth.example.com')).toEqual([
      'https://auth.example.com/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server',
    ])
  })
})

describe('discoverJwksUri', () => {
  const issuer = 'https://auth.example.com/t1'

  it('reads jwks_uri from the OpenID Connect document', async () => {
    server.use(
      http.get(`${issuer}/.well-known/openid-configuration`, () =>
        HttpResponse.json({ issuer, jwks_uri: 'https://keys.example.com/t1/jwks' }),
      ),
    )
    const url = await discoverJwksUri(issuer, limits, false)
    expect(url.href).toBe('https://keys.example.com/t1/jwks')
  })

  it('falls back to the RFC 8414 document when the first answers 404', async () => {
    server.use(
      http.get(
        `${issuer}/.well-known/openid-configuration`,
        () => new HttpResponse(null, { status: 404 }),
      ),
      http.get('https://auth.example.com/.well-known/oauth-authorization-server/t1', () =>
        HttpResponse.json({ issuer, jwks_uri: 'https://auth.example.com/t1/keys' }),
      ),
    )
    expect((await discoverJwksUri(issuer, limits, false)).href).toBe(
      'https://auth.example.com/t1/keys',
    )
  })

  it('refuses documents that name another issuer, have no jwks_uri, or are not objects', async () => {
    server.use(
      http.get(`${issuer}/.well-known/openid-configuration`, () =>
        HttpResponse.json({ issuer: `${issuer}/`, jwks_uri: 'https://evil.example/jwks' }),
      ),
      http.get('https://auth.example.com/.well-known/oauth-authorization-server/t1', () =>
        HttpResponse.json({ issuer }),
      ),
    )
    const error = await failure(discoverJwksUri(issuer, limits, false))
    expect(error.message).toBe(`discovery failed for ${issuer}`)
    expect((error.cause as Error[]).map((e) => e.message)).toEqual([
      `${issuer}/.well-known/openid-configuration names another issuer`,
      'https://auth.example.com/.well-known/oauth-authorization-server/t1 has no jwks_uri',
    ])

    server.use(
      http.get(`${issuer}/.well-known/openid-configuration`, () => HttpResponse.json(['x'])),
      http.get('https://auth.example.com/.well-known/oauth-authorization-server/t1', () =>
        HttpResponse.json(null),
      ),
    )
    const again = await failure(discoverJwksUri(issuer, limits, false))
    expect((again.cause as Error[]).map((e) => e.message)).toEqual([
      `${issuer}/.well-known/openid-configuration names another issuer`,
      'https://auth.example.com/.well-known/oauth-authorization-server/t1 names another issuer',
    ])
  })

  it('refuses a jwks_uri on plain http off loopback unless allowed', async () => {
    server.use(
      http.get(`${issuer}/.well-known/openid-configuration`, () =>
        HttpResponse.json({ issuer, jwks_uri: 'http://keys.example.com/jwks' }),
      ),
      http.get('https://auth.example.com/.well-known/oauth-authorization-server/t1', () =>
        HttpResponse.json({ issuer, jwks_uri: 'ftp://keys.example.com/jwks' }),
      ),
    )
    const error = await failure(discoverJwksUri(issuer, limits, false))
    expect((error.cause as Error[]).map((e) => e.message)).toEqual([
      `jwks_uri of ${issuer} uses plain http on a non-loopback host (use https, or set allowInsecureHttp: true)`,
      `jwks_uri of ${issuer} must use https`,
    ])
    expect((await discoverJwksUri(issuer, limits, true)).href).toBe('http://keys.example.com/jwks')
  })

  it('never fetches discovery from a plain-http issuer off loopback', async () => {
    const error = await failure(discoverJwksUri('http://auth.example.com', limits, false))
    expect(error.message).toMatch(
      /^discovery URL http:\/\/auth\.example\.com\/\.well-known\/openid-configuration uses plain http/,
    )
  })
})

describe('url policy', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.10.20.30', true],
    ['[::1]', true],
    ['128.0.0.1', false],
    ['localhost.evil.example', false],
    ['127.0.0.1.evil.example', false],
  ])('loopback %s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected)
  })

  it('accepts https anywhere and http only on loopback or when allowed', () => {
    const refuse = (problem: string) => new Error(problem)
    const check = (value: string, allowInsecureHttp: boolean) => {
      try {
        return requireFetchUrl(value, allowInsecureHttp, refuse)
      } catch (error) {
        return (error as Error).message
      }
    }
    expect(check('https://keys.example/jwks', false)).toBeInstanceOf(URL)
    expect(check('http://127.0.0.1:8080/jwks', false)).toBeInstanceOf(URL)
    expect(check('http://[::1]:8080/jwks', false)).toBeInstanceOf(URL)
    expect(check('http://keys.example/jwks', false)).toBe(
      'uses plain http on a non-loopback host (use https, or set allowInsecureHttp: true)',
    )
    expect(check('http://keys.example/jwks', true)).toBeInstanceOf(URL)
    expect(check('file:///etc/passwd', true)).toBe('must use https')
    expect(check('/relative', false)).toBe('is not an absolute URL')
  })
})
