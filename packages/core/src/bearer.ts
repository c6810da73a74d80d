/**
 * Finds the bearer token of a request (RFC 6750 section 2): the `Authorization` header (scheme
 * case-insensitive), and, only when enabled, the `access_token` query parameter or form-encoded
 * body member. A token sent two ways, or two `Authorization` headers, is a malformed request.
 *
 * @module
 */

/** Header values as Node's `req.headersDistinct` holds them (arrays for repeated headers). */
export type RequestHeaders = Record<string, string | readonly string[] | undefined>

/** The headers the verifier reads, by name length (one comparison rules out most names). */
const READ_HEADERS: Readonly<Record<number, readonly string[]>> = {
  4: ['dpop'],
  11: ['client-cert'],
  12: ['content-type'],
  13: ['authorization'],
  16: ['x-forwarded-host'],
  17: ['x-forwarded-proto'],
}

/**
 * The headers the verifier reads (`authorization`, `content-type`, `dpop`, and the
 * `client-cert` and `x-forwarded-*` headers that count only from a trusted proxy), every value
 * kept, from a
 * Node.js `IncomingMessage` (or anything with its `rawHeaders` list; without one, its `headers`).
 * What the adapters pass as {@link AuthRequest.headers}: unlike Node's `headersDistinct`, it does
 * not copy every header of every request. Two `Authorization` headers stay two.
 *
 * @throws Never.
 * @example
 * ```ts
 * verifier.authenticate({ method: req.method, url: req.url, headers: nodeRequestHeaders(req) })
 * ```
 */
export function nodeRequestHeaders(message: {
  rawHeaders?: readonly string[] | undefined
  headers?: RequestHeaders | undefined
}): RequestHeaders {
  const raw = message.rawHeaders
  if (!Array.isArray(raw)) return message.headers ?? {}
  const headers: Record<string, string[]> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    const candidates = READ_HEADERS[name.length]
    if (candidates === undefined) continue
    const lower = name.toLowerCase()
    if (!candidates.includes(lower)) continue
    ;(headers[lower] ??= []).push(raw[i + 1] as string)
  }
  return headers
}

/**
 * The DER bytes of a Node TLS socket's client certificate (what {@link AuthRequest.clientCertificate}
 * wants); `undefined` for a plain socket or a connection without a client certificate.
 *
 * @example
 * ```ts
 * verifier.authenticate({ ..., clientCertificate: () => nodeClientCertificate(req.socket) })
 * ```
 */
export function nodeClientCertificate(socket: unknown): Uint8Array | undefined {
  const tls = socket as {
    getPeerCertificate?: (detailed?: boolean) => { raw?: unknown } | null
  } | null
  if (typeof tls?.getPeerCertificate !== 'function') return undefined
  const raw = tls.getPeerCertificate(false)?.raw
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined
}

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
  /**
   * The TLS client certificate (DER bytes) of the connection, or a function returning it: read
   * only for certificate-bound tokens (RFC 8705), when `mtls` is on. Adapters pass the socket's
   * peer certificate.
   */
  clientCertificate?: Uint8Array | (() => Uint8Array | undefined) | undefined
  /**
   * The address of the connection's peer: only compared with `trustedProxies`, to decide whether
   * `X-Forwarded-*` and `Client-Cert` headers count.
   */
  remoteAddress?: string | undefined
  /**
   * The Node.js socket of the connection (a `net.Socket` or `tls.TLSSocket`), where the two
   * fields above are read from when they are absent, and only when needed: the Node adapters
   * pass it and nothing else.
   */
  socket?: NodeSocketLike | undefined
}

/** What the verifier may read of a Node.js socket. */
export interface NodeSocketLike {
  readonly remoteAddress?: string | undefined
  getPeerCertificate?(detailed?: boolean): { raw?: unknown } | null
}

/** A way a bearer token may travel. */
export type TokenTransport = 'header' | 'query' | 'body'

/**
 * What was found: a token, no bearer credentials (`missing`: answer with the bare 401), or a
 * malformed request (`invalid`: answer 400 `invalid_request` with this reason).
 */
export type BearerResult =
  | { token: string; unchecked?: true; dpop?: true }
  | { missing: true }
  | { invalid: 'invalid_request' | 'duplicate_credentials' }

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const BEARER = 'bearer'
const DPOP = 'dpop'

/** Every value of a header, whatever the case of its name(s) in `headers`. */
export function headerValues(headers: RequestHeaders | undefined, name: string): readonly string[] {
  if (headers === undefined || headers === null) return []
  const values: string[] = []
  for (const key in headers) {
    if (key.length !== name.length || !Object.hasOwn(headers, key)) continue
    if (key !== name && key.toLowerCase() !== name) continue
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
 * True when `token` has the RFC 6750 `b64token` syntax.
 */
export function isB64token(token: string): boolean {
  return B64TOKEN.test(token)
}

/**
 * Reads an `Authorization` value: the token of `Bearer <token>` (scheme case-insensitive, one or
 * more spaces, surrounding whitespace ignored), `null` for the Bearer scheme without a token, or
 * `undefined` for any other scheme (`Basic ...`, `Bearer<TAB>...`). The token's characters are
 * checked only with `check` (else the caller checks them with {@link isB64token}).
 */
function bearerCredentials(
  value: string,
  check: boolean,
  scheme: string = BEARER,
): string | null | undefined {
  const text = value.trim()
  if (text.length < scheme.length) return undefined
  for (let i = 0; i < scheme.length; i++) {
    // ORing 0x20 folds ASCII upper case onto lower case and maps no other character onto a letter.
    if ((text.charCodeAt(i) | 0x20) !== scheme.charCodeAt(i)) return undefined
  }
  if (text.length === scheme.length) return null
  let start = scheme.length
  while (text.charCodeAt(start) === 0x20) start++
  if (start === scheme.length) return undefined
  const token = text.slice(start)
  return !check || B64TOKEN.test(token) ? token : null
}

/**
 * Extracts the bearer token of a request. Only the enabled transports are read: with the query
 * transport off, an `access_token` query parameter is not looked at (the request then counts as
 * carrying no credentials). A header with another scheme (`Basic ...`) is no bearer credential.
 * With `deferSyntaxCheck`, a token from the header alone comes back `unchecked`: the caller tests
 * it with {@link isB64token} unless it already knows the token (the verified-token cache).
 * With `dpop`, an `Authorization: DPoP <token>` header is read too (RFC 9449 §7.1: only from the
 * header) and comes back marked `dpop`.
 */
export function extractBearer(
  request: AuthRequest,
  transports: ReadonlySet<TokenTransport>,
  deferSyntaxCheck = false,
  dpop = false,
): BearerResult {
  const found: string[] = []
  const authorization = headerValues(request.headers, 'authorization')
  if (authorization.length > 1) return { invalid: 'duplicate_credentials' }
  const header = authorization[0]
  let fromHeader: string | undefined
  if (dpop && header !== undefined) {
    const token = bearerCredentials(header, true, DPOP)
    if (token === null) return { invalid: 'invalid_request' }
    if (token !== undefined) {
      if (transports.has('query') && queryToken(request).length > 0) {
        return { invalid: 'duplicate_credentials' }
      }
      if (transports.has('body') && bodyToken(request).length > 0) {
        return { invalid: 'duplicate_credentials' }
      }
      return { token, dpop: true }
    }
  }
  if (header !== undefined && transports.has('header')) {
    const onlyHeader = !transports.has('query') && !transports.has('body')
    const credentials = bearerCredentials(header, !(onlyHeader && deferSyntaxCheck))
    if (credentials === null) return { invalid: 'invalid_request' }
    if (onlyHeader && credentials !== undefined) {
      return deferSyntaxCheck ? { token: credentials, unchecked: true } : { token: credentials }
    }
    fromHeader = credentials
  }
  if (fromHeader !== undefined) found.push(fromHeader)
  if (transports.has('query')) found.push(...queryToken(request))
  if (transports.has('body')) found.push(...bodyToken(request))
  if (found.length > 1) return { invalid: 'duplicate_credentials' }
  const token = found[0]
  if (token === undefined) return { missing: true }
  if (!B64TOKEN.test(token)) return { invalid: 'invalid_request' }
  return { token }
}
