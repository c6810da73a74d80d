import { beforeAll, describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createVerifier,
  type AuthInfo,
  type VerifierOptions,
} from '../src/index.js'
import { compileRequirement, prefixScope, readScopes, scopesSatisfy } from '../src/scopes.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { outcome, outcomeOf } from '../../../test/support/outcome.js'
import { signingKey, mint, nowSec, type SigningKey } from '../../../test/support/tokens.js'

const ISS = 'https://issuer.example'
const RS = 'https://photos.example.com'
const jwks = jwksEndpoint(`${ISS}/keys`)
serveJwks([jwks])
let key: SigningKey

beforeAll(async () => {
  key = await signingKey('ES256', 'e1')
  jwks.keys = [key.jwk]
})

const make = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: ISS, jwksUri: jwks.url, audience: null, ...options })

async function authWith(
  scopeClaims: Record<string, unknown>,
  options: Partial<VerifierOptions> = {},
) {
  const verifier = make(options)
  const token = await mint(key, { iss: ISS, exp: nowSec() + 600, ...scopeClaims })
  return { verifier, auth: await verifier.verify(token) }
}

describe('reading scopes from a token', () => {
  it('reads scope as a space-delimited string and scp as a string or an array', () => {
    expect(readScopes({ scope: 'a b  c ' })).toEqual(['a', 'b', 'c'])
    expect(readScopes({ scp: 'a b' })).toEqual(['a', 'b'])
    expect(readScopes({ scp: ['a', 'b'] })).toEqual(['a', 'b'])
    expect(readScopes({ scope: 'a b', scp: ['b', 'c'] })).toEqual(['a', 'b', 'c'])
    expect(readScopes({})).toEqual([])
  })

  it('treats each scp array element as one whole scope (no splitting)', () => {
    expect(readScopes({ scp: ['a b', ''] })).toEqual(['a b'])
  })

  it('does not split on tabs or other whitespace', () => {
    expect(readScopes({ scope: 'photos.read\tphotos.write' })).toEqual([
      'photos.read\tphotos.write',
    ])
  })

  it('refuses any other type of scope or scp with invalid_token/bad_scope_claim', async () => {
    const bad = [
      { scope: ['photos.read'] },
      { scope: 1 },
      { scope: null },
      { scope: { read: true } },
      { scp: 1 },
      { scp: ['a', 1] },
      { scp: null },
      { scp: { a: 1 } },
    ]
    for (const claims of bad) {
      const verifier = make()
      const token = await mint(key, { iss: ISS, exp: nowSec() + 600, ...claims })
      expect(await outcome(verifier.verify(token))).toBe('invalid_token/bad_scope_claim')
    }
  })
})

describe('matching', () => {
  it('matches exact, case-sensitive whole scopes only', async () => {
    const { verifier, auth } = await authWith({ scope: 'photos.readonly Photos.Write photos' })
    expect(outcomeOf(() => verifier.requireScopes(auth, ['photos.read']))).toBe(
      'insufficient_scope/insufficient_scope',
    )
    expect(outcomeOf(() => verifier.requireScopes(auth, ['photos.write']))).toBe(
      'insufficient_scope/insufficient_scope',
    )
    expect(outcomeOf(() => verifier.requireScopes(auth, ['photos.readonly']))).toBe('accepted')
    expect(verifier.hasScopes(auth, ['photo'])).toBe(false)
  })

  it('does not grant the parts of a tab-joined scope', async () => {
    const { verifier, auth } = await authWith({ scope: 'photos.read\tphotos.write' })
    expect(verifier.hasScopes(auth, ['photos.read'])).toBe(false)
    expect(verifier.hasScopes(auth, ['photos.write'])).toBe(false)
  })

  it('requires every scope for all-of and one for any-of', async () => {
    const { verifier, auth } = await authWith({ scp: ['a', 'b'] })
    expect(outcomeOf(() => verifier.requireScopes(auth, ['a', 'b']))).toBe('accepted')
    expect(outcomeOf(() => verifier.requireScopes(auth, ['a', 'c']))).toBe(
      'insufficient_scope/insufficient_scope',
    )
    expect(outcomeOf(() => verifier.requireAnyScope(auth, ['c', 'b']))).toBe('accepted')
    expect(outcomeOf(() => verifier.requireAnyScope(auth, ['c', 'd']))).toBe(
      'insufficient_scope/insufficient_scope',
    )
    expect(verifier.hasScopes(auth, ['a', 'c'], 'any')).toBe(true)
    expect(verifier.hasScopes(auth, ['a', 'c'])).toBe(false)
    expect(verifier.hasScopes(undefined, [])).toBe(false)
  })

  it('names the required scopes in the 403 challenge: all of them, or the alternatives', async () => {
    const { verifier, auth } = await authWith({ scope: 'a' })
    const all = catchError(() => verifier.requireScopes(auth, ['a', 'b']))
    expect(all.status).toBe(403)
    expect(all.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="a b"',
    )
    const any = catchError(() => verifier.requireAnyScope(auth, ['c', 'd']))
    expect(any.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="c d"',
    )
  })

  it('answers 401 missing_token when there is no AuthInfo (optional authentication)', () => {
    const verifier = make()
    expect(outcomeOf(() => verifier.requireScopes(undefined, ['a']))).toBe(
      'missing_token/missing_token',
    )
    expect(outcomeOf(() => verifier.requireAnyScope(undefined, ['a']))).toBe(
      'missing_token/missing_token',
    )
  })

  it('accepts an empty all-of list (authenticated is enough)', async () => {
    const { verifier, auth } = await authWith({})
    expect(outcomeOf(() => verifier.requireScopes(auth, []))).toBe('accepted')
  })
})

describe('resource-server prefix', () => {
  it('needs the prefixed token scope; a bare scope in the token does not count', async () => {
    const prefixed = await authWith({ scope: `${RS}/photos.read` }, { resourceServer: RS })
    expect(outcomeOf(() => prefixed.verifier.requireScopes(prefixed.auth, ['photos.read']))).toBe(
      'accepted',
    )
    const bare = await authWith({ scope: 'photos.read' }, { resourceServer: RS })
    expect(outcomeOf(() => bare.verifier.requireScopes(bare.auth, ['photos.read']))).toBe(
      'insufficient_scope/insufficient_scope',
    )
    const other = await authWith(
      { scope: 'https://other.example.com/photos.read' },
      { resourceServer: RS },
    )
    expect(other.verifier.hasScopes(other.auth, ['photos.read'])).toBe(false)
  })

  it('lists the prefixed scopes in the challenge and accepts already-prefixed route scopes', async () => {
    const { verifier, auth } = await authWith(
      { scope: `${RS}/photos.read` },
      { resourceServer: RS },
    )
    expect(verifier.hasScopes(auth, [`${RS}/photos.read`])).toBe(true)
    expect(
      catchError(() => verifier.requireScopes(auth, ['photos.write'])).headers['WWW-Authenticate'],
    ).toBe(
      `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="${RS}/photos.write"`,
    )
  })

  it('prefixScope adds the prefix once', () => {
    expect(prefixScope('photos.read', RS)).toBe(`${RS}/photos.read`)
    expect(prefixScope(`${RS}/photos.read`, RS)).toBe(`${RS}/photos.read`)
    expect(prefixScope('photos.read', undefined)).toBe('photos.read')
  })
})

describe('per-method requirements', () => {
  const photos = { byMethod: { read: 'photos.read', write: ['photos.write'] } }

  it('maps read methods to the read scope and write methods to the write scope', async () => {
    const reader = await authWith({ scope: 'photos.read' })
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) {
      expect(outcomeOf(() => reader.verifier.checkScopes(reader.auth, photos, method))).toBe(
        'accepted',
      )
    }
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'delete']) {
      expect(outcomeOf(() => reader.verifier.checkScopes(reader.auth, photos, method))).toBe(
        'insufficient_scope/insufficient_scope',
      )
    }
    const writer = await authWith({ scope: 'photos.write' })
    expect(outcomeOf(() => writer.verifier.checkScopes(writer.auth, photos, 'POST'))).toBe(
      'accepted',
    )
    expect(outcomeOf(() => writer.verifier.checkScopes(writer.auth, photos, 'GET'))).toBe(
      'insufficient_scope/insufficient_scope',
    )
  })

  it('refuses a method the map does not cover, with no scope= to ask for', async () => {
    const { verifier, auth } = await authWith({ scope: 'photos.read photos.write' })
    const error = catchError(() =>
      verifier.checkScopes(auth, { byMethod: { read: 'photos.read' } }, 'DELETE'),
    )
    expect(error.status).toBe(403)
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope"',
    )
    expect(outcomeOf(() => verifier.checkScopes(auth, photos, 'TRACE'))).toBe(
      'insufficient_scope/insufficient_scope',
    )
  })

  it('lets an explicit method override read/write, and mode any pick one of several', async () => {
    const { verifier, auth } = await authWith({ scope: 'admin' })
    const requirement = {
      byMethod: { read: 'photos.read', DELETE: ['photos.write', 'admin'], PUT: undefined },
      mode: 'any' as const,
    }
    expect(outcomeOf(() => verifier.checkScopes(auth, requirement, 'DELETE'))).toBe('accepted')
    expect(outcomeOf(() => verifier.checkScopes(auth, requirement, 'GET'))).toBe(
      'insufficient_scope/insufficient_scope',
    )
    expect(outcomeOf(() => verifier.checkScopes(auth, { all: ['admin'] }))).toBe('accepted')
    expect(outcomeOf(() => verifier.checkScopes(auth, { any: ['x', 'admin'] }))).toBe('accepted')
  })

  it('needs the request method for a byMethod requirement (no silent GET)', async () => {
    const { verifier, auth } = await authWith({ scope: 'photos.read' })
    expect(() => verifier.checkScopes(auth, photos)).toThrow(TypeError)
  })

  it('compiles a requirement object once and reuses it', async () => {
    const { verifier, auth } = await authWith({ scope: 'photos.read' })
    const requirement = { byMethod: { read: 'photos.read' } }
    verifier.checkScopes(auth, requirement, 'GET')
    // Mutating the object after first use changes nothing: the compiled form is remembered.
    ;(requirement.byMethod as Record<string, string>).read = 'other'
    expect(outcomeOf(() => verifier.checkScopes(auth, requirement, 'GET'))).toBe('accepted')
  })
})

describe('malformed requirements', () => {
  it('throw ConfigurationError with a sentence, before looking at the token', () => {
    const bad: unknown[] = [
      null,
      {},
      { all: [''] },
      { all: ['photos read'] },
      { all: [1] },
      { any: [] },
      { all: undefined },
      { any: undefined },
      { all: { a: 1 } },
      { byMethod: 'photos.read' },
      { byMethod: { read: [1] } },
      { byMethod: { read: 'a' }, mode: 'some' },
    ]
    const verifier = make()
    for (const requirement of bad) {
      expect(() => verifier.checkScopes(undefined, requirement as never, 'GET')).toThrow(
        ConfigurationError,
      )
    }
    expect(() => compileRequirement({ all: ['a b'] }, undefined)).toThrow(/without whitespace/)
  })

  it('scopesSatisfy treats an empty all-of list as satisfied', () => {
    expect(scopesSatisfy([], { mode: 'all', required: [] })).toBe(true)
    expect(scopesSatisfy(['a'], { mode: 'any', required: ['b'] })).toBe(false)
  })
})

function catchError(run: () => unknown): { status: number; headers: Record<string, string> } {
  try {
    run()
  } catch (error) {
    return error as { status: number; headers: Record<string, string> }
  }
  throw new Error('expected an error')
}

export type { AuthInfo }
