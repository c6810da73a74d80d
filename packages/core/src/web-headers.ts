/**
 * The request headers the verifier reads, from a Fetch API `Headers` object (Hono, Cloudflare
 * Workers, Bun, Deno). `Headers` keeps no repeated fields: it joins them into one value with
 * `", "`. Two `Authorization` headers must still be refused as a malformed request, so the joined
 * value is split back into its credentials wherever a new auth-scheme starts after `", "`.
 *
 * @module
 */
import type { RequestHeaders } from './bearer.js'

/** Headers that count only from a trusted proxy (see `trusted-proxy.ts`). */
const FORWARDED = ['client-cert', 'x-forwarded-host', 'x-forwarded-proto'] as const

/** RFC 9110 `tchar`: the characters of a token such as an auth-scheme. */
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/

/**
 * True when `value` holds, at `at`, the start of a new `credentials` (RFC 9110 section 11.4): an
 * auth-scheme followed by the end, a comma, or spaces and anything but `=` (an auth-param of the
 * previous credentials is `name=value`, with optional spaces around `=`).
 */
function startsCredentials(value: string, at: number): boolean {
  let i = at
  while (i < value.length && TCHAR.test(value.charAt(i))) i++
  if (i === at) return false
  if (i === value.length || value.charAt(i) === ',') return true
  if (value.charAt(i) !== ' ') return false
  while (value.charAt(i) === ' ') i++
  return i === value.length || value.charAt(i) !== '='
}

/**
 * The credentials of an `Authorization` value that `Headers` may have joined: one string when it
 * holds one, else each of them. A `", "` inside a quoted string, or followed by an auth-param, is
 * part of one credentials; a lone comma (`Bearer abc,def`) is no separator `Headers` writes.
 */
function splitCredentials(value: string): string | string[] {
  // Nearly every value is one token with no ", " at all: found by one native search, not a walk
  // over each of its ~1000 characters.
  if (!value.includes(', ')) return value
  const parts: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const char = value.charAt(i)
    if (quoted) {
      if (char === '\\') i++
      else if (char === '"') quoted = false
    } else if (char === '"') {
      quoted = true
    } else if (char === ',' && value.charAt(i + 1) === ' ' && startsCredentials(value, i + 2)) {
      parts.push(value.slice(start, i))
      start = i + 2
    }
  }
  if (parts.length === 0) return value
  parts.push(value.slice(start))
  return parts
}

/**
 * The headers the verifier reads (`authorization`, `content-type`) from a Fetch API `Headers`,
 * for the request's `headers`. Repeated `Authorization` fields, which `Headers` joins with
 * `", "`, come back as an array (and the request is refused with 400, as on Node); a single
 * value with commas of its own (`Digest realm="a, b", nonce="c"`) stays one.
 *
 * @throws Never.
 * @example
 * ```ts
 * verifier.authenticate({ method: request.method, url: request.url, headers: webRequestHeaders(request.headers) })
 * ```
 */
export function webRequestHeaders(headers: Pick<Headers, 'get'>): RequestHeaders {
  const out: Record<string, string | string[]> = {}
  const authorization = headers.get('authorization')
  if (authorization !== null) out.authorization = splitCredentials(authorization)
  const type = headers.get('content-type')
  if (type !== null) out['content-type'] = type
  // A proof is a JWS (no comma, no space), so `, ` can only join two DPoP headers: keep them two.
  const dpop = headers.get('dpop')
  if (dpop !== null) out.dpop = dpop.includes(', ') ? dpop.split(', ') : dpop
  for (const name of FORWARDED) {
    const value = headers.get(name)
    if (value !== null) out[name] = value
  }
  return out
}
