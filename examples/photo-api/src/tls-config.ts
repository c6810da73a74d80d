/**
 * `TLS_CERT`, `TLS_KEY` and `TLS_CLIENT_CA`: the PEM files of HTTPS, read and checked at start so
 * a wrong path or a key that does not match its certificate stops the start with a message.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { ConfigError } from './config-error.js'

/** HTTPS settings, as Node's `https.createServer` takes them. */
export interface TlsConfig {
  /** `TLS_CERT`: the server certificate chain (PEM). */
  cert: string
  /** `TLS_KEY`: its private key (PEM). */
  key: string
  /**
   * `TLS_CLIENT_CA`: the CA certificates (PEM) named in the TLS certificate request. When set, the
   * server asks every client for a certificate and certificate-bound tokens (RFC 8705) are
   * accepted; unset, no client certificate is asked for.
   */
  clientCa: string | undefined
}

/** The Node TLS server options of {@link TlsConfig}. */
export interface TlsServerOptions {
  cert: string
  key: string
  ca?: string
  requestCert: boolean
  rejectUnauthorized: boolean
}

const text = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim()

function readPem(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new ConfigError(`${name}=${path} cannot be read (${code}): give the path of a PEM file`)
  }
}

/**
 * Reads the TLS variables: none set is plain HTTP; `TLS_CERT` and `TLS_KEY` go together;
 * `TLS_CLIENT_CA` needs both.
 *
 * @throws {@link ConfigError} naming the variable to fix.
 * @example
 * ```ts
 * tlsConfig({ TLS_CERT: 'server.pem', TLS_KEY: 'server-key.pem' })
 * ```
 */
export function tlsConfig(env: Record<string, string | undefined>): TlsConfig | undefined {
  const certPath = text(env.TLS_CERT)
  const keyPath = text(env.TLS_KEY)
  const caPath = text(env.TLS_CLIENT_CA)
  if (certPath === undefined && keyPath === undefined) {
    if (caPath !== undefined) {
      throw new ConfigError(
        'TLS_CLIENT_CA is set but TLS_CERT and TLS_KEY are not: client certificates need HTTPS, set the server certificate and key too',
      )
    }
    return undefined
  }
  if (certPath === undefined || keyPath === undefined) {
    const missing = certPath === undefined ? 'TLS_CERT' : 'TLS_KEY'
    throw new ConfigError(
      `${missing} is not set: HTTPS needs both TLS_CERT (certificate, PEM) and TLS_KEY (its private key, PEM)`,
    )
  }
  const tls = {
    cert: readPem('TLS_CERT', certPath),
    key: readPem('TLS_KEY', keyPath),
    clientCa: caPath === undefined ? undefined : readPem('TLS_CLIENT_CA', caPath),
  }
  try {
    createSecureContext({ cert: tls.cert, key: tls.key })
  } catch (error) {
    throw new ConfigError(
      `TLS_CERT and TLS_KEY cannot be used together (${(error as Error).message}): give a PEM certificate and the private key that matches it`,
    )
  }
  if (tls.clientCa !== undefined) {
    try {
      createSecureContext({ ca: tls.clientCa })
      if (!tls.clientCa.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no certificate')
    } catch (error) {
      throw new ConfigError(
        `TLS_CLIENT_CA=${caPath} holds no usable CA certificate (${(error as Error).message}): give PEM certificates`,
      )
    }
  }
  return tls
}

/**
 * The server options: with a client CA, every connection is asked for a certificate but one that
 * is missing or not issued by that CA is not refused during the handshake. Bearer and DPoP clients
 * have none, and a certificate-bound token is judged by the certificate's thumbprint in its `cnf`
 * (RFC 8705 §3), which the verifier checks on every request; the CA list tells clients which
 * certificate to send.
 *
 * @throws Never.
 * @example
 * ```ts
 * https.createServer(tlsServerOptions(config.tls), handler)
 * ```
 */
export function tlsServerOptions(tls: TlsConfig): TlsServerOptions {
  if (tls.clientCa === undefined) {
    return { cert: tls.cert, key: tls.key, requestCert: false, rejectUnauthorized: false }
  }
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.clientCa,
    requestCert: true,
    rejectUnauthorized: false,
  }
}
