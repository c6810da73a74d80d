import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createVerifier,
  isVerifier,
  toVerifier,
  useVerifier,
} from '../src/index.js'

const options = { issuer: 'https://issuer.example', audience: 'api', jwks: { keys: [] } }

describe('isVerifier and toVerifier', () => {
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
    expect(toVerifier(verifier)).toBe(verifier)
    const built = toVerifier(options)
    expect(isVerifier(built)).toBe(true)
    expect(built).not.toBe(verifier)
  })

  it('fails at once for invalid options', () => {
    expect(() => toVerifier({ issuer: 'https://issuer.example' })).toThrow(ConfigurationError)
  })

  it('keeps the deprecated name useVerifier working the same way', () => {
    const verifier = createVerifier(options)
    expect(useVerifier(verifier)).toBe(verifier)
    expect(isVerifier(useVerifier(options))).toBe(true)
    expect(() => useVerifier({ issuer: 'https://issuer.example' })).toThrow(ConfigurationError)
  })
})
