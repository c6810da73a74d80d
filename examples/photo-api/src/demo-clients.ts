/**
 * The development issuer's two demo app clients, shared by the issuer, the walk-through and the
 * DPoP client script.
 *
 * @module
 */

/** A demo app client of the development issuer. */
export interface DemoClient {
  /** `client_id`. */
  id: string
  /** `client_secret` (a public demo value: the issuer only listens on loopback). */
  secret: string
  /** The scopes it may get, unprefixed. */
  scopes: readonly string[]
}

/** The demo clients: one that may read and write, one that may only read. */
export const DEMO_CLIENTS = {
  writer: {
    id: 'photo-demo-client',
    secret: 'photo-demo-secret',
    scopes: ['photos.read', 'photos.write'],
  },
  reader: { id: 'photo-demo-reader', secret: 'photo-demo-reader-secret', scopes: ['photos.read'] },
} as const satisfies Record<string, DemoClient>
