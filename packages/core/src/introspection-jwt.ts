/**
 * RFC 9701 JWT-secured introspection responses: the answer is a JWS of type
 * `token-introspection+jwt`, signed with one of the issuer's keys (found through the verifier's
 * key-set cache), whose `iss` is the issuer, whose `aud` names this resource server's client id,
 * with an `iat`, and whose `token_introspection` member holds the RFC 7662 response. Anything else
 * is an {@link IntrospectionFailure}: a forged or broken answer is the channel's fault, not the
 * client's.
 *
 * @module
 */
import { backend } from '#crypto-backend'
import type { Algorithm } from './algorithms.js'
import { audienceOf } from './claims.js'
import { IntrospectionFailure } from './introspection-client.js'
import type { JwksCache } from './jwks-cache.js'
import { parseCompactJws, signingInputOf, type ParsedJws } from './jws-parser.js'
import { parseJsonObject } from './strict-json.js'

/** What a JWT-secured response is checked against. */
export interface IntrospectionJwtSettings {
  /** The issuer (`iss` of the response). */
  issuer: string
  /** This resource server's client id (must be in `aud`). */
  clientId: string
  /** The issuer's keys. */
  keys: JwksCache
  /** Accepted signature algorithms (the verifier's allowlist). */
  algorithms: ReadonlySet<Algorithm>
  /** Largest accepted response, in characters. */
  maxLength: number
}

const TYPES = new Set(['token-introspection+jwt', 'application/token-introspection+jwt'])

/**
 * Builds the reader of JWT-secured responses.
 *
 * @throws Never at construction; the reader rejects with {@link IntrospectionFailure}.
 * @example
 * ```ts
 * const readJwt = introspectionJwtReader({ issuer, clientId: 'api', keys, algorithms, maxLength: 16384 })
 * const response = await readJwt(body) // { active: true, ... }
 * ```
 */
export function introspectionJwtReader(
  settings: IntrospectionJwtSettings,
): (jwt: string) => Promise<Readonly<Record<string, unknown>>> {
  const refuse = (why: string, cause?: unknown): never => {
    throw new IntrospectionFailure(`the JWT-secured introspection response ${why}`, undefined, {
      cause,
    })
  }
  return async (jwt) => {
    let parsed: ParsedJws
    try {
      parsed = parseCompactJws(jwt, settings.maxLength, settings.algorithms)
    } catch (cause) {
      return refuse('is not an acceptable JWS', cause)
    }
    const typ = parsed.header.typ?.toLowerCase()
    if (typ === undefined || !TYPES.has(typ)) refuse('has the wrong typ')
    let valid: boolean
    try {
      const { key } = await settings.keys.getKey(parsed.header.kid, parsed.header.alg)
      valid = await backend.verify(parsed.header.alg, key, signingInputOf(parsed), parsed.signature)
    } catch (cause) {
      return refuse('cannot be checked: no fitting issuer key', cause)
    }
    if (!valid) refuse('has an invalid signature')
    const claims = parseJsonObject(parsed.payload)
    if (claims === undefined) return refuse('has a malformed payload')
    if (claims.iss !== settings.issuer) refuse('names another issuer')
    if (!audienceOf(claims).includes(settings.clientId)) refuse('is meant for another client')
    if (typeof claims.iat !== 'number') refuse('has no iat')
    const inner = claims.token_introspection
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
      return refuse('has no token_introspection object')
    }
    return inner as Readonly<Record<string, unknown>>
  }
}
