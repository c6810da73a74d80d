/**
 * The example's one verifier, built from the configuration and the API's base URL.
 *
 * @module
 */
import {
  createVerifier,
  isCognitoIssuer,
  type Verifier,
  type VerifierOptions,
} from '@scopeguard/core'
import type { AppConfig } from './config.js'

/** The scopes the API knows (prefixed with `RESOURCE_SERVER` in tokens when it is set). */
export const PHOTO_SCOPES = ['photos.read', 'photos.write'] as const

/** Where tokens come from: the configured issuer, or the development issuer's values. */
export interface TrustedIssuer {
  /** Issuer URLs. */
  issuer: string[]
  /** The key set URL (default: discovery). */
  jwksUri?: string | undefined
  /** Accepted `aud` values. */
  audience?: string[] | undefined
  /** Accepted `client_id` values. */
  clientId?: string[] | undefined
  /** The `token_use` to require when `TOKEN_USE` is unset. */
  tokenUse?: 'access' | 'id' | undefined
}

/**
 * The API's base URL as clients see it: `PUBLIC_URL`, or `http://<host>:<port>` (a wildcard host
 * becomes `localhost`).
 *
 * @throws Never.
 * @example
 * ```ts
 * baseUrl(config, 3000) // 'http://127.0.0.1:3000'
 * ```
 */
export function baseUrl(config: AppConfig, port: number): string {
  if (config.publicUrl !== undefined) return config.publicUrl.replace(/\/$/, '')
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * The verifier's options, from the configuration (see config.ts for the environment variables):
 * issuer, audience and/or client, token use, algorithms, scope prefix, and RFC 9728 metadata
 * (`resource` = the base URL) so 401s carry `resource_metadata`. A new verifier option read from
 * the environment is added here.
 *
 * @throws Never (the core validates the options in {@link buildVerifier}).
 * @example
 * ```ts
 * verifierOptions(config, { issuer: ['https://issuer.example'], audience: ['api'] }, 'https://api.example')
 * ```
 */
export function verifierOptions(
  config: AppConfig,
  trusted: TrustedIssuer,
  base: string,
): VerifierOptions {
  const options: VerifierOptions = {
    issuer: trusted.issuer,
    // Cognito access tokens carry client_id and no aud: with only CLIENT_ID, aud is not checked.
    audience: trusted.audience ?? null,
    tokenUse:
      config.tokenUse ??
      trusted.tokenUse ??
      (trusted.issuer.every(isCognitoIssuer) ? 'access' : null),
    resourceMetadata: { resource: base, scopesSupported: [...PHOTO_SCOPES] },
  }
  if (trusted.clientId !== undefined) options.clientId = trusted.clientId
  if (trusted.jwksUri !== undefined) options.jwksUri = trusted.jwksUri
  if (config.resourceServer !== undefined) options.resourceServer = config.resourceServer
  if (config.algorithms !== undefined) options.algorithms = config.algorithms
  if (config.typ !== undefined) options.typ = config.typ
  const { introspection } = config
  if (introspection !== undefined) {
    options.introspection = {
      clientId: introspection.clientId,
      clientSecret: introspection.clientSecret,
      cache: introspection.cacheTtl === 0 ? false : { maxTtl: introspection.cacheTtl },
    }
    if (introspection.endpoint !== undefined)
      options.introspection.endpoint = introspection.endpoint
  }
  return options
}

/**
 * Builds the API's single verifier from {@link verifierOptions}.
 *
 * @throws ConfigurationError (from the core) when the options are inconsistent.
 * @example
 * ```ts
 * const verifier = buildVerifier(config, { issuer: ['https://issuer.example'], audience: ['api'] }, 'https://api.example')
 * ```
 */
export function buildVerifier(config: AppConfig, trusted: TrustedIssuer, base: string): Verifier {
  return createVerifier(verifierOptions(config, trusted, base))
}
