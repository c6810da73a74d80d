import { http, HttpResponse } from 'msw'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, OAuthError, type VerifierOptions } from '../src/index.js'
import { jwksEndpoint, serveJwks } from '../../../test/support/msw-issuer.js'
import { outcome } from '../../../test/support/outcome.js'
import {
  b64u,
  signingKey,
  mint,
  nowSec,
  signRaw,
  signSegments,
  type SigningKey,
} from '../../../test/support/tokens.js'

const A = 'https://a.issuer.example'
const B = 'https://b.issuer.example'
const jwksA = jwksEndpoint(`${A}/keys`)
const jwksB = jwksEndpoint(`${B}/keys`)
const down = jwksEndpoint('https://down.example/keys')
down.failWith = 503
const evil = jwksEndpoint('https://evil.example/keys')
const server = serveJwks([jwksA, jwksB, down, evil])
let rsaA: SigningKey
let rsaB: SigningKey
let ecA: SigningKey
let edA: SigningKey
let attacker: SigningKey

beforeAll(async () => {
  ;[rsaA, rsaB, ecA, edA, attacker] = await Promise.all([
    signingKey('RS256', 'shared'),
    signingKey('RS256', 'shared'),
    signingKey('ES256', 'ec-a'),
    signingKey('EdDSA', 'ed-a'),
    signingKey('RS256', 'attacker'),
  ])
  jwksA.keys = [rsaA.jwk, ecA.jwk, edA.jwk]
  jwksB.keys = [{ ...rsaB.jwk }, { ...rsaB.jwk, kid: 'b-only' }]
  evil.keys = [attacker.jwk]
})
afterEach(() => {
  server.resetHandlers()
  for (const e of [jwksA, jwksB, down, evil]) e.hits = 0
})

const make = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: A, jwksUri: jwksA.url, audience: null, ...options })
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: A,
  sub: 's',
  exp: nowSec() + 600,
  ...extra,
})

describe('signatures and keys', () => {
  it('verifies RS256, ES256 and EdDSA tokens, and reports the node backend', async () => {
    const verifier = make()
    for (const key of [rsaA, ecA, edA]) {
      expect(await outcome(verifier.verify(await mint(key, claims())))).toBe('accepted')
    }
    expect(await outcome(verifier.verify(await mint(edA, claims(), { alg: 'Ed25519' })))).toBe(
      'accepted',
    )
    expect(verifier.backend).toBe('node')
    expect(jwksA.hits).toBe(1)
  })

  it('refuses a token whose payload was changed after signing', async () => {
    const [h, , s] = (await mint(rsaA, claims())).split('.')
    const forged = `${h}.${b64u(JSON.stringify(claims({ sub: 'admin' })))}.${s}`
    expect(await outcome(make().verify(forged))).toBe('invalid_token/bad_signature')
  })

  it('refuses a key whose type does not fit the alg (an RSA kid under ES256)', async () => {
    const token = await signRaw(ecA, '{"alg":"ES256","kid":"shared"}', JSON.stringify(claims()))
    expect(await outcome(make().verify(token))).toBe('invalid_token/unusable_key')
  })

  it('refuses HS256 signed with the public key as secret, and alg none', async () => {
    const header = b64u('{"alg":"HS256","kid":"shared"}')
    const payload = b64u(JSON.stringify(claims()))
    const secret = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(JSON.stringify(rsaA.jwk)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const mac = await crypto.subtle.sign(
      'HMAC',
      secret,
      new TextEncoder().encode(`${header}.${payload}`),
    )
    expect(await outcome(make().verify(`${header}.${payload}.${b64u(new Uint8Array(mac))}`))).toBe(
      'invalid_token/unsupported_alg',
    )
    expect(await outcome(make().verify(`${b64u('{"alg":"none"}')}.${payload}.`))).toBe(
      'invalid_token/unsupported_alg',
    )
    expect(jwksA.hits).toBe(0)
  })

  it('never fetches or trusts jku, x5u, jwk or x5c from the header', async () => {
    let hits = 0
    server.use(
      http.get(
        'https://evil.example/*',
        () => (hits++, HttpResponse.json({ keys: [attacker.jwk] })),
      ),
    )
    const header = {
      jku: evil.url,
      x5u: 'https://evil.example/cert',
      jwk: attacker.jwk,
      x5c: ['MIIB'],
    }
    const own = await mint(attacker, claims(), header)
    const borrowed = await mint(attacker, claims(), { ...header, kid: 'shared' })
    const verifier = make()
    expect(await outcome(verifier.verify(own))).toBe('invalid_token/unknown_kid')
    expect(await outcome(verifier.verify(borrowed))).toBe('invalid_token/bad_signature')
    expect(hits + evil.hits).toBe(0)
  })

  it('refuses a five-part JWE with encrypted_token before fetching any key', async () => {
    const verifier = make()
    const jwe = [
      b64u('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"shared"}'),
      'a',
      'b',
      'c',
      'd',
    ].join('.')
    expect(await outcome(verifier.verify(jwe))).toBe('invalid_token/encrypted_token')
    expect(verifier.stats().jwksFetches).toBe(0)
    expect(jwksA.hits).toBe(0)
  })
})

describe('payload parsing before crypto', () => {
  const header = '{"alg":"RS256","kid":"shared"}'

  it('refuses duplicate claims, even when validly signed', async () => {
    const exp = nowSec() + 600
    for (const payload of [
      `{"iss":"${A}","exp":${exp},"sub":"user","sub":"admin"}`,
      `{"iss":"${A}","exp":${exp},"scope":"a","scope":"admin"}`,
      `{"iss":"${A}","iss":"${A}","exp":${exp}}`,
      `{"iss":"${A}","exp":${exp},"x":{"role":"a","role":"b"}}`,
    ]) {
      expect(await outcome(make().verify(await signRaw(rsaA, header, payload)))).toBe(
        'invalid_token/malformed',
      )
    }
  })

  it('keeps __proto__ and constructor claims harmless', async () => {
    const payload = `{"__proto__":{"iss":"${A}","scope":"admin"},"constructor":{"prototype":{"scope":"x"}},"exp":${nowSec() + 600}}`
    expect(await outcome(make().verify(await signRaw(rsaA, header, payload)))).toBe(
      'invalid_token/bad_issuer',
    )
    const ok = `{"iss":"${A}","__proto__":{"scope":"admin"},"exp":${nowSec() + 600}}`
    const auth = await make().verify(await signRaw(rsaA, header, ok))
    expect(auth.scopes).toEqual([])
    expect(({} as Record<string, unknown>).scope).toBeUndefined()
  })

  it('refuses a payload that is not a JSON object, is not UTF-8, or nests too deeply', async () => {
    const exp = nowSec() + 600
    const payloads = [
      '[1]',
      '"x"',
      'not json',
      `{"iss":"${A}","exp":${exp},"x":${'['.repeat(40)}${']'.repeat(40)}}`,
    ]
    for (const payload of payloads) {
      expect(await outcome(make().verify(await signRaw(rsaA, header, payload)))).toBe(
        'invalid_token/malformed',
      )
    }
    const latin1 = b64u(
      new Uint8Array([
        ...new TextEncoder().encode(`{"iss":"${A}","exp":${exp},"n":"`),
        0xe9,
        0x22,
        0x7d,
      ]),
    )
    expect(await outcome(make().verify(await signSegments(rsaA, b64u(header), latin1)))).toBe(
      'invalid_token/malformed',
    )
  })

  it('refuses a token over maxTokenLength, an empty token and a non-string', async () => {
    const token = await mint(rsaA, claims())
    expect(await outcome(make({ maxTokenLength: token.length - 1 }).verify(token))).toBe(
      'invalid_token/too_large',
    )
    expect(await outcome(make({ maxTokenLength: token.length }).verify(token))).toBe('accepted')
    expect(await outcome(make().verify(''))).toBe('invalid_token/malformed')
    expect(await outcome(make().verify(42 as unknown as string))).toBe('invalid_token/malformed')
  })
})

describe('several issuers', () => {
  const multi = () => make({ issuer: [A, B], jwksUri: { [A]: jwksA.url, [B]: jwksB.url } })

  it("takes each token's keys only from its own issuer's key set", async () => {
    const verifier = multi()
    // Both issuers publish a key with kid "shared"; B's key must never verify an A token.
    expect(await outcome(verifier.verify(await mint(rsaB, claims({ iss: B }))))).toBe('accepted')
    expect(await outcome(verifier.verify(await mint(rsaB, claims({ iss: A }))))).toBe(
      'invalid_token/bad_signature',
    )
    expect(await outcome(verifier.verify(await mint(rsaA, claims({ iss: A }))))).toBe('accepted')
    expect(await outcome(verifier.verify(await mint(rsaA, claims({ iss: B }))))).toBe(
      'invalid_token/bad_signature',
    )
    expect(jwksA.hits).toBe(1)
    expect(jwksB.hits).toBe(1)
    expect(verifier.stats()).toEqual({
      jwksFetches: 2,
      generations: { [A]: 1, [B]: 1 },
      tokenCacheSize: 2,
    })
  })

  it("does not look in another issuer's key set for an unknown kid", async () => {
    const verifier = multi()
    const token = await signRaw(
      rsaB,
      '{"alg":"RS256","kid":"b-only"}',
      JSON.stringify(claims({ iss: A })),
    )
    expect(await outcome(verifier.verify(token))).toBe('invalid_token/unknown_kid')
    expect(jwksB.hits).toBe(0)
  })

  it('never fetches anything for an unknown issuer', async () => {
    const verifier = multi()
    expect(
      await outcome(verifier.verify(await mint(rsaA, claims({ iss: 'https://c.issuer.example' })))),
    ).toBe('invalid_token/bad_issuer')
    expect(jwksA.hits + jwksB.hits).toBe(0)
  })

  it('shares one key-set cache between issuers configured with the same URL', async () => {
    const verifier = make({ issuer: [A, B], jwksUri: { [A]: jwksA.url, [B]: jwksA.url } })
    await verifier.verify(await mint(rsaA, claims({ iss: A })))
    await verifier.verify(await mint(rsaA, claims({ iss: B })))
    expect(verifier.stats().jwksFetches).toBe(1)
  })
})

describe('key sources', () => {
  it('uses static jwks without fetching anything, even for an unknown kid', async () => {
    const verifier = make({ jwksUri: undefined, jwks: { keys: [rsaA.jwk] } })
    expect(await outcome(verifier.verify(await mint(rsaA, claims())))).toBe('accepted')
    expect(await outcome(verifier.verify(await mint(ecA, claims())))).toBe(
      'invalid_token/unknown_kid',
    )
    await verifier.warmup()
    expect(verifier.stats().jwksFetches).toBe(0)
    const explicit = make({ jwksUri: null, jwks: { [A]: { keys: [rsaA.jwk] } } })
    expect(await outcome(explicit.verify(await mint(rsaA, claims())))).toBe('accepted')
  })

  it('uses preloaded jwks first and fetches the URL for a kid they lack', async () => {
    const verifier = make({ jwks: { keys: [rsaA.jwk] } })
    expect(await outcome(verifier.verify(await mint(rsaA, claims())))).toBe('accepted')
    expect(jwksA.hits).toBe(0)
    expect(await outcome(verifier.verify(await mint(ecA, claims())))).toBe('accepted')
    expect(jwksA.hits).toBe(1)
  })

  it('finds the key-set URL through discovery when no jwksUri is given', async () => {
    server.use(
      http.get(`${A}/.well-known/openid-configuration`, () =>
        HttpResponse.json({ issuer: A, jwks_uri: jwksA.url }),
      ),
    )
    const verifier = make({ jwksUri: undefined })
    expect(await outcome(verifier.verify(await mint(rsaA, claims())))).toBe('accepted')
    expect(jwksA.hits).toBe(1)
  })

  it('warmup() loads the keys ahead of traffic', async () => {
    const verifier = make()
    await verifier.warmup()
    expect(jwksA.hits).toBe(1)
    await verifier.verify(await mint(rsaA, claims()))
    expect(jwksA.hits).toBe(1)
  })

  it('warmup() and verify() answer 503 temporarily_unavailable when the key server is down', async () => {
    const verifier = make({ jwksUri: down.url, jwksCache: { retryDelay: 3 } })
    const error = await verifier.warmup().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OAuthError)
    expect(error).toMatchObject({
      status: 503,
      reason: 'jwks_unavailable',
      headers: { 'Retry-After': '3' },
    })
    expect(await outcome(verifier.verify(await mint(rsaA, claims())))).toBe(
      'temporarily_unavailable/jwks_unavailable',
    )
  })
})

describe('authenticate', () => {
  it('verifies the bearer token of a request', async () => {
    const token = await mint(rsaA, claims())
    const auth = await make().authenticate({
      method: 'GET',
      url: '/x',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(auth.subject).toBe('s')
  })
})
