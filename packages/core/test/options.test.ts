import { describe, expect, it } from 'vitest'
import { ConfigurationError, createVerifier, type VerifierOptions } from '../src/index.js'
import { normalizeOptions } from '../src/normalize-options.js'

const ISS = 'https://issuer.example'
const base = { issuer: ISS, audience: 'api', jwks: { keys: [] } }

/** The message createVerifier throws for `options`, asserting it is a ConfigurationError. */
function mistake(options: unknown): string {
  try {
    createVerifier(options as VerifierOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message.startsWith('scopeguard: ')).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a ConfigurationError')
}

describe('option validation at construction', () => {
  it('needs an options object and an issuer', () => {
    expect(mistake(undefined)).toMatch(/needs an options object/)
    expect(mistake({ audience: 'api' })).toMatch(/"issuer" is required/)
    expect(mistake({ ...base, issuer: '' })).toMatch(/"issuer" must be a non-empty string/)
    expect(mistake({ ...base, issuer: [] })).toMatch(/"issuer" must be a non-empty string/)
    expect(mistake({ ...base, issuer: 42 })).toMatch(/"issuer" must be/)
  })

  it('needs audience unless clientId is set, and accepts an explicit null', () => {
    expect(mistake({ issuer: ISS, jwks: { keys: [] } })).toMatch(
      /"audience" is required unless "clientId" is set; pass audience: null/,
    )
    expect(mistake({ issuer: ISS, clientId: null, jwks: { keys: [] } })).toMatch(
      /"audience" is required/,
    )
    expect(mistake({ ...base, audience: [''] })).toMatch(/"audience" must be/)
    expect(mistake({ ...base, clientId: [] })).toMatch(/"clientId" must be/)
    expect(() => createVerifier({ ...base, audience: null })).not.toThrow()
    expect(() => createVerifier({ issuer: ISS, clientId: 'app', jwks: { keys: [] } })).not.toThrow()
  })

  it('checks tokenUse, algorithms and typ', () => {
    expect(mistake({ ...base, tokenUse: 'refresh' })).toMatch(
      /"tokenUse" must be "access", "id" or null/,
    )
    expect(mistake({ ...base, algorithms: [] })).toMatch(/"algorithms" must be a non-empty array/)
    expect(mistake({ ...base, algorithms: 'RS256' })).toMatch(
      /"algorithms" must be a non-empty array/,
    )
    expect(mistake({ ...base, algorithms: ['HS256'] })).toMatch(
      /algorithm "HS256" is not supported; use some of RS256, .*HMAC and "none" are never accepted/,
    )
    expect(mistake({ ...base, algorithms: ['none'] })).toMatch(/algorithm "none" is not supported/)
    expect(mistake({ ...base, typ: '' })).toMatch(/"typ" must be a non-empty string/)
    expect(mistake({ ...base, typ: 5 })).toMatch(/"typ"/)
  })

  it('checks resourceServer, requiredClaims, validators and realm', () => {
    expect(mistake({ ...base, resourceServer: 'https://photos.example.com/' })).toMatch(
      /"resourceServer" must be the resource-server identifier without a trailing slash/,
    )
    expect(mistake({ ...base, resourceServer: '' })).toMatch(/"resourceServer"/)
    expect(mistake({ ...base, requiredClaims: 'sub' })).toMatch(/"requiredClaims" must be an array/)
    expect(mistake({ ...base, requiredClaims: [1] })).toMatch(/"requiredClaims"/)
    expect(mistake({ ...base, validators: [() => true, 'x'] })).toMatch(
      /"validators" must be an array of functions/,
    )
    expect(mistake({ ...base, validators: () => true })).toMatch(/"validators"/)
    expect(mistake({ ...base, realm: 1 })).toMatch(/"realm" must be a string/)
  })

  it('checks numbers: tolerance, token age, token length and cache sizes', () => {
    expect(mistake({ ...base, clockTolerance: -1 })).toMatch(
      /"clockTolerance" must be a finite number of seconds, 0 or more/,
    )
    expect(mistake({ ...base, clockTolerance: '5s' })).toMatch(/"clockTolerance"/)
    expect(mistake({ ...base, maxTokenAge: Infinity })).toMatch(/"maxTokenAge"/)
    expect(mistake({ ...base, maxTokenLength: 0 })).toMatch(
      /"maxTokenLength" must be a whole number, 1 or more/,
    )
    expect(mistake({ ...base, maxTokenLength: 10.5 })).toMatch(/"maxTokenLength"/)
    expect(mistake({ ...base, tokenCache: { maxEntries: -1 } })).toMatch(
      /"tokenCache.maxEntries" must be a whole number, 0 or more/,
    )
    expect(mistake({ ...base, jwksCache: { cooldown: -5 } })).toMatch(/"jwksCache.cooldown"/)
    expect(mistake({ ...base, jwksCache: { timeout: 0 } })).toMatch(
      /"jwksCache.timeout" must be more than 0/,
    )
    expect(mistake({ ...base, jwksCache: { maxResponseBytes: 0 } })).toMatch(
      /"jwksCache.maxResponseBytes"/,
    )
    expect(mistake({ ...base, jwksCache: { minMaxAge: 100, maxMaxAge: 10 } })).toMatch(
      /"jwksCache.minMaxAge" must not be larger than "jwksCache.maxMaxAge"/,
    )
    expect(mistake({ ...base, jwksCache: 5 })).toMatch(/"jwksCache" must be an object/)
  })

  it('checks transports', () => {
    expect(mistake({ ...base, transports: 'header' })).toMatch(
      /"transports" must be a non-empty array/,
    )
    expect(mistake({ ...base, transports: [] })).toMatch(/"transports" must be a non-empty array/)
    expect(mistake({ ...base, transports: ['cookie'] })).toMatch(
      /transport "cookie" is unknown; use "header", "query" or "body"/,
    )
  })

  it('checks per-issuer jwksUri and jwks', () => {
    const two = { issuer: [ISS, 'https://b.example'], audience: 'api' }
    expect(mistake({ ...two, jwksUri: `${ISS}/keys` })).toMatch(
      /"jwksUri" must be an object keyed by issuer/,
    )
    expect(mistake({ ...two, jwks: { keys: [] } })).toMatch(
      /"jwks" must be an object keyed by issuer/,
    )
    expect(mistake({ ...two, jwksUri: { 'https://c.example': 'https://c.example/k' } })).toMatch(
      /"jwksUri" names "https:\/\/c.example", which is not a configured issuer/,
    )
    expect(mistake({ ...two, jwksUri: { [ISS]: 5 } })).toMatch(
      /"jwksUri" for "https:\/\/issuer.example" must be a URL string or null/,
    )
    expect(mistake({ ...two, jwks: { [ISS]: { keys: 'x' } } })).toMatch(
      /"jwks" for .* must be a JSON Web Key Set/,
    )
    expect(mistake({ ...base, jwksUri: 5 })).toMatch(
      /"jwksUri" must be a URL string or null, or an object with one per issuer/,
    )
  })

  it('checks key-set URLs and discovery issuers against the https rule', () => {
    expect(mistake({ issuer: ISS, audience: 'api', jwksUri: 'http://keys.example/jwks' })).toMatch(
      /the key-set URL http:\/\/keys.example\/jwks uses plain http on a non-loopback host \(use https, or set allowInsecureHttp: true\)/,
    )
    expect(mistake({ issuer: ISS, audience: 'api', jwksUri: 'keys' })).toMatch(
      /is not an absolute URL/,
    )
    expect(mistake({ issuer: 'http://issuer.example', audience: 'api' })).toMatch(
      /issuer http:\/\/issuer.example cannot be used for discovery: it uses plain http.*or set "jwksUri"/,
    )
    expect(mistake({ issuer: ISS, audience: 'api', jwksUri: null })).toMatch(
      /jwksUri is null for .* but no "jwks" keys are given/,
    )
    expect(() =>
      createVerifier({ issuer: ISS, audience: 'api', jwksUri: 'http://127.0.0.1:9/k' }),
    ).not.toThrow()
    expect(() =>
      createVerifier({
        issuer: ISS,
        audience: 'api',
        jwksUri: 'http://keys.example/k',
        allowInsecureHttp: true,
      }),
    ).not.toThrow()
  })

  it('checks resourceMetadata', () => {
    expect(mistake({ ...base, resourceMetadata: 'https://api.example' })).toMatch(
      /"resourceMetadata" must be an object/,
    )
    expect(mistake({ ...base, resourceMetadata: { resource: 'api' } })).toMatch(
      /"resourceMetadata.resource" must be an absolute URL/,
    )
    expect(
      mistake({ ...base, resourceMetadata: { resource: 'https://api.example', url: '/x' } }),
    ).toMatch(/"resourceMetadata.url" must be an absolute URL/)
    expect(
      mistake({
        ...base,
        resourceMetadata: { resource: 'https://api.example', scopesSupported: 'a' },
      }),
    ).toMatch(/"resourceMetadata.scopesSupported"/)
    expect(
      mistake({ ...base, resourceMetadata: { resource: 'https://api.example', extra: [] } }),
    ).toMatch(/"resourceMetadata.extra" must be an object/)
  })

  it('checks fetch', () => {
    expect(mistake({ ...base, fetch: 'curl' })).toMatch(/pass one as the "fetch" option/)
  })

  it('fills in the documented defaults', () => {
    const normalized = normalizeOptions({ issuer: [ISS, ISS], audience: 'api' })
    expect(normalized.issuers).toEqual([ISS])
    expect([...normalized.algorithms]).toEqual(['RS256', 'ES256', 'EdDSA', 'Ed25519'])
    expect([...normalized.transports]).toEqual(['header'])
    expect(normalized.rules).toMatchObject({
      clockToleranceSec: 5,
      maxTokenAgeSec: null,
      tokenUse: null,
      types: null,
      clientIds: null,
      requiredClaims: [],
    })
    expect(normalized.maxTokenLength).toBe(8192)
    expect(normalized.tokenCache).toEqual({ maxEntries: 1000 })
    expect(normalized.jwksCache).toEqual({
      timeout: 5,
      cooldown: 10,
      maxAge: 600,
      minMaxAge: 60,
      maxMaxAge: 86400,
      staleIfError: 86400,
      retryDelay: 5,
      maxResponseBytes: 65536,
    })
    expect(normalized.realm).toBeUndefined()
    expect(normalized.allowInsecureHttp).toBe(false)
    expect(normalizeOptions({ issuer: ISS, audience: 'api', tokenCache: false }).tokenCache).toBe(
      false,
    )
  })
})
