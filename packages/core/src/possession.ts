/**
 * Proof of possession, per request: a sender-constrained token is served only to the client that
 * proves it holds the key (DPoP, RFC 9449) or the certificate (mTLS, RFC 8705) the token is bound
 * to. The token's own verification (cached or fresh) comes first; this module then checks the
 * binding (`cnf`), and claims the proof's `jti` last, once every other check has passed.
 *
 * A bound token is never served as a plain bearer token (RFC 9449 §7.2, RFC 8705 §3), also when
 * the feature that could prove it is off.
 *
 * @module
 */
import { bindAuthInfo, type AuthInfo } from './auth-info.js'
import { backend } from '#crypto-backend'
import { nodeClientCertificate, type AuthRequest } from './bearer.js'
import { encodeBase64url } from './base64url.js'
import type { CheckedProof } from './dpop-proof.js'
import { Refusal } from './errors.js'
import type { EventHub } from './events.js'
import { andThen, type MaybePromise } from './maybe-async.js'
import type { NormalizedDpop } from './sender-options.js'
import { forwardedCertificate, fromTrustedProxy } from './trusted-proxy.js'

/** The confirmation claim of a token (RFC 7800), as far as binding goes. */
interface Confirmation {
  jkt?: unknown
  'x5t#S256'?: unknown
}

/** What the possession checks need from the verifier's configuration. */
export interface PossessionConfig {
  dpop: NormalizedDpop | undefined
  /** Certificate-bound tokens accepted (`mtls: true`). */
  mtls: boolean
  trustedProxies: ReadonlySet<string>
  clockToleranceSec: number
  events: EventHub
}

/** The binding checks of one verifier. */
export interface Possession {
  /** A token that came as `Bearer` (or through `verify()`): bound tokens need their certificate. */
  bearer(auth: AuthInfo, request: AuthRequest | undefined): MaybePromise<AuthInfo>
  /** A token that came as `DPoP` with a checked proof: `cnf.jkt`, the certificate, then replay. */
  dpop(auth: AuthInfo, proof: CheckedProof, request: AuthRequest): MaybePromise<AuthInfo>
}

/**
 * The token's `cnf`. RFC 7800 §3.1 makes it a JSON object; any other value says the token is bound
 * somehow but not how, so it is refused rather than served as a bearer token.
 */
function confirmationOf(auth: AuthInfo): Confirmation | undefined {
  const cnf: unknown = auth.claims.cnf
  if (cnf === undefined) return undefined
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    throw new Refusal('bad_claim')
  }
  return cnf
}

/** The DER bytes of the client certificate: the TLS socket's, or a trusted proxy's header. */
function clientCertificate(
  request: AuthRequest | undefined,
  trustedProxies: ReadonlySet<string>,
): Uint8Array | undefined {
  if (request === undefined) return undefined
  if (fromTrustedProxy(request, trustedProxies)) {
    const forwarded = forwardedCertificate(request)
    if (forwarded !== undefined) return forwarded
  }
  const own = request.clientCertificate
  const der = typeof own === 'function' ? own() : (own ?? nodeClientCertificate(request.socket))
  return der instanceof Uint8Array && der.length > 0 ? der : undefined
}

/** Makes the possession checks of a verifier. */
export function createPossession(config: PossessionConfig): Possession {
  const { dpop, mtls, trustedProxies } = config

  /** RFC 8705 §3: the token's `x5t#S256` must be the SHA-256 of the client certificate. */
  function checkCertificate(
    expected: unknown,
    request: AuthRequest | undefined,
  ): MaybePromise<string> {
    if (!mtls) throw new Refusal('bound_token')
    if (typeof expected !== 'string') throw new Refusal('bad_claim')
    const der = clientCertificate(request, trustedProxies)
    if (der === undefined) throw new Refusal('certificate_mismatch')
    return andThen(backend.sha256(der), (digest) => {
      const thumbprint = encodeBase64url(digest)
      if (thumbprint !== expected) throw new Refusal('certificate_mismatch')
      return thumbprint
    })
  }

  return {
    bearer(auth, request) {
      const cnf = confirmationOf(auth)
      if (cnf === undefined) return auth
      if (cnf.jkt !== undefined) throw new Refusal('bound_token')
      if (cnf['x5t#S256'] === undefined) {
        // Bound by a method this kit cannot confirm (RFC 7800 `jwk`, `jwe`, `kid`, ...): serving
        // it as a bearer token would discard the binding its issuer made. An empty `cnf` binds
        // nothing.
        if (Object.keys(cnf).length > 0) throw new Refusal('bound_token')
        return auth
      }
      return andThen(checkCertificate(cnf['x5t#S256'], request), (thumbprint) =>
        bindAuthInfo(auth, 'bearer', { certificateThumbprint: thumbprint }, undefined),
      )
    },
    dpop(auth, proof, request) {
      const settings = dpop as NormalizedDpop
      const cnf = confirmationOf(auth)
      if (typeof cnf?.jkt !== 'string') throw new Refusal('unbound_token')
      if (cnf.jkt !== proof.jkt) throw new Refusal('binding_mismatch')
      const certificate =
        cnf['x5t#S256'] === undefined ? undefined : checkCertificate(cnf['x5t#S256'], request)
      return andThen(certificate, (thumbprint) => {
        // The proof is remembered until it could no longer pass the `iat` window.
        const windowEnd = proof.iat + settings.proofMaxAgeSec + config.clockToleranceSec
        const ttlMs = Math.max(1000, Math.ceil(windowEnd * 1000 - Date.now()))
        let claimed: boolean | Promise<boolean>
        try {
          claimed = settings.replayStore.claim(`${proof.jkt}:${proof.jti}`, ttlMs)
        } catch (cause) {
          throw new Refusal('replay_unavailable', { cause, retryAfter: 1 })
        }
        const admitted = (first: boolean): MaybePromise<AuthInfo> => {
          if (first !== true) {
            if (config.events.active) {
              config.events.emit({ type: 'dpop_replay', issuer: auth.issuer })
            }
            throw new Refusal('dpop_replay')
          }
          const binding =
            thumbprint === undefined
              ? { jkt: proof.jkt }
              : { jkt: proof.jkt, certificateThumbprint: thumbprint }
          if (!proof.nonceAging || settings.nonces === undefined) {
            return bindAuthInfo(auth, 'dpop', binding, undefined)
          }
          return andThen(settings.nonces.current(), (nonce) =>
            bindAuthInfo(auth, 'dpop', binding, { 'DPoP-Nonce': nonce }),
          )
        }
        return claimed instanceof Promise
          ? claimed.then(admitted, (cause: unknown) => {
              throw new Refusal('replay_unavailable', { cause, retryAfter: 1 })
            })
          : admitted(claimed)
      })
    },
  }
}
