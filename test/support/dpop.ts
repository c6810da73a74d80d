/**
 * DPoP proofs for every package's tests (RFC 9449 §4.2): a client key pair, and proofs signed with
 * it over sane defaults (`iat` now, a fresh `jti`, `ath` of the token) or exactly as given for
 * hostile cases. The thumbprint comes from jose, an implementation independent of the core's.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { b64u, nowSec, signRaw, type SigningAlg, type SigningKey } from './tokens.js'

/** A DPoP client key: its private key signs proofs, its public JWK travels in them. */
export interface DpopKey extends SigningKey {
  /** The RFC 7638 thumbprint (`cnf.jkt` of tokens bound to this key). */
  jkt: string
}

/** Generates a DPoP client key. */
export async function dpopKey(alg: SigningAlg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  const jwk = await exportJWK(publicKey)
  return { alg, kid: '', privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') }
}

/** base64url SHA-256 of a token: the proof's `ath`. */
export async function athOf(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return b64u(new Uint8Array(digest))
}

/** What a proof says; anything set to `undefined` is left out. */
export interface ProofClaims {
  htm: string
  htu: string
  /** The access token the proof goes with (its hash becomes `ath`). */
  token?: string
  [claim: string]: unknown
}

/**
 * Signs a proof: header `{ typ: 'dpop+jwt', alg, jwk }` plus `header`, claims `jti`, `iat` now,
 * `ath` of `token`, plus `claims` (an `undefined` value removes a member).
 */
export async function proof(
  key: DpopKey,
  claims: ProofClaims,
  header: Record<string, unknown> = {},
): Promise<string> {
  const { token, ...rest } = claims
  const payload: Record<string, unknown> = {
    jti: crypto.randomUUID(),
    iat: nowSec(),
    ...(token === undefined ? {} : { ath: await athOf(token) }),
    ...rest,
  }
  const fullHeader: Record<string, unknown> = {
    typ: 'dpop+jwt',
    alg: key.alg,
    jwk: key.jwk,
    ...header,
  }
  return signRaw(key, JSON.stringify(drop(fullHeader)), JSON.stringify(drop(payload)))
}

function drop(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined))
}
