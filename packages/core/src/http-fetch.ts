/**
 * Bounded HTTP for key sets, discovery documents and token introspection: a timeout built from `setTimeout` and
 * `AbortController` (so fake timers control it), a cap on the body size, same-origin redirects only,
 * and the `Cache-Control: max-age` the server sent.
 *
 * @module
 */

/** Limits of one fetch. */
export interface FetchLimits {
  /** The `fetch` to use. */
  fetch: typeof globalThis.fetch
  /** Whole-request time limit in milliseconds, body included. */
  timeoutMs: number
  /** Largest accepted body in bytes. */
  maxBytes: number
}

/** A fetched JSON document. */
export interface FetchedJson {
  json: unknown
  /** `Cache-Control: max-age` in seconds, when the server sent one; 0 for no-store/no-cache. */
  maxAge: number | undefined
  /** The HTTP status of the answer. */
  status: number
}

/** What went wrong with a fetch, for events and metrics. */
export type FetchFailureKind = 'http_error' | 'network_error' | 'timeout' | 'too_large' | 'invalid'

/**
 * A failed fetch (key set, discovery document, introspection). The message names the URL and what
 * went wrong, never a body.
 */
export class FetchFailure extends Error {
  override readonly name = 'FetchFailure'
  /** What went wrong (default `invalid`: the answer was not what was asked for). */
  readonly kind: FetchFailureKind
  /** The HTTP status of the answer, when one came. */
  status: number | undefined
  /** The server's `Retry-After` in whole seconds, when it sent a numeric one. */
  retryAfter: number | undefined

  constructor(
    message: string,
    options?: ErrorOptions & { kind?: FetchFailureKind; status?: number | undefined },
  ) {
    super(message, options)
    this.kind = options?.kind ?? 'invalid'
    this.status = options?.status
  }
}

/** One request: GET by default; a POST body is sent again only on a 307/308 redirect. */
export interface FetchRequest {
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
}

/** A fetched 2xx answer, its body read within the size cap. */
export interface FetchedText {
  /** The HTTP status. */
  status: number
  headers: Headers
  /** The body bytes (at most `maxBytes`). */
  bytes: Uint8Array
}

const MAX_REDIRECTS = 3

/**
 * Fetches `url` as JSON within the limits.
 *
 * @throws {@link FetchFailure} on a network error, timeout, non-2xx status, cross-origin or too many
 * redirects, oversize body or invalid JSON.
 */
export async function fetchJson(url: URL, limits: FetchLimits): Promise<FetchedJson> {
  const { status, headers, bytes } = await fetchText(url, limits, {
    headers: { accept: 'application/json' },
  })
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(bytes))
  } catch (cause) {
    throw new FetchFailure(`${url.href} did not send valid JSON`, { cause, status })
  }
  return { json, maxAge: parseMaxAge(headers.get('cache-control')), status }
}

/**
 * Sends one request within the limits and reads its 2xx body. Redirects are
 * followed only to the same origin (a POST only through 307/308, which keep method and body).
 *
 * @throws {@link FetchFailure} on a network error, timeout, non-2xx status (with `status` and the
 * server's `retryAfter`), a refused redirect or an oversize body.
 */
export async function fetchText(
  url: URL,
  limits: FetchLimits,
  request: FetchRequest = {},
): Promise<FetchedText> {
  const method = request.method ?? 'GET'
  // Called as a plain function, never as `limits.fetch(...)`: Cloudflare Workers refuse a `fetch`
  // invoked with another object as `this` ("Illegal invocation").
  const fetchImpl = limits.fetch
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs)
  try {
    let current = url
    for (let redirects = 0; ; redirects++) {
      let response: Response
      try {
        response = await fetchImpl(current.href, {
          method,
          headers: request.headers ?? {},
          ...(request.body === undefined ? {} : { body: request.body }),
          redirect: 'manual',
          signal: controller.signal,
        })
      } catch (cause) {
        const aborted = controller.signal.aborted
        throw new FetchFailure(
          aborted
            ? `${url.href} did not answer within ${limits.timeoutMs} ms`
            : `${url.href} could not be fetched`,
          { cause, kind: aborted ? 'timeout' : 'network_error' },
        )
      }
      if (response.status >= 300 && response.status < 400) {
        discard(response)
        const location = response.headers.get('location')
        const next = location === null ? undefined : safeUrl(location, current)
        const keepsMethod = method === 'GET' || response.status === 307 || response.status === 308
        if (
          next === undefined ||
          next.origin !== url.origin ||
          redirects >= MAX_REDIRECTS ||
          !keepsMethod
        ) {
          throw new FetchFailure(`${url.href} redirected to another origin or too often`, {
            kind: 'http_error',
            status: response.status,
          })
        }
        current = next
        continue
      }
      if (!response.ok) {
        discard(response)
        const failure = new FetchFailure(`${url.href} answered ${response.status}`, {
          kind: 'http_error',
          status: response.status,
        })
        failure.retryAfter = parseRetryAfter(response.headers.get('retry-after'))
        throw failure
      }
      const bytes = await readCapped(response, limits.maxBytes, url, controller.signal)
      return { status: response.status, headers: response.headers, bytes }
    }
  } finally {
    clearTimeout(timer)
  }
}

/** `Retry-After` as delay-seconds (the HTTP-date form is ignored: clocks differ). */
function parseRetryAfter(header: string | null): number | undefined {
  return header !== null && /^\s*\d{1,9}\s*$/.test(header) ? Number(header) : undefined
}

/** Drops a body we will not read, without waiting on it (a stalled stream must not hang us). */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined)
}

function safeUrl(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base)
  } catch {
    return undefined
  }
}

async function readCapped(
  response: Response,
  maxBytes: number,
  url: URL,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    discard(response)
    throw new FetchFailure(`${url.href} sent more than ${maxBytes} bytes`, {
      kind: 'too_large',
      status: response.status,
    })
  }
  if (response.body === null) return new Uint8Array(0)
  const reader = response.body.getReader()
  // A body whose stream is not tied to the signal (a custom fetch, a mock) must not outlive the
  // time limit either: cancelling the reader ends a pending read.
  const onAbort = () => void reader.cancel().catch(() => undefined)
  signal.addEventListener('abort', onAbort, { once: true })
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (signal.aborted) {
        throw new FetchFailure(`${url.href} did not answer within the time limit`, {
          kind: 'timeout',
          status: response.status,
        })
      }
      if (done) break
      total += value.byteLength
      if (total > maxBytes) {
        reader.cancel().catch(() => undefined)
        throw new FetchFailure(`${url.href} sent more than ${maxBytes} bytes`, {
          kind: 'too_large',
          status: response.status,
        })
      }
      chunks.push(value)
    }
  } catch (cause) {
    if (cause instanceof FetchFailure) throw cause
    throw new FetchFailure(
      signal.aborted
        ? `${url.href} did not answer within the time limit`
        : `${url.href} broke off its answer`,
      { cause, kind: signal.aborted ? 'timeout' : 'network_error', status: response.status },
    )
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** Reads `max-age` (or 0 for `no-store`/`no-cache`) from a Cache-Control header. */
export function parseMaxAge(header: string | null): number | undefined {
  if (header === null) return undefined
  const directives = header
    .toLowerCase()
    .split(',')
    .map((part) => part.trim())
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0
  for (const directive of directives) {
    const match = /^max-age\s*=\s*"?(\d+)"?$/.exec(directive)
    if (match !== null) return Number(match[1])
  }
  return undefined
}
