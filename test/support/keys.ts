/**
 * The signing keys of a test run: generated once per test file (module state), shared by every
 * suite that imports them, never written anywhere.
 */
import { signingKey, type SigningKey } from './tokens.js'

/** The keys a loopback issuer publishes (`rsa`, `ec`) and one it never publishes (`rogue`). */
export interface TestKeys {
  /** RS256, kid `rsa-1`: Cognito's algorithm. */
  rsa: SigningKey
  /** ES256, kid `ec-1`. */
  ec: SigningKey
  /** RS256, kid `rogue`: not in any key set (unknown kid, or a forged signature). */
  rogue: SigningKey
}

let generated: Promise<TestKeys> | undefined

/**
 * The run's keys, generated on first use and shared by every suite of the test file.
 *
 * @example
 * ```ts
 * const { rsa, ec } = await testKeys()
 * const issuer = await startIssuer([rsa.jwk, ec.jwk])
 * ```
 */
export function testKeys(): Promise<TestKeys> {
  generated ??= Promise.all([
    signingKey('RS256', 'rsa-1'),
    signingKey('ES256', 'ec-1'),
    signingKey('RS256', 'rogue'),
  ]).then(([rsa, ec, rogue]) => ({ rsa, ec, rogue }))
  return generated
}
