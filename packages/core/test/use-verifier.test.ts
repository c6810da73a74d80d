import { describe, expect, it } from 'vitest'
import { ConfigurationError, createVerifier, isVerifier, useVerifier } from '../src/index.js'

const options = { issuer: 'https://issuer.example', audience: 'api', jwks: { keys: [] } }

describe('isVerifier and useVerifier', () => {
  it('tells a real verifier from options and look-alike objects', () => {
    const verifier = createVerifier(options)
    expect(isVerifier(verifier)).toBe(true)
    expect(isVerifier({ ...verifier })).toBe(false)
    expect(isVerifier(options)).toBe(false)
    expect(isVerifier(null)).toBe(false)
    expect(isVerifier('verifier')).toBe(false)
  })

  it('shares a given verifier and builds one from options', () => {
    const verifier = createVerifier(options)
    expect(useVerifier(verifier)).toBe(verifier)
    const built = useVerifier(options)
    expect(isVerifier(built)).toBe(true)
    expect(built).not.toBe(verifier)
  })

  it('fails at once for invalid options', () => {
    expect(() => useVerifier({ issuer: 'https://issuer.example' })).toThrow(ConfigurationError)
  })
})
