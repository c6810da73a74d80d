import { beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, OAuthError, type AuthRequest, type VerifierOptions } from '../src/index.js'
import { extractBearer, isB64token, nodeRequestHeaders } from '../src/bearer.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { signingKey, mint, nowSec, type SigningKey } from '../../../test/support/tokens.js'

const ISS = 'https://issuer.example'
const jwks = jwksEndpoint(`${ISS}/keys`)
serveJwks([jwks])
let key: SigningKey
let token: string

beforeAll(async () => {
  key = await signingKey('EdDSA', 'd1')
  jwks.keys = [key.jwk]
  token = await mint(key, { iss: ISS, sub: 'u1', exp: nowSec() + 3600 })
})

const make = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: ISS, jwksUri: jwks.url, audience: null, ...options })

const header = new Set(['header'] as const)
const all = new Set(['header', 'query', 'body'] as const)
const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }

/** Status and WWW-Authenticate of an authenticate() failure, or 'ok <sub>'. */
async function answer(
  request: AuthRequest,
  options: Partial<VerifierOptions> = {},
): Promise<string> {
  try {
    const auth = await make(options).authenticate(request)
    return `ok ${auth.subject}`
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return `${error.status} ${error.headers['WWW-Authenticate']}`
  }
}

const BARE = '401 Bearer'
const BAD_REQUEST =
  '400 Bearer error="invalid_request", error_description="The request is malformed"'
const TWO_TOKENS =
  '400 Bearer error="invalid_request", error_description="The request carries more than one access token"'

describe('the Authorization header', () => {
  it('accepts the Bearer scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(await answer({ headers: { authorization: `${scheme} ${token}` } })).toBe('ok u1')
    }
  })

  it('finds the header whatever the case of its name', async () => {
    expect(await answer({ headers: { Authorization: `Bearer ${token}` } })).toBe('ok u1')
  })

  it('answers 400 invalid_request for Bearer with no token, or a token that is not b64token', async () => {
    for (const value of [
      'Bearer',
      'Bearer ',
      'Bearer    ',
      'Bearer a b',
      'Bearer a,b',
      'Bearer "x"',
    ]) {
      expect(await answer({ headers: { authorization: value } })).toBe(BAD_REQUEST)
    }
  })

  it('answers 400 for a malformed token whether or not the token cache knows a valid one', async () => {
    const verifier = make()
    await verifier.verify(token) // now cached
    for (const value of [`Bearer ${token} x`, `Bearer ${token}%`, `Bearer ${token}=x`]) {
      await expect(verifier.authenticate({ headers: { authorization: value } })).rejects.toThrow(
        expect.objectContaining({ status: 400, code: 'invalid_request' }) as Error,
      )
    }
    expect(
      (await verifier.authenticate({ headers: { authorization: `Bearer ${token}` } })).subject,
    ).toBe('u1')
  })

  it('reads scheme letters as ASCII only, and answers 400 for a Bearer token with a line break', async () => {
    // Characters that case-fold onto ASCII letters (long s, Kelvin sign), or that merely OR onto
    // one, are not the letters of "bearer".
    for (const value of [`Bſarer ${token}`, `\u0002earer ${token}`, `Bearer\t${token}`]) {
      expect(await answer({ headers: { authorization: value } })).toBe(BARE)
    }
    for (const breakChar of ['\n', '\r', '\u2028', '\u2029']) {
      const value = `Bearer ${token}${breakChar}x`
      expect(await answer({ headers: { authorization: value } })).toBe(BAD_REQUEST)
      const both = { transports: ['header', 'query'] } as never
      expect(await answer({ headers: { authorization: value } }, both)).toBe(BAD_REQUEST)
    }
    expect(isB64token('abc.DEF-_~+/==')).toBe(true)
    expect(isB64token('a=b')).toBe(false)
  })

  it('treats another scheme, or no header, as no credentials: bare 401', async () => {
    for (const value of ['Basic dXNlcjpwYXNz', 'Token abc', 'Bearerabc', `DPoP ${token}`]) {
      expect(await answer({ headers: { authorization: value } })).toBe(BARE)
    }
    expect(await answer({ headers: {} })).toBe(BARE)
    expect(await answer({ headers: { authorization: undefined } })).toBe(BARE)
    expect(await answer({ headers: { authorization: [] } })).toBe(BARE)
  })

  it('answers 400 for two Authorization headers (headersDistinct array), even if one is not Bearer', async () => {
    expect(
      await answer({ headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } }),
    ).toBe(TWO_TOKENS)
    expect(await answer({ headers: { authorization: [`Bearer ${token}`, 'Basic eA'] } })).toBe(
      TWO_TOKENS,
    )
    expect(
      await answer({
        headers: { authorization: `Bearer ${token}`, Authorization: `Bearer ${token}` },
      }),
    ).toBe(TWO_TOKENS)
    expect(await answer({ headers: { authorization: [`Bearer ${token}`] } })).toBe('ok u1')
  })

  it('lets a token through optional authentication only when there are no credentials', async () => {
    const verifier = make()
    await expect(
      verifier.authenticate({ headers: {} }, { optional: true }),
    ).resolves.toBeUndefined()
    await expect(
      verifier.authenticate({ headers: { authorization: 'Bearer' } }, { optional: true }),
    ).rejects.toMatchObject({ status: 400 })
    await expect(
      verifier.authenticate(
        { headers: { authorization: 'Bearer abc.def.ghi' } },
        { optional: true },
      ),
    ).rejects.toMatchObject({ status: 401, code: 'invalid_token' })
  })
})

describe('query and body transports', () => {
  it('are off by default: a lone query token is no credentials (bare 401), never read', async () => {
    expect(await answer({ url: `/photos?access_token=${token}`, headers: {} })).toBe(BARE)
    expect(await answer({ query: { access_token: token }, headers: {} })).toBe(BARE)
    expect(await answer({ method: 'POST', headers: form, body: { access_token: token } })).toBe(
      BARE,
    )
    // With the transport off, a query token beside a header token is ignored, not a duplicate.
    expect(
      await answer({
        url: `/p?access_token=${token}`,
        headers: { authorization: `Bearer ${token}` },
      }),
    ).toBe('ok u1')
  })

  it('reads access_token from the URL, a query object or URLSearchParams when enabled', async () => {
    const options = { transports: ['header', 'query'] as const }
    expect(
      await answer({ url: `/photos?x=1&access_token=${token}`, headers: {} }, options as never),
    ).toBe('ok u1')
    expect(await answer({ query: { access_token: token }, headers: {} }, options as never)).toBe(
      'ok u1',
    )
    expect(
      await answer(
        { query: new URLSearchParams({ access_token: token }), headers: {} },
        options as never,
      ),
    ).toBe('ok u1')
    expect(await answer({ url: '/photos', headers: {} }, options as never)).toBe(BARE)
    expect(await answer({ query: {}, headers: {} }, options as never)).toBe(BARE)
  })

  it('answers 400 for a token sent in two places, or twice in the query', async () => {
    const options = { transports: ['header', 'query', 'body'] } as never
    const bearer = { authorization: `Bearer ${token}` }
    expect(await answer({ url: `/p?access_token=${token}`, headers: bearer }, options)).toBe(
      TWO_TOKENS,
    )
    expect(
      await answer({ url: `/p?access_token=${token}&access_token=${token}`, headers: {} }, options),
    ).toBe(TWO_TOKENS)
    expect(await answer({ query: { access_token: [token, token] }, headers: {} }, options)).toBe(
      TWO_TOKENS,
    )
    expect(
      await answer(
        { method: 'POST', headers: { ...form, ...bearer }, body: { access_token: token } },
        options,
      ),
    ).toBe(TWO_TOKENS)
    expect(
      await answer(
        {
          method: 'POST',
          url: `/p?access_token=${token}`,
          headers: form,
          body: { access_token: token },
        },
        options,
      ),
    ).toBe(TWO_TOKENS)
  })

  it('reads the body only for form-encoded requests with a method other than GET/HEAD', async () => {
    const options = { transports: ['body'] } as never
    const body = { access_token: token }
    expect(await answer({ method: 'POST', headers: form, body }, options)).toBe('ok u1')
    expect(
      await answer(
        { method: 'put', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body },
        options,
      ),
    ).toBe('ok u1')
    expect(await answer({ method: 'GET', headers: form, body }, options)).toBe(BARE)
    expect(await answer({ method: 'HEAD', headers: form, body }, options)).toBe(BARE)
    expect(await answer({ headers: form, body }, options)).toBe(BARE)
    expect(
      await answer(
        { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        options,
      ),
    ).toBe(BARE)
    expect(await answer({ method: 'POST', headers: {}, body }, options)).toBe(BARE)
    expect(await answer({ method: 'POST', headers: form, body: 'access_token=x' }, options)).toBe(
      BARE,
    )
    expect(await answer({ method: 'POST', headers: form, body: {} }, options)).toBe(BARE)
  })

  it('answers 400 for an empty or non-string transported token', async () => {
    const options = { transports: ['query', 'body'] } as never
    expect(await answer({ url: '/p?access_token=', headers: {} }, options)).toBe(BAD_REQUEST)
    expect(await answer({ query: { access_token: { nested: 1 } }, headers: {} }, options)).toBe(
      BAD_REQUEST,
    )
    expect(
      await answer({ method: 'POST', headers: form, body: { access_token: 5 } }, options),
    ).toBe(BAD_REQUEST)
    expect(
      await answer({ method: 'POST', headers: form, body: { access_token: ['a', 'b'] } }, options),
    ).toBe(TWO_TOKENS)
  })

  it('does not read the header when only other transports are enabled', () => {
    expect(
      extractBearer({ headers: { authorization: `Bearer ${token}` } }, new Set(['query'])),
    ).toEqual({
      missing: true,
    })
    expect(extractBearer({ headers: { authorization: 'Bearer abc' } }, header)).toEqual({
      token: 'abc',
    })
    expect(extractBearer({ headers: undefined as never }, all)).toEqual({ missing: true })
  })
})

describe('nodeRequestHeaders', () => {
  it('keeps every Authorization and Content-Type value of rawHeaders, whatever their case', () => {
    const raw = [
      'Host',
      'x',
      'Authorization',
      'Bearer a',
      'content-type',
      'text/plain',
      'AUTHORIZATION',
      'Bearer b',
      'X-Authorizatio',
      'y',
      'Content-Typo',
      'z',
    ]
    expect(nodeRequestHeaders({ rawHeaders: raw })).toEqual({
      authorization: ['Bearer a', 'Bearer b'],
      'content-type': ['text/plain'],
    })
    expect(nodeRequestHeaders({ rawHeaders: ['authorization', 'Bearer a'] })).toEqual({
      authorization: ['Bearer a'],
    })
  })

  it('falls back to headers without rawHeaders, and to no headers at all', () => {
    expect(nodeRequestHeaders({ headers: { authorization: 'Bearer a' } })).toEqual({
      authorization: 'Bearer a',
    })
    expect(nodeRequestHeaders({})).toEqual({})
  })

  it('makes two Authorization headers a 400 through authenticate()', async () => {
    const headers = nodeRequestHeaders({
      rawHeaders: ['authorization', `Bearer ${token}`, 'Authorization', `Bearer ${token}`],
    })
    expect(await answer({ headers })).toBe(TWO_TOKENS)
    expect(
      await answer({
        headers: nodeRequestHeaders({ rawHeaders: ['authorization', `Bearer ${token}`] }),
      }),
    ).toBe('ok u1')
  })
})
