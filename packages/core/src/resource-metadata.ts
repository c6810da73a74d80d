/**
 * RFC 9728 OAuth 2.0 Protected Resource Metadata: the document adapters serve at
 * `/.well-known/oauth-protected-resource` and the URL 401 challenges point to.
 *
 * @module
 */
import type { TokenTransport } from './bearer.js'
import type { ResourceMetadataOptions } from './options.js'
import { prefixScope } from './scopes.js'

/** The served document (RFC 9728 section 2). */
export interface ProtectedResourceMetadata {
  /** The resource identifier, as configured. */
  resource: string
  /** The issuers that grant tokens for this resource (default: the configured issuers). */
  authorization_servers: string[]
  /** The scopes the API knows, as they appear in tokens (prefixed with `resourceServer`). */
  scopes_supported?: string[]
  /** The enabled transports: `header`, `query`, `body`. */
  bearer_methods_supported: string[]
  /** The algorithms DPoP proofs may use (when DPoP is on). */
  dpop_signing_alg_values_supported?: string[]
  /** True in DPoP-only mode. */
  dpop_bound_access_tokens_required?: boolean
  /** True when certificate-bound tokens are accepted (`mtls`). */
  tls_client_certificate_bound_access_tokens?: boolean
  /** Members from `resourceMetadata.extra`. */
  [member: string]: unknown
}

/** The document, its public URL, and the path adapters serve it at. */
export interface ResourceMetadata {
  /** Where the document is published (sent as `resource_metadata`). */
  url: string
  /** The request path adapters answer: `/.well-known/oauth-protected-resource<resource path>`. */
  path: string
  /** The JSON document to answer with. */
  document: ProtectedResourceMetadata
}

/**
 * Builds the RFC 9728 document from the options. Without an explicit `url`, the well-known path
 * is inserted between the resource's origin and its path (RFC 9728 section 3.1).
 *
 * @throws TypeError when `options.resource` or `options.url` is not an absolute URL (options are
 * validated before, so a verifier never sees this).
 * @example
 * ```ts
 * buildResourceMetadata({ resource: 'https://api.example/v1' }, ['https://issuer.example'], undefined, new Set(['header'])).url
 * // 'https://api.example/.well-known/oauth-protected-resource/v1'
 * ```
 */
export function buildResourceMetadata(
  options: ResourceMetadataOptions,
  issuers: readonly string[],
  resourceServer: string | undefined,
  transports: ReadonlySet<TokenTransport>,
  sender: { dpop?: { algorithms: ReadonlySet<string>; required: boolean }; mtls?: boolean } = {},
): ResourceMetadata {
  const resource = new URL(options.resource)
  const suffix = resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '')
  const path = `/.well-known/oauth-protected-resource${suffix}`
  const url = options.url ?? `${resource.origin}${path}`
  const document: ProtectedResourceMetadata = {
    ...options.extra,
    resource: options.resource,
    authorization_servers: [...(options.authorizationServers ?? issuers)],
    bearer_methods_supported: [...transports],
  }
  if (sender.dpop !== undefined) {
    document.dpop_signing_alg_values_supported = [...sender.dpop.algorithms]
    if (sender.dpop.required) document.dpop_bound_access_tokens_required = true
  }
  if (sender.mtls === true) document.tls_client_certificate_bound_access_tokens = true
  if (options.scopesSupported !== undefined) {
    document.scopes_supported = options.scopesSupported.map((s) => prefixScope(s, resourceServer))
  }
  return { url, path: new URL(url).pathname, document }
}
