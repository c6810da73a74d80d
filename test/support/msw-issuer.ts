/**
 * Key sets over HTTP for unit tests, served through msw (no socket): endpoints whose keys and
 * failures a test switches, with a request counter, and a Cognito-style issuer for the adapters'
 * tests. Integration tests use the loopback server of `issuer-server.ts` instead.
 */
import type { JWK } from 'jose'
import { http, HttpResponse } from 'msw'
import { setupServer, type SetupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { cognitoAccess, sign, signingKey, type SigningAlg, type SigningKey } from './tokens.js'

/** A key-set URL whose answer tests change, counting its requests. */
export interface JwksEndpoint {
  url: string
  keys: JWK[]
  hits: number
  /** Status to answer with instead of the key set (e.g. 500), or undefined for 200. */
  failWith: number | undefined
}

/** A fresh endpoint serving `keys` (none until a test publishes some). */
export function jwksEndpoint(url: string, keys: JWK[] = []): JwksEndpoint {
  return { url, keys, hits: 0, failWith: undefined }
}

/**
 * Serves the endpoints through msw for the calling test file: listens in `beforeAll`, closes in
 * `afterAll`. Requests to anything else fail the test unless `unhandled` is `'bypass'` (tests that
 * also make real loopback requests).
 *
 * @example
 * ```ts
 * const jwks = jwksEndpoint('https://issuer.example/keys')
 * serveJwks([jwks])
 * ```
 */
export function serveJwks(
  endpoints: JwksEndpoint[],
  unhandled: 'error' | 'bypass' = 'error',
): SetupServer {
  const server = setupServer(
    ...endpoints.map((endpoint) =>
      http.get(endpoint.url, () => {
        endpoint.hits++
        if (endpoint.failWith !== undefined) {
          return new HttpResponse(null, { status: endpoint.failWith })
        }
        return HttpResponse.json({ keys: endpoint.keys })
      }),
    ),
  )
  beforeAll(() => server.listen({ onUnhandledRequest: unhandled }))
  afterAll(() => server.close())
  return server
}

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
 * A Cognito-style issuer publishing one fresh `alg` key at `<issuer>/.well-known/jwks.json`, for
 * the adapters' tests (real loopback requests pass through). Call it at the top of a test file.
 *
 * @example
 * ```ts
 * const idp = mswIssuer('eu-west-1_Express', 'RS256')
 * const verifier = createVerifier({ issuer: idp.issuer, clientId: 'app', tokenUse: 'access' })
 * ```
 */
export function mswIssuer(poolId: string, alg: SigningAlg, status = 500): MswIssuer {
  const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${poolId}`
  const jwks = jwksEndpoint(`${issuer}/.well-known/jwks.json`)
  let key: SigningKey | undefined
  serveJwks([jwks], 'bypass')
  beforeAll(async () => {
    key = await signingKey(alg, 'k1')
    jwks.keys = [key.jwk]
  })
  afterEach(() => {
    jwks.failWith = undefined
  })
  const state: MswIssuer = {
    issuer,
    get key() {
      if (key === undefined) throw new Error('mswIssuer: the key exists once beforeAll ran')
      return key
    },
    get hits() {
      return jwks.hits
    },
    get down() {
      return jwks.failWith !== undefined
    },
    set down(value: boolean) {
      jwks.failWith = value ? status : undefined
    },
    token: (scope: string) => sign(state.key, cognitoAccess(issuer, 'app', scope)),
  }
  return state
}
