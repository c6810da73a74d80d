/**
 * RFC 9728 OAuth 2.0 Protected Resource Metadata: the document adapters serve at
 * `/.well-known/oauth-protected-resource` and the URL 401 challenges point to.
 *
 * @module
 */
import type { TokenTransport } from './bearer.js'
import type { ResourceMetadataOptions } from './options.js'
import { prefixScope } from './scopes.js'

/** The served document. */
export interface ProtectedResourceMetadata {
  resource: string
  authorization_servers: string[]
  scopes_supported?: string[]
  bearer_methods_supported: string[]
  [member: string]: unknown
}

/** The document, its public URL, and the path adapters serve it at. */
export interface ResourceMetadata {
  /** Where the document is published (sent as `resource_metadata`). */
  url: string
  /** The request path adapters answer: `/.well-known/oauth-protected-resource<resource path>`. */
  path: string
  document: ProtectedResourceMetadata
}

/** Builds the RFC 9728 document from the options. */
export function buildResourceMetadata(
  options: ResourceMetadataOptions,
  issuers: readonly string[],
  resourceServer: string | undefined,
  transports: ReadonlySet<TokenTransport>,
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
  if (options.scopesSupported !== undefined) {
    document.scopes_supported = options.scopesSupported.map((s) => prefixScope(s, resourceServer))
  }
  return { url, path: new URL(url).pathname, document }
}
