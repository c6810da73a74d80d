/**
 * The one Hono app every real runtime serves (workerd, Bun, Deno), bundled from the sources.
 *
 * | route | needs |
 * |---|---|
 * | GET /health | nothing; answers the runtime (`navigator.userAgent`) and the signature backend |
 * | GET /photos | `photos.read`, verified against the live loopback key server |
 * | POST /photos | `photos.write` |
 * | GET /offline/photos | `photos.read`, verified against an issuer whose key server is down |
 * | GET /dpop/photos | `photos.read` with DPoP (server nonces on): a DPoP-bound token and its proof |
 * | POST /wycheproof | nothing; runs the posted Wycheproof groups through the core's Web Crypto
 * backend in this runtime and answers each vector's outcome (test/security/verify-jws.ts) |
 */
import { Hono } from 'hono'
import { authenticate, createVerifier, requireScopes, type VerifierOptions } from '@scopeguard/hono'
import { backend as webCrypto } from '../../packages/core/src/crypto/webcrypto-backend.js'
import { publicKeySet, verifyJws } from '../security/verify-jws.js'
import type { Group } from '../security/wycheproof-vectors.js'

/** The public origin of the DPoP route: proofs name it, whatever host the runtime listens on. */
export const DPOP_ORIGIN = 'https://api.runtime.example'

/** What the test hands the runtime (worker bindings, or a JSON command-line argument). */
export interface RuntimeAppConfig {
  /** The live loopback issuer (`http://127.0.0.1:PORT/<pool>`). */
  ISSUER: string
  /** An issuer whose key server is closed. */
  OFFLINE_ISSUER: string
  /** The app client tokens must be issued to. */
  CLIENT_ID: string
}

/**
 * Builds the app; call it once per isolate or process (each verifier owns its key cache).
 *
 * @example
 * ```ts
 * export default { fetch: (request, env) => (app ??= createRuntimeApp(env)).fetch(request) }
 * ```
 */
export function createRuntimeApp(config: RuntimeAppConfig): Hono {
  const base = { clientId: config.CLIENT_ID, tokenUse: 'access' } satisfies Partial<VerifierOptions>
  const verifier = createVerifier({ ...base, issuer: config.ISSUER, jwksCache: { timeout: 3 } })
  const offline = createVerifier({
    ...base,
    issuer: config.OFFLINE_ISSUER,
    jwksCache: { timeout: 1, retryDelay: 0 },
  })
  // DPoP with server nonces: proofs, thumbprints, `ath` and nonce HMACs on this runtime's crypto.
  const dpop = createVerifier({
    ...base,
    issuer: config.ISSUER,
    dpop: { publicOrigin: DPOP_ORIGIN, nonceSecrets: ['runtime-nonce-secret-of-32-chars!!'] },
  })
  const answer = (c: { var: { auth?: { subject?: string; scopes: readonly string[] } } }) => ({
    sub: c.var.auth?.subject,
    scopes: c.var.auth?.scopes,
  })
  const app = new Hono()
  app.get('/health', (c) =>
    c.json({ runtime: globalThis.navigator?.userAgent ?? 'unknown', backend: verifier.backend }),
  )
  app.get('/photos', authenticate(verifier), requireScopes('photos.read'), (c) => c.json(answer(c)))
  app.post('/photos', authenticate(verifier), requireScopes('photos.write'), (c) =>
    c.json(answer(c), 201),
  )
  app.get('/offline/photos', authenticate(offline), requireScopes('photos.read'), (c) =>
    c.json(answer(c)),
  )
  app.get('/dpop/photos', authenticate(dpop), requireScopes('photos.read'), (c) =>
    c.json({ ...answer(c), scheme: c.var.auth?.scheme, jkt: c.var.auth?.binding?.jkt }),
  )
  app.post('/wycheproof', async (c) => {
    const { groups } = await c.req.json<{ groups: Group[] }>()
    const outcomes: string[][] = []
    for (const group of groups) {
      const keys = publicKeySet(group.public ?? group.private)
      const row: string[] = []
      for (const vector of group.tests) row.push(await verifyJws(vector.jws, keys, webCrypto))
      outcomes.push(row)
    }
    return c.json({ outcomes })
  })
  return app
}
