/**
 * Where keys and discovery documents may be fetched from: `https`, or plain `http` on a loopback
 * host (`localhost`, 127.0.0.0/8, `[::1]`) for development; any other `http` URL only with an
 * explicit opt-in.
 *
 * @module
 */

/** True for `localhost`, 127.0.0.0/8 and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  )
}

/**
 * Parses a key or discovery URL the policy allows. A refused one throws what `refuse` makes of
 * the problem, a sentence to follow the URL in a message (`is not an absolute URL`,
 * `must use https`, ...).
 */
export function requireFetchUrl(
  value: string,
  allowInsecureHttp: boolean,
  refuse: (problem: string) => Error,
): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw refuse('is not an absolute URL')
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && (allowInsecureHttp || isLoopbackHost(url.hostname))) return url
  throw refuse(
    url.protocol === 'http:'
      ? 'uses plain http on a non-loopback host (use https, or set allowInsecureHttp: true)'
      : 'must use https',
  )
}
