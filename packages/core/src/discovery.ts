/**
 * Finds an issuer's key-set URL (and its introspection endpoint): Cognito user pools publish their
 * key set at a fixed place; any other issuer is asked through OpenID Connect discovery, then the
 * RFC 8414 form. The document's `issuer`
 * must equal the configured issuer exactly, and its `jwks_uri` must pass the URL policy.
 *
 * @module
 */
import { fetchJson, FetchFailure, type FetchLimits } from './http-fetch.js'
import { checkFetchUrl } from './url-policy.js'

const COGNITO_ISSUER =
  /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[A-Za-z0-9-]+_[A-Za-z0-9]+$/

/** True for a Cognito user-pool issuer URL. */
export function isCognitoIssuer(issuer: string): boolean {
  return COGNITO_ISSUER.test(issuer)
}

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
    const url = checkFetchUrl(candidate, allowInsecureHttp)
    if (typeof url === 'string') throw new FetchFailure(`discovery URL ${candidate} ${url}`)
    try {
      const { json } = await fetchJson(url, limits)
      const doc = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
      if (doc.issuer !== issuer) {
        throw new FetchFailure(`${candidate} names another issuer`)
      }
      const value = doc[member]
      if (typeof value !== 'string') throw new FetchFailure(`${candidate} has no ${member}`)
      const checked = checkFetchUrl(value, allowInsecureHttp)
      if (typeof checked === 'string') throw new FetchFailure(`${member} of ${issuer} ${checked}`)
      return checked
    } catch (cause) {
      failures.push(cause)
    }
  }
  throw new FetchFailure(`discovery failed for ${issuer}`, { cause: failures })
}
