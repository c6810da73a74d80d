/**
 * One error answer for every server: OAuth errors keep the core's status and headers unchanged;
 * photo errors and the frameworks' own body-size errors become the same small JSON body.
 *
 * @module
 */
import { isOAuthError } from '@scopeguard/core'
import { isPhotoError, type PhotoErrorKind } from '../domain/errors.js'

/** What a server sends for an error. */
export interface ErrorAnswer {
  /** HTTP status. */
  status: number
  /** Headers to send unchanged (the core's `WWW-Authenticate` / `Retry-After`). */
  headers: Readonly<Record<string, string>>
  /** JSON body: `{ error, message }`. */
  body: { error: string; message: string }
}

const FRAMEWORK_KINDS: Readonly<Record<number, PhotoErrorKind>> = {
  413: 'payload_too_large',
  415: 'unsupported_media_type',
}

/**
 * The answer for an error thrown by a route, a guard or a framework's body reader. Anything
 * unexpected is a 500 with a generic message (the caller logs it).
 *
 * @throws Never.
 * @example
 * ```ts
 * const { status, headers, body } = errorAnswer(err)
 * res.status(status).set(headers).json(body)
 * ```
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (isOAuthError(error)) {
    const message = error.expose ? error.message : 'The service is temporarily unavailable'
    return { status: error.status, headers: error.headers, body: { error: error.code, message } }
  }
  if (isPhotoError(error)) return { status: error.status, headers: {}, body: error.toJSON() }
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown }
  const code = typeof status === 'number' ? status : statusCode
  if (code === 413) {
    return {
      status: 413,
      headers: {},
      body: { error: 'payload_too_large', message: 'A photo may be at most 5 MB' },
    }
  }
  if (typeof code === 'number' && code >= 400 && code < 500) {
    const error = FRAMEWORK_KINDS[code] ?? (code === 404 ? 'not_found' : 'bad_request')
    return { status: code, headers: {}, body: { error, message: 'The request could not be read' } }
  }
  return {
    status: 500,
    headers: {},
    body: { error: 'internal_error', message: 'Internal server error' },
  }
}
