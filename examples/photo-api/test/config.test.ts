import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { baseUrl, buildVerifier, publicOrigin } from '../src/app-verifier.js'
import { ConfigError, DEFAULT_DATA_DIR, loadConfig } from '../src/config.js'
import { parseRevokeArgs } from '../src/revoke-args.js'

describe('loadConfig', () => {
  it('defaults to express on 127.0.0.1:3000 with the development issuer', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      framework: 'express',
      publicUrl: undefined,
      publicOrigin: undefined,
      dpop: 'off',
      dpopNonceSecret: undefined,
      tls: undefined,
      issuer: undefined,
      jwksUri: undefined,
      audience: undefined,
      clientId: undefined,
      tokenUse: undefined,
      typ: undefined,
      resourceServer: undefined,
      algorithms: undefined,
      redisUrl: undefined,
      dataDir: DEFAULT_DATA_DIR,
      devIssuerPort: 3001,
      introspection: undefined,
    })
    expect(DEFAULT_DATA_DIR).toBe(resolve(import.meta.dirname, '../.data'))
  })

  it('reads every variable, splitting the comma lists', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      FRAMEWORK: 'NestJS',
      ISSUER: 'https://a.example, https://b.example',
      JWKS_URI: 'https://a.example/jwks.json',
      AUDIENCE: 'api1,api2',
      CLIENT_ID: 'c1',
      TOKEN_USE: 'id',
      TYP: 'at+jwt',
      RESOURCE_SERVER: 'https://photos.example.com',
      ALGORITHMS: 'RS256,ES256',
      DATA_DIR: 'some/dir',
      DEV_ISSUER_PORT: '0',
    })
    expect(config).toMatchObject({
      port: 8080,
      framework: 'nestjs',
      issuer: ['https://a.example', 'https://b.example'],
      audience: ['api1', 'api2'],
      clientId: ['c1'],
      tokenUse: 'id',
      algorithms: ['RS256', 'ES256'],
      dataDir: resolve('some/dir'),
      devIssuerPort: 0,
    })
    expect(baseUrl(config, 8080)).toBe('http://localhost:8080')
  })

  it('reads DPOP (any case) and DPOP_NONCE_SECRET, and derives the DPoP origin', () => {
    const config = loadConfig({ DPOP: 'Required', DPOP_NONCE_SECRET: 's'.repeat(32) })
    expect([config.dpop, config.dpopNonceSecret]).toEqual(['required', 's'.repeat(32)])
    expect(publicOrigin(config, 3000)).toBe('http://127.0.0.1:3000')
    const behind = loadConfig({ PUBLIC_URL: 'https://photos.example.com/api/' })
    expect([publicOrigin(behind, 3000), baseUrl(behind, 3000)]).toEqual([
      'https://photos.example.com',
      'https://photos.example.com/api',
    ])
    const named = loadConfig({ PUBLIC_ORIGIN: 'HTTPS://Photos.Example.com:443/' })
    expect([publicOrigin(named, 3000), baseUrl(named, 3000)]).toEqual([
      'https://photos.example.com',
      'https://photos.example.com',
    ])
  })

  it.each([
    [
      { FRAMEWORK: 'hapi' },
      'FRAMEWORK=hapi is unknown: use one of express, koa, fastify, nestjs, hono',
    ],
    [{ PORT: 'http' }, 'PORT=http is not a port: use an integer from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT=70000 is not a port: use an integer from 0 to 65535'],
    [{ DEV_ISSUER_PORT: '-1' }, 'DEV_ISSUER_PORT=-1 is not a port: use an integer from 0 to 65535'],
    [{ TOKEN_USE: 'refresh' }, 'TOKEN_USE=refresh is unknown: use access or id'],
    [{ DPOP: 'maybe' }, 'DPOP=maybe is unknown: use one of off, allowed, required'],
    [
      { DPOP_NONCE_SECRET: 'x'.repeat(32) },
      'DPOP_NONCE_SECRET is set but DPOP is off: set DPOP=allowed or DPOP=required to use DPoP nonces',
    ],
    [
      { DPOP: 'required', DPOP_NONCE_SECRET: 'short' },
      'DPOP_NONCE_SECRET is 5 characters long: use a random secret of at least 32 characters',
    ],
    [
      { PUBLIC_ORIGIN: 'https://api.example/v1' },
      'PUBLIC_ORIGIN has "https://api.example/v1": use the scheme://host[:port] clients call, such as https://photos.example.com, without a path',
    ],
    [
      { PUBLIC_ORIGIN: 'api.example' },
      'PUBLIC_ORIGIN has "api.example": use the scheme://host[:port]',
    ],
    [
      { TLS_CERT: 'server.pem' },
      'TLS_KEY is not set: HTTPS needs both TLS_CERT (certificate, PEM) and TLS_KEY (its private key, PEM)',
    ],
    [
      { TLS_CLIENT_CA: 'ca.pem' },
      'TLS_CLIENT_CA is set but TLS_CERT and TLS_KEY are not: client certificates need HTTPS',
    ],
    [
      { TLS_CERT: '/nonexistent/server.pem', TLS_KEY: '/nonexistent/key.pem' },
      'TLS_CERT=/nonexistent/server.pem cannot be read (ENOENT): give the path of a PEM file',
    ],
    [
      { ALGORITHMS: 'RS256,HS256' },
      'ALGORITHMS has "HS256", which is not supported: use a comma-separated list of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519',
    ],
    [
      { ISSUER: 'https://issuer.example' },
      'ISSUER is set but neither AUDIENCE nor CLIENT_ID is: set AUDIENCE (the aud your tokens carry) or CLIENT_ID (the app clients allowed, e.g. for Cognito access tokens)',
    ],
    [
      { ISSUER: 'issuer.example', AUDIENCE: 'a' },
      'ISSUER has "issuer.example", which is not an absolute URL (https://...)',
    ],
    [
      { ISSUER: 'ftp://issuer.example', AUDIENCE: 'a' },
      'ISSUER has "ftp://issuer.example": use an https:// URL',
    ],
    [
      { ISSUER: 'https://i.example', AUDIENCE: 'a', JWKS_URI: '/jwks' },
      'JWKS_URI has "/jwks", which is not an absolute URL (https://...)',
    ],
    [
      { AUDIENCE: 'api' },
      'AUDIENCE is set but ISSUER is not: set ISSUER to use your own authorization server, or unset AUDIENCE to use the development issuer',
    ],
    [
      { CLIENT_ID: 'c' },
      'CLIENT_ID is set but ISSUER is not: set ISSUER to use your own authorization server, or unset CLIENT_ID to use the development issuer',
    ],
    [
      { JWKS_URI: 'https://k.example' },
      'JWKS_URI is set but ISSUER is not: set ISSUER to use your own authorization server, or unset JWKS_URI to use the development issuer',
    ],
    [
      { PUBLIC_URL: 'api.example' },
      'PUBLIC_URL has "api.example", which is not an absolute URL (https://...)',
    ],
    [
      { INTROSPECTION_CLIENT_SECRET: 's' },
      'INTROSPECTION_CLIENT_SECRET is set but INTROSPECTION_CLIENT_ID is not: set INTROSPECTION_CLIENT_ID',
    ],
    [
      { INTROSPECTION_CLIENT_ID: 'api', INTROSPECTION_CLIENT_SECRET: 's' },
      'INTROSPECTION_CLIENT_ID is set but ISSUER is not: introspection needs your own authorization server',
    ],
    [
      { ISSUER: 'https://i.example', AUDIENCE: 'a', INTROSPECTION_CLIENT_ID: 'api' },
      'INTROSPECTION_CLIENT_ID is set but INTROSPECTION_CLIENT_SECRET is not',
    ],
    [
      { ...INTROSPECTED, INTROSPECTION_CACHE_TTL: '1m' },
      'INTROSPECTION_CACHE_TTL=1m is not a number of seconds',
    ],
    [
      { ...INTROSPECTED, INTROSPECTION_ENDPOINT: 'introspect' },
      'INTROSPECTION_ENDPOINT has "introspect", which is not an absolute URL',
    ],
  ])('stops on %j with a message saying what to fix', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('turns introspection on with INTROSPECTION_CLIENT_ID (endpoint by discovery, 60 s cache)', () => {
    expect(loadConfig(INTROSPECTED).introspection).toEqual({
      endpoint: undefined,
      clientId: 'photo-api',
      clientSecret: 'secret',
      cacheTtl: 60,
    })
    const off = loadConfig({
      ...INTROSPECTED,
      INTROSPECTION_ENDPOINT: 'https://i.example/introspect',
      INTROSPECTION_CACHE_TTL: '0',
    })
    expect(off.introspection).toMatchObject({
      endpoint: 'https://i.example/introspect',
      cacheTtl: 0,
    })
  })
})

const INTROSPECTED = {
  ISSUER: 'https://i.example',
  AUDIENCE: 'a',
  INTROSPECTION_CLIENT_ID: 'photo-api',
  INTROSPECTION_CLIENT_SECRET: 'secret',
}

describe('buildVerifier', () => {
  it('publishes RFC 9728 metadata at the API base URL with prefixed scopes', () => {
    const config = loadConfig({
      ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz',
      CLIENT_ID: 'app',
      RESOURCE_SERVER: 'https://photos.example.com',
    })
    const verifier = buildVerifier(
      config,
      { issuer: config.issuer!, clientId: config.clientId },
      'http://127.0.0.1:3000',
    )
    expect(verifier.resourceMetadata).toEqual({
      url: 'http://127.0.0.1:3000/.well-known/oauth-protected-resource',
      path: '/.well-known/oauth-protected-resource',
      document: {
        resource: 'http://127.0.0.1:3000',
        authorization_servers: ['https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz'],
        scopes_supported: [
          'https://photos.example.com/photos.read',
          'https://photos.example.com/photos.write',
        ],
        bearer_methods_supported: ['header'],
      },
    })
  })
})

describe('REDIS_URL and the revocation CLI arguments', () => {
  it('takes a redis:// or rediss:// URL and refuses anything else with the variable named', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe(
      'redis://127.0.0.1:6379',
    )
    expect(loadConfig({ REDIS_URL: ' rediss://cache.example:6380/0 ' }).redisUrl).toBe(
      'rediss://cache.example:6380/0',
    )
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined()
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(ConfigError)
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(
      /REDIS_URL has "localhost:6379"/,
    )
  })

  it('reads one of --jti, --origin-jti, --subject with its value, and nothing else', () => {
    expect(parseRevokeArgs(['--jti', 'j1'])).toEqual({ kind: 'jti', value: 'j1' })
    expect(parseRevokeArgs(['--origin-jti', 'o1'])).toEqual({ kind: 'origin_jti', value: 'o1' })
    expect(parseRevokeArgs(['--subject', 'u1'])).toEqual({ kind: 'sub', value: 'u1' })
    for (const args of [[], ['--jti'], ['--jti', ''], ['--sub', 'u1'], ['--jti', 'a', 'b']]) {
      expect(() => parseRevokeArgs(args)).toThrow(/^usage: /)
    }
  })
})
