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
import type { FleetStores } from './fleet-stores.js'

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

/** The host part of a default URL: a wildcard host becomes `localhost`, IPv6 gets brackets. */
function hostPart(host: string): string {
  const name = ['0.0.0.0', '::', ''].includes(host) ? 'localhost' : host
  return name.includes(':') ? `[${name}]` : name
}

/**
 * The origin clients call, which DPoP proofs' `htu` must name: `PUBLIC_ORIGIN`, else the origin of
 * `PUBLIC_URL`, else `http://<host>:<port>` (`https` with TLS; a wildcard host becomes
 * `localhost`).
 *
 * @throws Never.
 * @example
 * ```ts
 * publicOrigin(config, 3000) // 'http://127.0.0.1:3000'
 * ```
 */
export function publicOrigin(config: AppConfig, port: number): string {
  if (config.publicOrigin !== undefined) return config.publicOrigin
  if (config.publicUrl !== undefined) return new URL(config.publicUrl).origin
  return `${config.tls === undefined ? 'http' : 'https'}://${hostPart(config.host)}:${port}`
}

/**
 * The API's base URL as clients see it (the RFC 9728 `resource`): `PUBLIC_URL`, else
 * {@link publicOrigin}.
 *
 * @throws Never.
 * @example
 * ```ts
 * baseUrl(config, 3000) // 'http://127.0.0.1:3000'
 * ```
 */
export function baseUrl(config: AppConfig, port: number): string {
  if (config.publicUrl !== undefined) return config.publicUrl.replace(/\/$/, '')
  return publicOrigin(config, port)
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
  origin: string = new URL(base).origin,
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
  if (config.dpop !== 'off') {
    options.dpop = {
      required: config.dpop === 'required',
      publicOrigin: origin,
    }
    if (config.dpopNonceSecret !== undefined) options.dpop.nonceSecrets = [config.dpopNonceSecret]
  }
  // Certificate-bound tokens need the client's certificate, asked for only with a client CA.
  if (config.tls?.clientCa !== undefined) options.mtls = true
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

/** What {@link buildVerifier} adds to the options of {@link verifierOptions}. */
export interface VerifierExtras {
  /** The public origin DPoP proofs name (default: the base URL's origin). */
  origin?: string | undefined
  /** The stores a fleet shares (`REDIS_URL`): revocation, and DPoP replay when DPoP is on. */
  fleet?: Pick<FleetStores, 'revocation' | 'replay'> | undefined
}

/**
 * Builds the API's single verifier from {@link verifierOptions}, with the stores shared by a fleet
 * (`REDIS_URL`) when given.
 *
 * @throws ConfigurationError (from the core) when the options are inconsistent.
 * @example
 * ```ts
 * const verifier = buildVerifier(config, { issuer: ['https://issuer.example'], audience: ['api'] }, 'https://api.example')
 * ```
 */
export function buildVerifier(
  config: AppConfig,
  trusted: TrustedIssuer,
  base: string,
  { origin, fleet }: VerifierExtras = {},
): Verifier {
  const options = verifierOptions(config, trusted, base, origin)
  if (fleet !== undefined) {
    options.revocation = fleet.revocation
    if (options.dpop !== undefined) options.dpop.replayStore = fleet.replay
  }
  return createVerifier(options)
}
