/**
 * One RFC 7662 introspection call: a form POST of the token with `token_type_hint=access_token`
 * and the client authentication, within the fetch limits (timeout, size cap, same-origin
 * redirects), and a strict reading of the answer: the right content type, a JSON object without
 * duplicate member names, and a boolean `active`. With RFC 9701 on, the answer must be a signed
 * JWT instead, checked by the caller's `readJwt`. Every failure is an
 * {@link IntrospectionFailure}: the endpoint's fault, never the client's.
 *
 * @module
 */
import type { ClientCredentials } from './client-auth.js'
import { fetchText, type FetchFailure, type FetchLimits } from './http-fetch.js'
import { parseJsonObject } from './strict-json.js'

/** An introspection response: a JSON object whose `active` is a boolean. */
export type IntrospectionResponse = Readonly<Record<string, unknown>> & { active: boolean }

/** The introspection endpoint could not give a usable answer. */
export class IntrospectionFailure extends Error {
  override readonly name = 'IntrospectionFailure'
  constructor(
    message: string,
    /** The endpoint's `Retry-After` in seconds, when it sent one. */
    readonly retryAfter?: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** What one call needs. */
export interface IntrospectionCallSettings {
  /** The endpoint URL (resolved through discovery when not configured). */
  endpoint: () => Promise<URL>
  limits: FetchLimits
  /** The client authentication of one request. */
  authenticate: () => ClientCredentials | Promise<ClientCredentials>
  /**
   * RFC 9701: reads a JWT-secured answer and returns its `token_introspection` member; absent,
   * plain JSON is asked for.
   */
  readJwt?: ((jwt: string) => Promise<Readonly<Record<string, unknown>>>) | undefined
}

const JSON_TYPE = /^application\/json\s*(;|$)/i
const JWT_TYPE = /^application\/token-introspection\+jwt\s*(;|$)/i

/**
 * Builds the function that introspects one token.
 *
 * @throws Never at construction; the function rejects with {@link IntrospectionFailure}.
 * @example
 * ```ts
 * const introspect = introspectionCall({ endpoint: () => Promise.resolve(url), limits, authenticate })
 * const result = await introspect(token) // { active: true, scope: '...', exp: ... }
 * ```
 */
export function introspectionCall(
  settings: IntrospectionCallSettings,
): (token: string) => Promise<IntrospectionResponse> {
  const { readJwt } = settings
  return async (token) => {
    let url: URL
    let credentials: ClientCredentials
    try {
      url = await settings.endpoint()
      credentials = await settings.authenticate()
    } catch (cause) {
      throw new IntrospectionFailure('the introspection request could not be prepared', undefined, {
        cause,
      })
    }
    const body = new URLSearchParams({
      token,
      token_type_hint: 'access_token',
      ...credentials.params,
    }).toString()
    let answer
    try {
      answer = await fetchText(url, settings.limits, {
        method: 'POST',
        headers: {
          ...credentials.headers,
          'content-type': 'application/x-www-form-urlencoded',
          accept:
            readJwt === undefined ? 'application/json' : 'application/token-introspection+jwt',
        },
        body,
      })
    } catch (cause) {
      const failure = cause as FetchFailure
      throw new IntrospectionFailure(failure.message, failure.retryAfter, { cause })
    }
    const type = answer.headers.get('content-type') ?? ''
    let result: Readonly<Record<string, unknown>> | undefined
    if (readJwt !== undefined) {
      if (!JWT_TYPE.test(type)) {
        throw new IntrospectionFailure(`${url.href} did not answer with a JWT-secured response`)
      }
      result = await readJwt(new TextDecoder().decode(answer.bytes).trim())
    } else {
      if (!JSON_TYPE.test(type)) {
        throw new IntrospectionFailure(`${url.href} did not answer with application/json`)
      }
      result = parseJsonObject(answer.bytes)
      if (result === undefined) {
        throw new IntrospectionFailure(`${url.href} did not send one strict JSON object`)
      }
    }
    if (typeof result.active !== 'boolean') {
      throw new IntrospectionFailure(`${url.href} sent no boolean "active"`)
    }
    return result as IntrospectionResponse
  }
}
