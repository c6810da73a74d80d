/**
 * The verifier variants the table's rows run against, and the key servers behind them: `main`
 * (always healthy) for most variants, `flaky` (faults switched per row) for the key-server rows.
 */
import type { VerifierOptions } from '@scopeguard/core'
import type { IntrospectionServer } from '../support/introspection-server.js'
import type { IssuerServer } from '../support/issuer-server.js'
import { READ, WRITE } from './app-spec.js'
import type { Variant } from './cases.js'
import { API, CLIENT, RESOURCE_SERVER } from './tokens.js'

/** The two key servers of a run. */
export interface KeyServers {
  main: IssuerServer
  flaky: IssuerServer
  /** The introspection endpoint of the `opaque` variant (issuer: `main`). */
  introspection: IntrospectionServer
}

/**
 * The nonce step of the `dpop-nonce` variant, in seconds: short, so a row can hold a nonce of the
 * previous step (still accepted, and answered with a fresh one) after a real wait.
 */
export const NONCE_STEP = 2

/** The variants served over TLS (asking for a client certificate); the others over plain HTTP. */
export const TLS_VARIANTS: ReadonlySet<Variant> = new Set<Variant>(['mtls', 'mtls-off'])

/** The key server (and issuer) a variant trusts. */
export function serverOf(variant: Variant, servers: KeyServers): IssuerServer {
  return variant === 'keys-cold' || variant === 'keys-warm' ? servers.flaky : servers.main
}

/**
 * The verifier options of `variant`. `keys-warm` is warmed up before its rows run; its key server
 * sends `max-age=0` and `minMaxAge` is 0, so its keys are stale (served by stale-if-error) by then.
 *
 * @example
 * ```ts
 * const verifier = createVerifier(variantOptions('cognito', servers))
 * ```
 */
export function variantOptions(variant: Variant, servers: KeyServers): VerifierOptions {
  const base = {
    issuer: serverOf(variant, servers).issuer,
    resourceMetadata: { resource: API, scopesSupported: [READ, WRITE] },
    jwksCache: { timeout: 2, cooldown: 0 },
  }
  const cognito = { ...base, clientId: CLIENT, tokenUse: 'access' as const }
  switch (variant) {
    case 'cognito':
      return cognito
    case 'id':
      return { ...base, clientId: CLIENT, tokenUse: 'id' }
    case 'prefixed':
      return { ...cognito, resourceServer: RESOURCE_SERVER }
    case 'oidc':
      return { ...base, audience: API }
    case 'query':
      return { ...cognito, transports: ['header', 'query'] }
    case 'body':
      return { ...cognito, transports: ['header', 'body'] }
    case 'keys-cold':
      // Every request may retry the key server, so each row meets the fault it sets.
      return { ...cognito, jwksCache: { timeout: 0.5, cooldown: 0, retryDelay: 0 } }
    case 'keys-warm':
      return { ...cognito, jwksCache: { timeout: 0.5, cooldown: 0, minMaxAge: 0 } }
    case 'dpop':
      return { ...cognito, dpop: { publicOrigin: API } }
    case 'dpop-only':
      return { ...cognito, dpop: { publicOrigin: API, required: true } }
    case 'dpop-nonce': {
      // No metadata document here, so the bare challenge is exactly "Bearer, DPoP algs=...".
      const { resourceMetadata: _none, ...plain } = cognito
      const nonceSecrets = ['a nonce secret of the conformance run, 32+ chars']
      return { ...plain, dpop: { publicOrigin: API, nonceSecrets, nonceStep: NONCE_STEP } }
    }
    case 'dpop-proxy':
      // No configured origin: the proxy at 127.0.0.1 (the suite's requests) forwards it.
      return { ...cognito, trustedProxies: ['127.0.0.1'], dpop: {} }
    case 'mtls':
      // DPoP on too: a token bound to a DPoP key and a certificate needs both proofs.
      return { ...cognito, mtls: true, dpop: { publicOrigin: API } }
    case 'mtls-off':
      return cognito
    case 'mtls-proxy':
      // The suite's requests come from 127.0.0.1: here that is the TLS-terminating proxy.
      return { ...cognito, mtls: true, trustedProxies: ['127.0.0.1'] }
    case 'opaque': {
      // No result cache, so every row meets the endpoint state it sets.
      const { endpoint, clientId, clientSecret } = servers.introspection
      const introspection = { endpoint, clientId, clientSecret, cache: false as const }
      return { ...cognito, introspection: { ...introspection, timeout: 0.5 } }
    }
  }
}
