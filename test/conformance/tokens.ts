/**
 * The named tokens the conformance table refers to (`{read}`, `{expired}`, ...), minted on first
 * use per issuer from the run's keys, and the other values rows name the same way: the DPoP key
 * thumbprint and client certificate of sender-constrained rows. Nothing is written anywhere.
 */
import { testCertificates } from '../support/certificates.js'
import { dpopKey, type DpopKey } from '../support/dpop.js'
import { cognitoAccess, cognitoId, sign } from '../support/tokens.js'
import { testKeys } from '../support/keys.js'
import { READ, WRITE } from './app-spec.js'

/** The app client every Cognito variant accepts. */
export const CLIENT = 'client-a'
/** The API's resource identifier (also the OIDC variant's audience). */
export const API = 'https://api.example'
/** The resource-server identifier of the `prefixed` variant. */
export const RESOURCE_SERVER = 'https://photos.example.com'

/** The DPoP keys of a run: the client's (tokens are bound to it) and another client's. */
export interface DpopKeys {
  client: DpopKey
  other: DpopKey
}

let keys: Promise<DpopKeys> | undefined

/** The run's DPoP keys, generated on first use (ES256 and EdDSA). */
export function dpopKeys(): Promise<DpopKeys> {
  keys ??= Promise.all([dpopKey('ES256'), dpopKey('EdDSA')]).then(([client, other]) => ({
    client,
    other,
  }))
  return keys
}

const jktBound = async () => ({ cnf: { jkt: (await dpopKeys()).client.jkt } })
const certBound = async () => ({
  cnf: { 'x5t#S256': (await testCertificates()).client.thumbprint },
})

/** What each name mints (for the issuer of the row's variant). */
const recipes = {
  read: (iss) => access(iss, READ),
  write: (iss) => access(iss, WRITE),
  readWrite: (iss) => access(iss, `${READ} ${WRITE}`),
  noScope: async (iss) =>
    sign((await testKeys()).rsa, { iss, sub: CLIENT, client_id: CLIENT, token_use: 'access' }),
  lookalike: (iss) => access(iss, 'photos.readonly photos.read.all Photos.Read'),
  prefixedRead: (iss) => access(iss, `${RESOURCE_SERVER}/${READ}`),
  prefixedBoth: (iss) => access(iss, `${RESOURCE_SERVER}/${READ} ${RESOURCE_SERVER}/${WRITE}`),
  es256Read: async (iss) => sign((await testKeys()).ec, cognitoAccess(iss, CLIENT, READ)),
  expired: (iss) => access(iss, READ, { iat: 1_600_000_000, exp: 1_600_000_600 }),
  /** A genuine signature over another payload (more scopes, later expiry). */
  tampered: async (iss) => {
    const [header, , signature] = (await access(iss, READ)).split('.')
    const claims = cognitoAccess(iss, CLIENT, `${READ} ${WRITE}`, { exp: 4_000_000_000 })
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
    return `${header}.${payload}.${signature}`
  },
  /** Signed by an unpublished key under the published key's kid. */
  forged: async (iss) =>
    sign((await testKeys()).rogue, cognitoAccess(iss, CLIENT, READ), { kid: 'rsa-1' }),
  notYetValid: (iss) => access(iss, READ, { nbf: 4_000_000_000 }),
  /** `alg: none`, no signature. */
  unsigned: (iss) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const claims = cognitoAccess(iss, CLIENT, READ, { exp: 4_000_000_000 })
    return Promise.resolve(`${part({ alg: 'none', kid: 'rsa-1' })}.${part(claims)}.`)
  },
  /** A well-formed header over the size limit (9000 characters; the default limit is 8192). */
  oversized: async (iss) => {
    const [header, , signature] = (await access(iss, READ)).split('.')
    return `${header}.${'A'.repeat(9000)}.${signature}`
  },
  otherIssuer: (iss) => access(`${iss}x`, READ),
  otherClient: async (iss) => sign((await testKeys()).rsa, cognitoAccess(iss, 'client-b', READ)),
  idToken: async (iss) => sign((await testKeys()).rsa, cognitoId(iss, CLIENT)),
  idClientIdOnly: async (iss) =>
    sign((await testKeys()).rsa, cognitoId(iss, CLIENT, { aud: undefined, client_id: CLIENT })),
  idOtherAudience: async (iss) =>
    sign((await testKeys()).rsa, cognitoId(iss, 'client-b', { client_id: CLIENT })),
  idUntrustedAudience: async (iss) =>
    sign((await testKeys()).rsa, cognitoId(iss, CLIENT, { aud: [CLIENT, 'client-b'] })),
  unknownKid: async (iss) => sign((await testKeys()).rogue, cognitoAccess(iss, CLIENT, READ)),
  oidcRead: async (iss) =>
    sign((await testKeys()).rsa, {
      iss,
      sub: 'user-9',
      aud: API,
      client_id: 'oidc-client',
      scope: READ,
    }),
  oidcOtherAudience: async (iss) =>
    sign((await testKeys()).rsa, { iss, sub: 'user-9', aud: 'https://other.example', scope: READ }),
  /** Bound to the client's DPoP key (`cnf.jkt`, RFC 9449 §6). */
  dpopRead: async (iss) => access(iss, READ, await jktBound()),
  dpopWrite: async (iss) => access(iss, WRITE, await jktBound()),
  /** Bound to the client certificate (`cnf["x5t#S256"]`, RFC 8705 §3.1). */
  certRead: async (iss) => access(iss, READ, await certBound()),
  /** Bound to both: the DPoP key and the client certificate. */
  dpopCertRead: async (iss) =>
    access(iss, READ, { cnf: { ...(await jktBound()).cnf, ...(await certBound()).cnf } }),
  /** Not tokens: the values a row's expected binding or a proxy's header names. */
  clientJkt: async () => (await dpopKeys()).client.jkt,
  clientCertThumbprint: async () => (await testCertificates()).client.thumbprint,
  /** The RFC 9440 `Client-Cert` value a TLS-terminating proxy forwards for the client. */
  clientCertField: async () => (await testCertificates()).client.clientCertField,
  /** Opaque tokens: only the conformance introspection endpoint knows them. */
  opaqueRead: () => Promise.resolve(OPAQUE.read),
  opaqueReadWrite: () => Promise.resolve(OPAQUE.readWrite),
  opaqueRevoked: () => Promise.resolve(OPAQUE.revoked),
  opaqueOtherClient: () => Promise.resolve(OPAQUE.otherClient),
} satisfies Record<string, (issuer: string) => Promise<string>>

/** The opaque tokens of the `opaque` variant (random-looking, no dots). */
export const OPAQUE = {
  read: 'opq-read-Zx81kQ2aLp0vNc7R',
  readWrite: 'opq-rw-Tm4uYb9WqE2sHd6G',
  revoked: 'opq-revoked-Jk3nVf8PzA1oLx5C',
  otherClient: 'opq-other-Qe7rWs2XcB9mUy4D',
}

/**
 * What the conformance introspection endpoint answers for `token` (RFC 7662), for tokens of
 * `issuer`'s Cognito-style app client.
 *
 * @example
 * ```ts
 * introspectionAnswer(OPAQUE.read, issuer) // { active: true, client_id: 'client-a', ... }
 * ```
 */
export function introspectionAnswer(token: string, issuer: string): Record<string, unknown> {
  const scope = { [OPAQUE.read]: READ, [OPAQUE.readWrite]: `${READ} ${WRITE}` }[token]
  const active = (client: string, granted: string) => ({
    active: true,
    iss: issuer,
    sub: client,
    client_id: client,
    token_use: 'access',
    scope: granted,
    exp: Math.floor(Date.now() / 1000) + 600,
  })
  if (scope !== undefined) return active(CLIENT, scope)
  if (token === OPAQUE.otherClient) return active('client-b', READ)
  return { active: false }
}

/** A token name usable as `{name}` in a row's headers, query or body. */
export type TokenName = keyof typeof recipes

async function access(iss: string, scope: string, extra: Record<string, unknown> = {}) {
  return sign((await testKeys()).rsa, cognitoAccess(iss, CLIENT, scope, extra))
}

const minted = new Map<string, Promise<string>>()

/**
 * The token `name` for `issuer`, minted once.
 *
 * @throws Error for a name the catalogue does not know.
 * @example
 * ```ts
 * const token = await tokenFor('read', issuer.issuer)
 * ```
 */
export function tokenFor(name: string, issuer: string): Promise<string> {
  if (!Object.hasOwn(recipes, name)) throw new Error(`conformance: no token named {${name}}`)
  const key = `${issuer} ${name}`
  let token = minted.get(key)
  if (token === undefined) {
    token = recipes[name as TokenName](issuer)
    minted.set(key, token)
  }
  return token
}

/**
 * Replaces every `{name}` in `text` with the named token for `issuer`.
 *
 * @throws Error for an unknown name.
 * @example
 * ```ts
 * await fillTokens('Bearer {read}', issuer) // 'Bearer eyJ...'
 * ```
 */
export async function fillTokens(text: string, issuer: string): Promise<string> {
  let out = text
  for (const [placeholder, name] of text.matchAll(/\{(\w+)\}/g)) {
    out = out.replace(placeholder, await tokenFor(name as string, issuer))
  }
  return out
}
