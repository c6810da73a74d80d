/**
 * Finds an issuer's key-set URL through OpenID Connect discovery, then the RFC 8414 form. The
 * document's `issuer` must equal the configured issuer exactly, and its `jwks_uri` must pass the
 * URL policy.
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
export async function discoverJwksUri(
  issuer: string,
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
      if (typeof doc.jwks_uri !== 'string') throw new FetchFailure(`${candidate} has no jwks_uri`)
      return requireFetchUrl(
        doc.jwks_uri,
        allowInsecureHttp,
        (problem) => new FetchFailure(`jwks_uri of ${issuer} ${problem}`),
      )
    } catch (cause) {
      failures.push(cause)
    }
  }
  throw new FetchFailure(`discovery failed for ${issuer}`, { cause: failures })
}
