/**
 * Finds an issuer's key-set URL (and its introspection endpoint) through OpenID Connect
 * discovery, then the RFC 8414 form. The document's `issuer` must equal the configured issuer
 * exactly, and the endpoint it names must pass the URL policy.
 *
 * @module
 */
import { fetchJson, FetchFailure, type FetchLimits } from './http-fetch.js'
import { requireFetchUrl } from './url-policy.js'

/** The discovery document URLs tried for an issuer, in order. */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return [
    `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ]
}

/**
 * Resolves the key-set URL of `issuer` through discovery.
 *
 * @throws {@link FetchFailure} when no discovery document fits.
 */
export function discoverJwksUri(
  issuer: string,
  limits: FetchLimits,
  allowInsecureHttp: boolean,
): Promise<URL> {
  return discoverEndpoint(issuer, 'jwks_uri', limits, allowInsecureHttp)
}

/**
 * Resolves one endpoint URL of `issuer` (`jwks_uri`, `introspection_endpoint`) through discovery:
 * the document's `issuer` must equal `issuer`, and the URL must pass the URL policy.
 *
 * @throws {@link FetchFailure} when no discovery document fits.
 */
export async function discoverEndpoint(
  issuer: string,
  member: 'jwks_uri' | 'introspection_endpoint',
  limits: FetchLimits,
  allowInsecureHttp: boolean,
): Promise<URL> {
  const failures: unknown[] = []
  for (const candidate of discoveryUrls(issuer)) {
    const url = requireFetchUrl(
      candidate,
      allowInsecureHttp,
      (problem) => new FetchFailure(`discovery URL ${candidate} ${problem}`),
    )
    try {
      const { json } = await fetchJson(url, limits)
      const doc = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
      if (doc.issuer !== issuer) {
        throw new FetchFailure(`${candidate} names another issuer`)
      }
      const value = doc[member]
      if (typeof value !== 'string') throw new FetchFailure(`${candidate} has no ${member}`)
      return requireFetchUrl(
        value,
        allowInsecureHttp,
        (problem) => new FetchFailure(`${member} of ${issuer} ${problem}`),
      )
    } catch (cause) {
      failures.push(cause)
    }
  }
  throw new FetchFailure(`discovery failed for ${issuer}`, { cause: failures })
}
