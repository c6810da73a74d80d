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
 * Parses a key or discovery URL and checks its scheme. Returns the URL, or a sentence that says
 * what is wrong with it.
 */
export function checkFetchUrl(value: string, allowInsecureHttp: boolean): URL | string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not an absolute URL'
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && (allowInsecureHttp || isLoopbackHost(url.hostname))) return url
  return url.protocol === 'http:'
    ? 'uses plain http on a non-loopback host (use https, or set allowInsecureHttp: true)'
    : 'must use https'
}
