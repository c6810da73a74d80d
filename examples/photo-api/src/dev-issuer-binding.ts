/**
 * How the development issuer binds a token to its client (for trying sender-constrained tokens
 * offline): to the key of the DPoP proof sent with the token request (RFC 9449 §5), or to a client
 * certificate given as a `client_certificate` form parameter (PEM). A real authorization server
 * binds a certificate-bound token to the certificate of the mutual-TLS connection (RFC 8705 §3);
 * the development issuer listens on plain HTTP on loopback, so the certificate is named instead.
 *
 * @module
 */
import { createHash, X509Certificate } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose'

/** The `cnf` claim (RFC 7800) a token gets, or none. */
export interface TokenBinding {
  cnf?: { jkt?: string; 'x5t#S256'?: string }
}

/** The algorithms the development issuer accepts for proofs (the verifier's default list). */
const PROOF_ALGORITHMS = ['ES256', 'EdDSA', 'PS256', 'RS256']

/**
 * The RFC 7638 thumbprint of the key that signed the request's DPoP proof; `undefined` without a
 * proof; `{ error }` for a proof that is not one for this token endpoint (signature, `typ`, `alg`,
 * `iat` within 60 s, `htm` POST, `htu` the token endpoint, a `jti`). The development issuer does
 * not keep `jti`s: a replayed proof gets another token.
 *
 * @throws Never.
 * @example
 * ```ts
 * await dpopProofKey(req, 'http://127.0.0.1:3001/token') // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export async function dpopProofKey(
  req: IncomingMessage,
  tokenUrl: string,
): Promise<string | { error: string } | undefined> {
  const proofs = req.headersDistinct.dpop
  if (proofs === undefined) return undefined
  if (proofs.length !== 1) return { error: 'invalid_dpop_proof' }
  try {
    const { payload, protectedHeader } = await jwtVerify(proofs[0]!, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: PROOF_ALGORITHMS,
      maxTokenAge: 60,
      clockTolerance: 5,
    })
    if (payload.htm !== 'POST' || payload.htu !== tokenUrl || typeof payload.jti !== 'string') {
      return { error: 'invalid_dpop_proof' }
    }
    return await calculateJwkThumbprint(protectedHeader.jwk!, 'sha256')
  } catch {
    return { error: 'invalid_dpop_proof' }
  }
}

/**
 * The `cnf` of a token from the proof's thumbprint and the `client_certificate` parameter.
 *
 * @throws Never: a bad proof or certificate is `{ error }` (answered 400).
 * @example
 * ```ts
 * tokenBinding('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', undefined) // { cnf: { jkt: '...' } }
 * ```
 */
export function tokenBinding(
  jkt: string | { error: string } | undefined,
  certificate: unknown,
): TokenBinding | { error: string } {
  if (typeof jkt === 'object') return jkt
  const cnf: NonNullable<TokenBinding['cnf']> = {}
  if (jkt !== undefined) cnf.jkt = jkt
  if (certificate !== undefined) {
    if (typeof certificate !== 'string') return { error: 'invalid_request' }
    let der: Buffer
    try {
      der = new X509Certificate(certificate).raw
    } catch {
      return { error: 'invalid_request' }
    }
    // RFC 8705 §3.1: base64url of the SHA-256 of the DER certificate.
    cnf['x5t#S256'] = createHash('sha256').update(der).digest('base64url')
  }
  return Object.keys(cnf).length === 0 ? {} : { cnf }
}
