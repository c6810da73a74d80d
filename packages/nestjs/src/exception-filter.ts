/**
 * The one place the Nest adapter answers errors: an `OAuthError` leaves with its status and its
 * headers (`WWW-Authenticate`, or `Retry-After` on 503) on both HTTP platforms, like every other
 * scopeguard adapter. Without it, Nest's own handler sends the error's status (an `OAuthError`
 * has a numeric `statusCode`) with a `{ statusCode, message }` body but drops the headers: no
 * `WWW-Authenticate` challenge, no `Retry-After`.
 *
 * @module
 */
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import { OAuthError } from '@scopeguard/core'

/** The JSON body sent with an `OAuthError` (Nest's usual error shape). */
export interface OAuthErrorBody {
  statusCode: number
  /** The OAuth error code: `invalid_token`, `insufficient_scope`, ... */
  error: string
  /** The fixed sentence for the reason (never a token or claim value); generic for 503. */
  message: string
}

interface FastifyLikeReply {
  code(status: number): FastifyLikeReply
  headers(values: Record<string, string>): FastifyLikeReply
  send(body: unknown): unknown
}

interface ExpressLikeResponse {
  status(status: number): ExpressLikeResponse
  set(values: Record<string, string>): ExpressLikeResponse
  json(body: unknown): unknown
}

function isFastifyReply(response: object): response is FastifyLikeReply {
  const reply = response as Partial<FastifyLikeReply>
  return typeof reply.code === 'function' && typeof reply.headers === 'function'
}

/**
 * Sets response headers on either platform's response (Fastify's reply or Express's response):
 * the error's headers here, a fresh DPoP nonce from the guard.
 */
export function setResponseHeaders(
  response: object,
  headers: Readonly<Record<string, string>>,
): void {
  if (isFastifyReply(response)) response.headers({ ...headers })
  else (response as ExpressLikeResponse).set({ ...headers })
}

/**
 * Renders an `OAuthError`'s body.
 *
 * @example
 * ```ts
 * oauthErrorBody(error) // { statusCode: 401, error: 'invalid_token', message: 'The access token expired' }
 * ```
 */
export function oauthErrorBody(error: OAuthError): OAuthErrorBody {
  return {
    statusCode: error.status,
    error: error.code,
    message: error.expose ? error.message : 'Service Unavailable',
  }
}

/**
 * Sends every `OAuthError` with its status, headers and a JSON body. `ScopeguardModule` registers
 * it as a global filter (`APP_FILTER`) unless `exceptionFilter: false`; a catch-all filter of your
 * own registered with `app.useGlobalFilters()` takes precedence (send `error.status` and
 * `error.headers` there too).
 *
 * @throws Nothing.
 * @example
 * ```ts
 * app.useGlobalFilters(new ScopeguardExceptionFilter())
 * ```
 */
@Catch(OAuthError)
export class ScopeguardExceptionFilter implements ExceptionFilter<OAuthError> {
  catch(error: OAuthError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<object>()
    const body = oauthErrorBody(error)
    setResponseHeaders(response, error.headers)
    if (isFastifyReply(response)) response.code(error.status).send(body)
    else (response as ExpressLikeResponse).status(error.status).json(body)
  }
}
