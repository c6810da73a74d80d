/**
 * Client authentication of the resource server at the authorization server (RFC 6749 §2.3.1,
 * OpenID Connect Core §9): `client_secret_basic` (an `Authorization: Basic` header of the
 * form-encoded id and secret), `client_secret_post` (both in the body), `private_key_jwt` (a
 * fresh RFC 7523 client assertion per request, signed with the app's key).
 *
 * @module
 */
import type { JWK } from 'jose'
import type { IntrospectionClientAuthentication } from './introspection-options.js'

/** What a client authentication method needs. */
export interface ClientAuthSettings {
  method: IntrospectionClientAuthentication
  clientId: string
  clientSecret?: string | undefined
  privateKey?: CryptoKey | JWK | undefined
  assertionAlgorithm?: string | undefined
  assertionKeyId?: string | undefined
  /** The `aud` of client assertions (the issuer identifier). */
  assertionAudience: string
}

/** Headers and form parameters that authenticate one request. */
export interface ClientCredentials {
  headers: Record<string, string>
  params: Record<string, string>
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** Lifetime of a client assertion, in seconds. */
const ASSERTION_LIFETIME = 60

/** RFC 6749 Appendix B: `application/x-www-form-urlencoded` of one value (spaces as `+`). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}

/** Standard base64 of a string's UTF-8 bytes (no `Buffer` in the core). */
function base64(value: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** A random `jti`: 128 bits, hex. */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/**
 * Builds the client authentication of one request, once per settings object (the signing key is
 * imported once; each assertion is new, with its own `jti`).
 *
 * @throws Never at construction; the returned function rejects when the assertion cannot be
 * signed (a key that does not fit its algorithm).
 * @example
 * ```ts
 * const authenticate = clientAuthentication({ method: 'client_secret_basic', clientId: 'api', clientSecret: 's', assertionAudience: issuer })
 * const { headers, params } = await authenticate()
 * ```
 */
export function clientAuthentication(
  settings: ClientAuthSettings,
): () => ClientCredentials | Promise<ClientCredentials> {
  const { clientId, clientSecret = '' } = settings
  if (settings.method === 'client_secret_basic') {
    const credentials: ClientCredentials = {
      headers: {
        authorization: `Basic ${base64(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`,
      },
      params: {},
    }
    return () => credentials
  }
  if (settings.method === 'client_secret_post') {
    const credentials: ClientCredentials = {
      headers: {},
      params: { client_id: clientId, client_secret: clientSecret },
    }
    return () => credentials
  }
  const given = settings.privateKey as CryptoKey | JWK
  const alg = settings.assertionAlgorithm ?? (given as JWK).alg ?? ''
  const kid = settings.assertionKeyId ?? (given as JWK).kid
  let key: Promise<CryptoKey | Uint8Array> | undefined
  return async () => {
    // jose is loaded on first use: importing it costs every app ~30 ms of start-up, and only
    // private_key_jwt needs it on Node.
    const { importJWK, SignJWT } = await import('jose')
    key ??= isCryptoKey(given) ? Promise.resolve(given) : importJWK(given, alg)
    const now = Math.floor(Date.now() / 1000)
    const assertion = await new SignJWT({ jti: randomId() })
      .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(settings.assertionAudience)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME)
      .sign(await key)
    return {
      headers: {},
      params: {
        client_id: clientId,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
      },
    }
  }
}

function isCryptoKey(key: CryptoKey | JWK): key is CryptoKey {
  return typeof CryptoKey !== 'undefined' && key instanceof CryptoKey
}
