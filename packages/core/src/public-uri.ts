/**
 * The URI a DPoP proof must name (`htu`, RFC 9449 §4.3 check 9): the request's public URI without
 * query and fragment, compared after RFC 3986 §6.2.2 and §6.2.3 normalisation. The origin comes from
 * configuration, never from the request's `Host`; `X-Forwarded-Proto`/`X-Forwarded-Host` count only
 * from a proxy the app trusts (see `trusted-proxy.ts`).
 *
 * @module
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/

/** Percent-encoding normalisation (RFC 3986 §6.2.2.1-2): upper-case hex, unreserved decoded. */
function normalizePercentEncoding(path: string): string {
  if (!path.includes('%')) return path
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

/**
 * Normalises an absolute http(s) URI for comparison: scheme and host lower-cased, default port
 * dropped, empty path made `/`, dot segments removed (WHATWG URL parsing does these), then the
 * percent-encodings normalised; query and fragment dropped. `undefined` for anything else
 * (another scheme, user info, not a URI).
 */
export function normalizeHttpUri(uri: string): string | undefined {
  const url = httpUrl(uri)
  return url === undefined ? undefined : `${url.origin}${normalizePercentEncoding(url.pathname)}`
}

/** `value` parsed, when it is an absolute http(s) URL without user info. */
function httpUrl(value: string): URL | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  return url.username === '' && url.password === '' ? url : undefined
}

/**
 * The configured public origin (`scheme://host[:port]`), normalised; `undefined` when it is not
 * one (a path, query or fragment included).
 */
export function normalizeOrigin(origin: string): string | undefined {
  const url = httpUrl(origin)
  if (url === undefined) return undefined
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && !origin.endsWith('#')
  return bare ? url.origin : undefined
}

/**
 * The path of a request target: origin-form (`/photos?x=1`) as Node frameworks pass it, or the
 * absolute form Web-standard runtimes pass (its scheme and host are ignored: they come from the
 * request, which the client controls). `undefined` when there is none.
 */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return undefined
  if (target.charCodeAt(0) === 0x2f /* / */) {
    const end = target.search(/[?#]/)
    return end === -1 ? target : target.slice(0, end)
  }
  try {
    return new URL(target).pathname
  } catch {
    return undefined
  }
}

/** The normalised public URI of a request: `origin` + the target's path. */
export function publicUri(origin: string, target: string | undefined): string | undefined {
  const path = requestPath(target)
  return path === undefined ? undefined : normalizeHttpUri(`${origin}${path}`)
}
