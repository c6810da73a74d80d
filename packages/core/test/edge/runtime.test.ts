import { describe, expect, it } from 'vitest'
import { createVerifier } from '../../src/index.js'

describe('the core on an edge runtime', () => {
  it('runs without node: modules and picks the Web Crypto backend', () => {
    expect(typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime).toBe('string')
    const verifier = createVerifier({
      issuer: 'https://issuer.example',
      audience: 'api',
      jwks: { keys: [] },
    })
    expect(verifier.backend).toBe('webcrypto')
  })
})
