/**
 * Finds the bearer token of a request (RFC 6750 section 2): the `Authorization` header (scheme
 * case-insensitive), and, only when enabled, the `access_token` query parameter or form-encoded
 * body member. A token sent two ways, or two `Authorization` headers, is a malformed request.
 *
 * @module
 */

/** Header values as Node's `req.headersDistinct` holds them (arrays for repeated headers). */
export type RequestHeaders = Record<string, string | readonly string[] | undefined>

/** The parts of an HTTP request the verifier reads. */
export interface AuthRequest {
  /** The HTTP method (used by per-method scope maps and the body transport). */
  method?: string | undefined
  /** The request target (path and query), used for the query transport when `query` is absent. */
  url?: string | undefined
  /** The request headers; lower-case names, repeated headers as arrays. */
  headers: RequestHeaders
  /** Parsed query parameters, if the framework has them. */
  query?: unknown
  /** The parsed body, if the framework has it. */
  body?: unknown
}

/** A way a bearer token may travel. */
export type TokenTransport = 'header' | 'query' | 'body'

/**
 * What was found: a token, no bearer credentials (`missing`: answer with the bare 401), or a
 * malformed request (`invalid`: answer 400 `invalid_request` with this reason).
 */
export type BearerResult =
  { token: string } | { missing: true } | { invalid: 'invalid_request' | 'duplicate_credentials' }

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const BEARER = /^bearer(?: +(.*))?$/i

/** Every value of a header, whatever the case of its name(s) in `headers`. */
function headerValues(headers: RequestHeaders | undefined, name: string): readonly string[] {
  if (headers === undefined || headers === null) return []
  const values: string[] = []
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue
    const value = headers[key]
    if (typeof value === 'string') values.push(value)
    else if (Array.isArray(value)) values.push(...(value as string[]))
  }
  return values
}

function queryToken(request: AuthRequest): readonly string[] {
  const query = request.query
  if (query instanceof URLSearchParams) return query.getAll('access_token')
  if (typeof query === 'object' && query !== null) {
    const value = (query as Record<string, unknown>).access_token
    if (value === undefined) return []
    if (typeof value === 'string') return [value]
    return Array.isArray(value) ? value.map(String) : ['']
  }
  const url = request.url
  const start = url?.indexOf('?') ?? -1
  if (url === undefined || start === -1) return []
  return new URLSearchParams(url.slice(start + 1)).getAll('access_token')
}

function bodyToken(request: AuthRequest): readonly string[] {
  const method = (request.method ?? 'GET').toUpperCase()
  if (method === 'GET' || method === 'HEAD') return []
  const type = headerValues(request.headers, 'content-type')[0] ?? ''
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return []
  const body = request.body
  if (typeof body !== 'object' || body === null) return []
  const value = (body as Record<string, unknown>).access_token
  if (value === undefined) return []
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.map(String) : ['']
}

/**
 * Extracts the bearer token of a request. Only the enabled transports are read: with the query
 * transport off, an `access_token` query parameter is not looked at (the request then counts as
 * carrying no credentials). A header with another scheme (`Basic ...`) is no bearer credential.
 *
 * @throws Never: malformed requests are reported as `{ invalid }`.
 * @example
 * ```ts
 * extractBearer({ headers: { authorization: 'Bearer abc' } }, new Set(['header'])) // { token: 'abc' }
 * ```
 */
export function extractBearer(
  request: AuthRequest,
  transports: ReadonlySet<TokenTransport>,
): BearerResult {
  const found: string[] = []
  const authorization = headerValues(request.headers, 'authorization')
  if (authorization.length > 1) return { invalid: 'duplicate_credentials' }
  const header = authorization[0]
  if (header !== undefined && transports.has('header')) {
    const match = BEARER.exec(header.trim())
    if (match !== null) {
      const token = match[1]
      if (token === undefined || !B64TOKEN.test(token)) return { invalid: 'invalid_request' }
      found.push(token)
    }
  }
  if (transports.has('query')) found.push(...queryToken(request))
  if (transports.has('body')) found.push(...bodyToken(request))
  if (found.length > 1) return { invalid: 'duplicate_credentials' }
  const token = found[0]
  if (token === undefined) return { missing: true }
  if (!B64TOKEN.test(token)) return { invalid: 'invalid_request' }
  return { token }
}
