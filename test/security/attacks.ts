/**
 * The attack table: every row is one request to `GET /read` (route scope `photos.read`) of an app
 * whose verifier trusts one Cognito-style loopback issuer, and the exact answer it must get. The
 * same rows run against the core and every adapter driver (attacks.test.ts).
 */
import type { JWK } from 'jose'
import { craft, craftKey, part, publicKeyEncodings, type CraftKey } from './craft.js'

export const CLIENT = 'client-a'
export const READ = 'photos.read'

const DESCRIPTIONS = {
  malformed: 'The access token is malformed',
  too_large: 'The access token is too large',
  unsupported_alg: 'The access token is signed with an algorithm that is not allowed',
  bad_signature: 'The access token signature is invalid',
  unknown_kid: 'The access token is signed with an unknown key',
  unusable_key: 'The access token is signed with a key that cannot be used',
  expired: 'The access token expired',
  not_yet_valid: 'The access token is not yet valid',
  issued_in_future: 'The access token is issued in the future',
  missing_claim: 'The access token lacks a required claim',
  bad_claim: 'The access token has an invalid claim',
  bad_issuer: 'The access token issuer is not accepted',
  bad_audience: 'The access token audience is not accepted',
  bad_client: 'The access token client is not accepted',
  bad_token_use: 'The token is not of the accepted kind',
  bad_scope_claim: 'The access token scope claim is invalid',
  unsupported_crit: 'The access token has an unsupported critical header',
  encrypted_token: 'Encrypted tokens are not accepted',
} as const

export type Refusal =
  keyof typeof DESCRIPTIONS | 'insufficient_scope' | 'missing' | 'bad_request' | 'duplicate'

/** The exact answer of a refusal (status and whole WWW-Authenticate), or of success. */
export function answerOf(refusal: Refusal | 'ok'): { status: number; challenge: string | null } {
  switch (refusal) {
    case 'ok':
      return { status: 200, challenge: null }
    case 'missing':
      return { status: 401, challenge: 'Bearer' }
    case 'bad_request':
      return {
        status: 400,
        challenge: 'Bearer error="invalid_request", error_description="The request is malformed"',
      }
    case 'duplicate':
      return {
        status: 400,
        challenge:
          'Bearer error="invalid_request", error_description="The request carries more than one access token"',
      }
    case 'insufficient_scope':
      return {
        status: 403,
        challenge: `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="${READ}"`,
      }
    default:
      return {
        status: 401,
        challenge: `Bearer error="invalid_token", error_description="${DESCRIPTIONS[refusal]}"`,
      }
  }
}

/** The keys of a run: what the issuer publishes, and what attackers hold. */
export interface AttackKeys {
  rsa: CraftKey
  ec: CraftKey
  ed: CraftKey
  p384: CraftKey
  enc: CraftKey
  dupRsa: CraftKey
  dupEc: CraftKey
  dup2a: CraftKey
  dup2b: CraftKey
  small: CraftKey
  attacker: CraftKey
  /** The key set the issuer publishes. */
  published: JWK[]
}

/** Generates the run's keys (RSA generation is the slow part: about a second in all). */
export function attackKeys(): AttackKeys {
  const rsa = craftKey('rsa', 'rsa-1', { alg: 'RS256', use: 'sig' })
  const ec = craftKey('p256', 'ec-1', { alg: 'ES256', use: 'sig' })
  const ed = craftKey('ed25519', 'ed-1', { use: 'sig' })
  const p384 = craftKey('p384', 'ec-384')
  const enc = craftKey('rsa', 'rsa-enc', { use: 'enc' })
  const dupRsa = craftKey('rsa', 'dup')
  const dupEc = craftKey('p256', 'dup')
  const dup2a = craftKey('rsa', 'dup2')
  const dup2b = craftKey('rsa', 'dup2')
  const small = craftKey('rsa1024', 'rsa-1024')
  const attacker = craftKey('rsa', 'attacker', { alg: 'RS256' })
  const published: JWK[] = [
    rsa.jwk,
    ec.jwk,
    ed.jwk,
    p384.jwk,
    enc.jwk,
    dupRsa.jwk,
    dupEc.jwk,
    dup2a.jwk,
    dup2b.jwk,
    small.jwk,
    { kty: 'RSA', kid: 'rsa-e1', n: rsa.jwk.n, e: 'AQ' },
    { kty: 'oct', kid: 'hmac', k: part('a shared secret that must never verify'), alg: 'HS256' },
  ]
  return { rsa, ec, ed, p384, enc, dupRsa, dupEc, dup2a, dup2b, small, attacker, published }
}

export interface AttackContext {
  issuer: string
  keys: AttackKeys
  /** A loopback server that counts every request it gets (it must get none). */
  attackerUrl: string
}

export interface AttackRow {
  category: string
  name: string
  headers: Record<string, string | string[]>
  expect: Refusal | 'ok'
  /**
   * The answer where the server reads Fetch API `Headers` (Hono), when it differs: `Headers` joins
   * repeated fields with `", "`, so this row's one field reads exactly as two would.
   */
  onFetchHeaders?: Refusal
}

const now = () => Math.floor(Date.now() / 1000)

/** Good Cognito access-token claims, with `extra` merged over them. */
export function claimsOf(
  issuer: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: issuer,
    sub: CLIENT,
    client_id: CLIENT,
    token_use: 'access',
    scope: READ,
    iat: now(),
    exp: now() + 600,
    jti: crypto.randomUUID(),
    ...extra,
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/**
 * Every attack row for one run.
 *
 * @example
 * ```ts
 * for (const row of attackRows({ issuer, keys, attackerUrl })) ...
 * ```
 */
export function attackRows({ issuer, keys, attackerUrl }: AttackContext): AttackRow[] {
  const { rsa, ec, ed, p384, enc, dupRsa, dupEc, dup2a, small, attacker } = keys
  const good = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    craft({ alg: 'RS256', kid: 'rsa-1', ...header }, claimsOf(issuer, extra), {
      alg: 'RS256',
      key: rsa,
    })
  const goodToken = good()
  const [goodHeader, goodPayload, goodSignature] = goodToken.split('.') as [string, string, string]
  const rows: AttackRow[] = []
  const add = (
    category: string,
    name: string,
    token: string | Record<string, string | string[]>,
    expect: Refusal | 'ok',
  ) =>
    rows.push({
      category,
      name,
      headers: typeof token === 'string' ? bearer(token) : token,
      expect,
    })

  // Baselines: the table's app accepts what it should.
  add('baseline', 'a good RS256 token', goodToken, 'ok')
  add(
    'baseline',
    'a good ES256 token',
    craft({ alg: 'ES256', kid: 'ec-1' }, claimsOf(issuer), { alg: 'ES256', key: ec }),
    'ok',
  )
  add(
    'baseline',
    'a good EdDSA token',
    craft({ alg: 'EdDSA', kid: 'ed-1' }, claimsOf(issuer), { alg: 'EdDSA', key: ed }),
    'ok',
  )

  // Algorithm attacks.
  for (const none of ['none', 'None', 'NONE', 'nOnE']) {
    add(
      'algorithm',
      `alg "${none}" with an empty signature`,
      craft({ alg: none, kid: 'rsa-1' }, claimsOf(issuer), 'none'),
      'unsupported_alg',
    )
  }
  add(
    'algorithm',
    'alg "none" carrying a genuine RS256 signature',
    `${part({ alg: 'none', kid: 'rsa-1' })}.${goodPayload}.${goodSignature}`,
    'unsupported_alg',
  )
  add('algorithm', 'RS256 with an empty signature', `${goodHeader}.${goodPayload}.`, 'malformed')
  add(
    'algorithm',
    'RS256 with the signature of another token',
    `${goodHeader}.${good({ scope: 'photos.read photos.write' }).split('.')[1]}.${goodSignature}`,
    'bad_signature',
  )
  for (const [encoding, secret] of Object.entries(publicKeyEncodings(rsa))) {
    add(
      'algorithm',
      `HS256 keyed with the RSA public key (${encoding})`,
      craft({ alg: 'HS256', kid: 'rsa-1' }, claimsOf(issuer), { hmac: 'sha256', secret }),
      'unsupported_alg',
    )
  }
  add(
    'algorithm',
    'HS256 keyed with the oct key the JWKS publishes',
    craft({ alg: 'HS256', kid: 'hmac' }, claimsOf(issuer), {
      hmac: 'sha256',
      secret: Buffer.from('a shared secret that must never verify'),
    }),
    'unsupported_alg',
  )
  add(
    'algorithm',
    'RS512 (outside the allowlist) by the real key',
    craft({ alg: 'RS512', kid: 'rsa-1' }, claimsOf(issuer), { alg: 'RS512', key: rsa }),
    'unsupported_alg',
  )
  add(
    'algorithm',
    'PS256 (outside the allowlist) by the real key',
    craft({ alg: 'PS256', kid: 'rsa-1' }, claimsOf(issuer), { alg: 'PS256', key: rsa }),
    'unsupported_alg',
  )
  add(
    'algorithm',
    'an unknown alg name',
    craft({ alg: 'RS257', kid: 'rsa-1' }, claimsOf(issuer), { alg: 'RS256', key: rsa }),
    'unsupported_alg',
  )
  add(
    'algorithm',
    'alg ES256 naming an RSA key',
    craft({ alg: 'ES256', kid: 'rsa-1' }, claimsOf(issuer), { alg: 'ES256', key: ec }),
    'unusable_key',
  )
  add(
    'algorithm',
    'alg RS256 naming an EC key',
    craft({ alg: 'RS256', kid: 'ec-1' }, claimsOf(issuer), { alg: 'RS256', key: rsa }),
    'unusable_key',
  )
  add(
    'algorithm',
    'alg EdDSA naming an EC key',
    craft({ alg: 'EdDSA', kid: 'ec-1' }, claimsOf(issuer), { alg: 'EdDSA', key: ed }),
    'unusable_key',
  )
  add(
    'algorithm',
    'alg ES256 naming a P-384 key (curve mismatch)',
    craft({ alg: 'ES256', kid: 'ec-384' }, claimsOf(issuer), { alg: 'ES384', key: p384 }),
    'unusable_key',
  )
  add(
    'algorithm',
    'alg as a number',
    craft({ alg: 256, kid: 'rsa-1' }, claimsOf(issuer), { alg: 'RS256', key: rsa }),
    'malformed',
  )
  add(
    'algorithm',
    'no alg at all',
    craft({ kid: 'rsa-1' }, claimsOf(issuer), { alg: 'RS256', key: rsa }),
    'malformed',
  )
  add(
    'algorithm',
    'crit naming an unknown extension',
    good({}, { crit: ['exp'], exp: 1 }),
    'unsupported_crit',
  )
  add('algorithm', 'crit as a string', good({}, { crit: 'b64' }), 'malformed')
  add('algorithm', 'crit empty', good({}, { crit: [] }), 'malformed')
  add(
    'algorithm',
    'b64: false (unencoded payload)',
    good({}, { b64: false, crit: ['b64'] }),
    'unsupported_crit',
  )
  add('algorithm', 'b64: false without crit', good({}, { b64: false }), 'unsupported_crit')

  // Key injection: embedded or remote keys are never fetched or trusted.
  const attackerSigned = (header: Record<string, unknown>) =>
    craft({ alg: 'RS256', ...header }, claimsOf(issuer), { alg: 'RS256', key: attacker })
  add(
    'key injection',
    'jwk header with the attacker key',
    attackerSigned({ kid: 'attacker', jwk: attacker.jwk }),
    'unknown_kid',
  )
  add(
    'key injection',
    'jwk header, kid of the real key',
    attackerSigned({ kid: 'rsa-1', jwk: attacker.jwk }),
    'bad_signature',
  )
  add(
    'key injection',
    'jku to an attacker server',
    attackerSigned({ kid: 'attacker', jku: `${attackerUrl}/jwks.json` }),
    'unknown_kid',
  )
  add(
    'key injection',
    'x5u to an attacker server',
    attackerSigned({ kid: 'attacker', x5u: `${attackerUrl}/cert.pem` }),
    'unknown_kid',
  )
  add(
    'key injection',
    'x5c with a self-made chain',
    attackerSigned({ kid: 'attacker', x5c: [part('not a certificate')] }),
    'unknown_kid',
  )
  add(
    'key injection',
    'jku, kid of the real key',
    attackerSigned({ kid: 'rsa-1', jku: `${attackerUrl}/jwks.json` }),
    'bad_signature',
  )
  add(
    'key injection',
    'a genuine token that also names a jku (ignored)',
    good({}, { jku: `${attackerUrl}/jwks.json` }),
    'ok',
  )
  for (const [label, kid] of [
    ['a number', 1],
    ['an object', { a: 1 }],
    ['an array', ['rsa-1']],
    ['null', null],
  ] as const) {
    add('key injection', `kid as ${label}`, good({}, { kid }), 'malformed')
  }
  for (const [label, kid] of [
    ['path traversal', '../../../../etc/passwd'], // repo-bounds: not a path (a hostile kid)
    ['a URL', `${attackerUrl}/key`],
    ['quotes and commas', 'a", error="none'],
    ['CR LF header injection', 'x\r\nSet-Cookie: a=b'],
    ['NUL and control characters', 'x\u0000\u0007\u001b[31m'],
    ['4 KB', 'k'.repeat(4096)],
    ['non-ASCII', 'ключ-🔑'],
  ] as const) {
    add('key injection', `hostile kid: ${label}`, attackerSigned({ kid }), 'unknown_kid')
  }
  add(
    'key injection',
    'signed by a key published with use "enc"',
    craft({ alg: 'RS256', kid: 'rsa-enc' }, claimsOf(issuer), { alg: 'RS256', key: enc }),
    'unusable_key',
  )
  add(
    'key injection',
    'signed by a published 1024-bit RSA key',
    craft({ alg: 'RS256', kid: 'rsa-1024' }, claimsOf(issuer), { alg: 'RS256', key: small }),
    'unusable_key',
  )
  add(
    'key injection',
    'naming a published RSA key with exponent 1',
    craft({ alg: 'RS256', kid: 'rsa-e1' }, claimsOf(issuer), { alg: 'RS256', key: rsa }),
    'unusable_key',
  )
  add(
    'key injection',
    'duplicate kid: the RSA one of an RSA+EC pair',
    craft({ alg: 'RS256', kid: 'dup' }, claimsOf(issuer), { alg: 'RS256', key: dupRsa }),
    'ok',
  )
  add(
    'key injection',
    'duplicate kid: the EC one of an RSA+EC pair',
    craft({ alg: 'ES256', kid: 'dup' }, claimsOf(issuer), { alg: 'ES256', key: dupEc }),
    'ok',
  )
  add(
    'key injection',
    'duplicate kid: two RSA keys (ambiguous)',
    craft({ alg: 'RS256', kid: 'dup2' }, claimsOf(issuer), { alg: 'RS256', key: dup2a }),
    'unusable_key',
  )

  // Claims.
  const withoutExp = claimsOf(issuer)
  delete withoutExp.exp
  add(
    'claims',
    'no exp',
    craft({ alg: 'RS256', kid: 'rsa-1' }, withoutExp, { alg: 'RS256', key: rsa }),
    'missing_claim',
  )
  add('claims', 'exp as a string', good({ exp: String(now() + 600) }), 'bad_claim')
  add('claims', 'exp as a boolean', good({ exp: true }), 'bad_claim')
  add('claims', 'exp past the largest safe integer', good({ exp: 2 ** 60 }), 'bad_claim')
  const hugeExp = `${part({ alg: 'RS256', kid: 'rsa-1' })}.${part(JSON.stringify(claimsOf(issuer)).replace(/"exp":\d+/, '"exp":1e400'))}`
  add(
    'claims',
    'exp 1e400 (Infinity once parsed)',
    craft(hugeExp.split('.')[0], hugeExp.split('.')[1], { alg: 'RS256', key: rsa }, true),
    'bad_claim',
  )
  add('claims', 'expired long ago', good({ iat: 1_600_000_000, exp: 1_600_000_600 }), 'expired')
  add('claims', 'expired a minute ago', good({ iat: now() - 3600, exp: now() - 60 }), 'expired')
  add('claims', 'nbf in the future', good({ nbf: now() + 3600 }), 'not_yet_valid')
  add('claims', 'iat in the future', good({ iat: now() + 3600 }), 'issued_in_future')
  add('claims', 'issuer with a trailing slash', good({ iss: `${issuer}/` }), 'bad_issuer')
  add('claims', 'issuer in upper case', good({ iss: issuer.toUpperCase() }), 'bad_issuer')
  add(
    'claims',
    'issuer as a prefix of the real one',
    good({ iss: issuer.slice(0, -1) }),
    'bad_issuer',
  )
  add('claims', 'issuer with a suffix', good({ iss: `${issuer}.evil` }), 'bad_issuer')
  add('claims', 'issuer as an array', good({ iss: [issuer] }), 'bad_issuer')
  add(
    'claims',
    'no issuer',
    craft(
      { alg: 'RS256', kid: 'rsa-1' },
      { ...claimsOf(issuer), iss: undefined },
      { alg: 'RS256', key: rsa },
    ),
    'bad_issuer',
  )
  add('claims', 'another app client', good({ client_id: 'client-b' }), 'bad_client')
  add('claims', 'client_id as an array', good({ client_id: [CLIENT] }), 'bad_client')
  add(
    'claims',
    'client in aud instead of client_id',
    good({ client_id: undefined, aud: CLIENT }),
    'bad_client',
  )
  add(
    'claims',
    'an ID token on an access route',
    good({ token_use: 'id', client_id: undefined, aud: CLIENT }),
    'bad_token_use',
  )
  add('claims', 'token_use missing', good({ token_use: undefined }), 'bad_token_use')
  add('claims', 'token_use in upper case', good({ token_use: 'ACCESS' }), 'bad_token_use')
  add('claims', 'scope photos.readonly', good({ scope: 'photos.readonly' }), 'insufficient_scope')
  add(
    'claims',
    'scope with a foreign resource-server prefix',
    good({ scope: `https://evil.example/${READ}` }),
    'insufficient_scope',
  )
  add('claims', 'scope in another case', good({ scope: 'Photos.Read' }), 'insufficient_scope')
  add(
    'claims',
    'scope joined by a tab',
    good({ scope: `${READ}\tphotos.write` }),
    'insufficient_scope',
  )
  add(
    'claims',
    'scope with a confusable letter (Greek omicron)',
    good({ scope: 'ph\u03bftos.read' }),
    'insufficient_scope',
  )
  add(
    'claims',
    'scope with a zero-width space',
    good({ scope: `${READ}\u200b` }),
    'insufficient_scope',
  )
  add('claims', 'scope as an array', good({ scope: [READ] }), 'bad_scope_claim')
  add('claims', 'scope as a number', good({ scope: 1 }), 'bad_scope_claim')
  add('claims', 'scp as an array (accepted form)', good({ scope: undefined, scp: [READ] }), 'ok')
  add(
    'claims',
    'scp as an object',
    good({ scope: undefined, scp: { [READ]: true } }),
    'bad_scope_claim',
  )
  add(
    'claims',
    'scp array holding a non-string',
    good({ scope: undefined, scp: [READ, 1] }),
    'bad_scope_claim',
  )
  const duplicateScope = JSON.stringify(claimsOf(issuer, { scope: 'none' })).replace(
    '"scope":"none"',
    `"scope":"none","scope":"${READ}"`,
  )
  add(
    'claims',
    'duplicate member names in the payload',
    craft(
      part({ alg: 'RS256', kid: 'rsa-1' }),
      part(duplicateScope),
      { alg: 'RS256', key: rsa },
      true,
    ),
    'malformed',
  )
  add(
    'claims',
    'duplicate alg in the header',
    craft(
      part('{"alg":"none","alg":"RS256","kid":"rsa-1"}'),
      goodPayload,
      { alg: 'RS256', key: rsa },
      true,
    ),
    'malformed',
  )
  const protoScope = JSON.stringify(claimsOf(issuer, { scope: undefined })).replace(
    '{',
    `{"__proto__":{"scope":"${READ}"},`,
  )
  add(
    'claims',
    '__proto__ carrying a scope grants nothing',
    craft(part({ alg: 'RS256', kid: 'rsa-1' }), part(protoScope), { alg: 'RS256', key: rsa }, true),
    'insufficient_scope',
  )
  add(
    'claims',
    'constructor and prototype claims are harmless',
    good({ constructor: { prototype: { admin: true } }, prototype: 1 }),
    'ok',
  )
  add(
    'claims',
    'unknown claims never refuse',
    good({ 'https://example.com/custom': { nested: [1, 2] } }),
    'ok',
  )

  // Encoding.
  add(
    'encoding',
    'padding inside the token (not RFC 6750 token68 syntax)',
    `${goodHeader}.${goodPayload}==.${goodSignature}`,
    'bad_request',
  )
  add('encoding', 'padding at the end of the signature', `${goodToken}==`, 'malformed')
  add(
    'encoding',
    'whitespace inside a segment',
    `${goodHeader}.${goodPayload.slice(0, 10)} ${goodPayload.slice(10)}.${goodSignature}`,
    'bad_request',
  )
  add(
    'encoding',
    'standard base64 characters (+ /)',
    `${goodHeader}.${goodPayload}.${goodSignature.replaceAll('-', '+').replaceAll('_', '/')}${goodSignature.includes('-') || goodSignature.includes('_') ? '' : '+'}`,
    'malformed',
  )
  add(
    'encoding',
    'non-canonical final character in the signature',
    `${goodHeader}.${goodPayload}.${nonCanonical(goodSignature)}`,
    'malformed',
  )
  add('encoding', 'two segments', `${goodHeader}.${goodPayload}`, 'malformed')
  add('encoding', 'four segments', `${goodToken}.${goodSignature}`, 'malformed')
  add(
    'encoding',
    'five segments (JWE)',
    `${part({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`,
    'encrypted_token',
  )
  add(
    'encoding',
    'JWE with PBES2 and 10^9 iterations',
    `${part({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 1_000_000_000, p2s: part('salt') })}.${part('k')}.${part('iv')}.${part('ct')}.${part('tag')}`,
    'encrypted_token',
  )
  add('encoding', 'an empty token between dots', '..', 'malformed')
  add(
    'encoding',
    'over the size limit',
    `${goodHeader}.${'A'.repeat(9000)}.${goodSignature}`,
    'too_large',
  )
  const deep = JSON.stringify(claimsOf(issuer)).replace(
    '{',
    `{"deep":${'['.repeat(5000)}${']'.repeat(5000)},`,
  )
  add(
    'encoding',
    'deeply nested JSON (5,000 levels)',
    craft(part({ alg: 'RS256', kid: 'rsa-1' }), part(deep), { alg: 'RS256', key: rsa }, true),
    'too_large',
  )
  const shallowDeep = JSON.stringify(claimsOf(issuer)).replace(
    '{',
    `{"deep":${'['.repeat(20)}${']'.repeat(20)},`,
  )
  add(
    'encoding',
    'nested JSON within the depth limit (20 levels)',
    craft(
      part({ alg: 'RS256', kid: 'rsa-1' }),
      part(shallowDeep),
      { alg: 'RS256', key: rsa },
      true,
    ),
    'ok',
  )
  const pastLimit = JSON.stringify(claimsOf(issuer)).replace(
    '{',
    `{"deep":${'['.repeat(40)}${']'.repeat(40)},`,
  )
  add(
    'encoding',
    'nested JSON past the depth limit (40 levels)',
    craft(part({ alg: 'RS256', kid: 'rsa-1' }), part(pastLimit), { alg: 'RS256', key: rsa }, true),
    'malformed',
  )
  const invalidUtf8 = Buffer.concat([
    Buffer.from(JSON.stringify(claimsOf(issuer)).slice(0, -1)),
    Buffer.from(',"x":"'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('"}'),
  ])
  add(
    'encoding',
    'invalid UTF-8 in the payload',
    craft(
      part({ alg: 'RS256', kid: 'rsa-1' }),
      part(invalidUtf8),
      { alg: 'RS256', key: rsa },
      true,
    ),
    'malformed',
  )
  add(
    'encoding',
    'a header that is JSON but not an object',
    craft(part('["RS256"]'), goodPayload, { alg: 'RS256', key: rsa }, true),
    'malformed',
  )
  add(
    'encoding',
    'a payload that is JSON but not an object',
    craft(goodHeader, part('"claims"'), { alg: 'RS256', key: rsa }, true),
    'malformed',
  )
  add(
    'encoding',
    'a payload that is not JSON',
    craft(goodHeader, part('not json'), { alg: 'RS256', key: rsa }, true),
    'malformed',
  )
  add(
    'encoding',
    'a byte-order mark before the header JSON',
    craft(
      part(`\ufeff${JSON.stringify({ alg: 'RS256', kid: 'rsa-1' })}`),
      goodPayload,
      { alg: 'RS256', key: rsa },
      true,
    ),
    'malformed',
  )

  // Transport (RFC 6750 section 2.1).
  add('transport', 'no Authorization header', {}, 'missing')
  add('transport', 'Basic credentials', { authorization: 'Basic dXNlcjpwYXNz' }, 'missing')
  add(
    'transport',
    'another scheme carrying the token',
    { authorization: `Token ${goodToken}` },
    'missing',
  )
  add(
    'transport',
    'the scheme glued to the token',
    { authorization: `Bearer${goodToken}` },
    'missing',
  )
  add('transport', 'Bearer alone', { authorization: 'Bearer' }, 'bad_request')
  add('transport', 'Bearer and spaces', { authorization: 'Bearer   ' }, 'bad_request')
  add(
    'transport',
    'Bearer, a token and more',
    { authorization: `Bearer ${goodToken} extra` },
    'bad_request',
  )
  add(
    'transport',
    'a comma-joined pair of tokens',
    { authorization: `Bearer ${goodToken}, Bearer ${goodToken}` },
    'bad_request',
  )
  // Over Fetch API Headers this one field is byte for byte what two Authorization fields become.
  rows[rows.length - 1]!.onFetchHeaders = 'duplicate'
  add(
    'transport',
    'a tab after Bearer (RFC 7235 wants a space: not Bearer credentials)',
    { authorization: `Bearer\t${goodToken}` },
    'missing',
  )
  add('transport', 'a quoted token', { authorization: `Bearer "${goodToken}"` }, 'bad_request')
  add('transport', 'the scheme in any case', { authorization: `bEaReR ${goodToken}` }, 'ok')
  add(
    'transport',
    'two Authorization headers',
    { authorization: [`Bearer ${goodToken}`, `Bearer ${goodToken}`] },
    'duplicate',
  )
  add(
    'transport',
    'two Authorization headers, one not Bearer',
    { authorization: [`Bearer ${goodToken}`, 'Basic dXNlcjpwYXNz'] },
    'duplicate',
  )
  return rows
}

/** Changes the last base64url character so that it carries non-zero unused bits. */
function nonCanonical(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const unusedBits = [0, 0, 4, 2][segment.length % 4] as number
  if (unusedBits === 0) return `${segment.slice(0, -4)}AAAA=`
  const last = alphabet.indexOf(segment.at(-1) as string)
  return segment.slice(0, -1) + (alphabet[last | 1] as string)
}
