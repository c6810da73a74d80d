/**
 * A Cognito-style key server for unit tests, served through msw (no socket): one signing key,
 * a fetch counter and a switch that makes the key-set URL fail. Call it at the top of a test file;
 * it registers its own `beforeAll` / `afterEach` / `afterAll` hooks.
 */
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { cognitoAccess, sign, signingKey, type SigningAlg, type SigningKey } from './tokens.js'

export interface MswIssuer {
  /** `https://cognito-idp.eu-west-1.amazonaws.com/<poolId>` */
  readonly issuer: string
  /** The signing key (available once `beforeAll` ran). */
  readonly key: SigningKey
  /** Key-set requests received. */
  readonly hits: number
  /** While true the key-set URL answers `status` (default 500); reset after each test. */
  down: boolean
  /** A Cognito access token for app client `app` with `scope`. */
  token(scope: string): Promise<string>
}

/**
 * Serves `<issuer>/.well-known/jwks.json` with one fresh `alg` key.
 *
 * @example
 * ```ts
 * const idp = mswIssuer('eu-west-1_Express', 'RS256')
 * const verifier = createVerifier({ issuer: idp.issuer, clientId: 'app', tokenUse: 'access' })
 * ```
 */
export function mswIssuer(poolId: string, alg: SigningAlg, status = 500): MswIssuer {
  const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${poolId}`
  let key: SigningKey | undefined
  let hits = 0
  const state = {
    issuer,
    down: false,
    get key() {
      if (key === undefined) throw new Error('mswIssuer: the key exists once beforeAll ran')
      return key
    },
    get hits() {
      return hits
    },
    token: (scope: string) => sign(state.key, cognitoAccess(issuer, 'app', scope)),
  }
  const server = setupServer(
    http.get(`${issuer}/.well-known/jwks.json`, () => {
      hits++
      return state.down
        ? new HttpResponse(null, { status })
        : HttpResponse.json({ keys: [state.key.jwk] })
    }),
  )
  beforeAll(async () => {
    key = await signingKey(alg, 'k1')
    server.listen({ onUnhandledRequest: 'bypass' })
  })
  afterEach(() => {
    state.down = false
  })
  afterAll(() => server.close())
  return state
}
