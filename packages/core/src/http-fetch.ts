/**
 * One bounded JSON GET for key sets and discovery documents: a timeout built from `setTimeout` and
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

/** A failed key or discovery fetch. The message names the URL and what went wrong, never a body. */
export class FetchFailure extends Error {
  override readonly name = 'FetchFailure'
  readonly kind: FetchFailureKind
  readonly status: number | undefined

  constructor(
    message: string,
    options?: ErrorOptions & {
      /** What went wrong. Default: `invalid` (the answer was not what was asked for). */
      kind?: FetchFailureKind
      /** The HTTP status of the answer, when one came. */
      status?: number
    },
  ) {
    super(message, options)
    this.kind = options?.kind ?? 'invalid'
    this.status = options?.status
  }
}

const MAX_REDIRECTS = 3

/**
 * Fetches `url` as JSON within the limits.
 *
 * @throws {@link FetchFailure} on a network error, timeout, non-2xx status, cross-origin or too many
 * redirects, oversize body or invalid JSON.
 */
export async function fetchJson(url: URL, limits: FetchLimits): Promise<FetchedJson> {
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
          method: 'GET',
          headers: { accept: 'application/json' },
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
        if (next === undefined || next.origin !== url.origin || redirects >= MAX_REDIRECTS) {
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
        throw new FetchFailure(`${url.href} answered ${response.status}`, {
          kind: 'http_error',
          status: response.status,
        })
      }
      const text = await readCapped(response, limits.maxBytes, url, controller.signal)
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (cause) {
        throw new FetchFailure(`${url.href} did not send valid JSON`, {
          cause,
          status: response.status,
        })
      }
      return {
        json,
        maxAge: parseMaxAge(response.headers.get('cache-control')),
        status: response.status,
      }
    }
  } finally {
    clearTimeout(timer)
  }
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
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    discard(response)
    throw new FetchFailure(`${url.href} sent more than ${maxBytes} bytes`, {
      kind: 'too_large',
      status: response.status,
    })
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
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
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
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
