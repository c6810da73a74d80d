/**
 * The adapter conformance suite: every driver serves the same app (app-spec.ts) and must answer
 * every row of the table (cases.ts) identically: status, whole WWW-Authenticate, Retry-After, and
 * whether the handler ran with which auth result. Real servers on port 0, real HTTP, a real
 * loopback key server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, type Verifier, type VerifierOptions } from '@scopeguard/core'
import { send } from '../support/http-client.js'
import { startIssuer, type IssuerServer } from '../support/issuer-server.js'
import { cognitoAccess, cognitoId, sign, signingKey, type SigningKey } from '../support/tokens.js'
import { READ, WRITE, type Driver, type RunningApp } from './app-spec.js'
import { cases, CLIENT, METADATA_URL, type Case, type TokenName, type Variant } from './cases.js'
import { drivers } from './drivers/index.js'

let rsa: SigningKey
let ec: SigningKey
let rogue: SigningKey
let main: IssuerServer
let cold: IssuerServer
let warm: IssuerServer

beforeAll(async () => {
  ;[rsa, ec, rogue] = await Promise.all([
    signingKey('RS256', 'rsa-1'),
    signingKey('ES256', 'ec-1'),
    signingKey('RS256', 'rogue'),
  ])
  ;[main, cold, warm] = await Promise.all([
    startIssuer([rsa.jwk, ec.jwk], 'us-east-1_Main'),
    startIssuer([rsa.jwk, ec.jwk], 'us-east-1_Cold'),
    startIssuer([rsa.jwk, ec.jwk], 'us-east-1_Warm'),
  ])
  cold.fault = 'down'
})
afterAll(async () => {
  await Promise.all([main, cold, warm].map((server) => server.close()))
})

const API = 'https://api.example'

function issuerOf(variant: Variant): IssuerServer {
  return variant === 'down-cold' ? cold : variant === 'down-warm' ? warm : main
}

function options(variant: Variant): VerifierOptions {
  const issuer = issuerOf(variant)
  const base: VerifierOptions = {
    issuer: issuer.issuer,
    clientId: CLIENT,
    tokenUse: 'access',
    resourceMetadata: { resource: API, scopesSupported: [READ, WRITE] },
    jwksCache: { timeout: 2, cooldown: 0 },
  }
  switch (variant) {
    case 'prefixed':
      return { ...base, resourceServer: 'https://photos.example.com' }
    case 'oidc':
      return {
        issuer: issuer.issuer,
        audience: API,
        resourceMetadata: base.resourceMetadata!,
        jwksCache: base.jwksCache!,
      }
    case 'query':
      return { ...base, transports: ['header', 'query'] }
    case 'body':
      return { ...base, transports: ['header', 'body'] }
    default:
      return base
  }
}

const tokens = new Map<string, Promise<string>>()

function token(name: TokenName, issuer: string): Promise<string> {
  const key = `${issuer} ${name}`
  let minted = tokens.get(key)
  if (minted === undefined) {
    minted = mint(name, issuer)
    tokens.set(key, minted)
  }
  return minted
}

async function mint(name: TokenName, iss: string): Promise<string> {
  const access = (scope: string, extra: Record<string, unknown> = {}) =>
    sign(rsa, cognitoAccess(iss, CLIENT, scope, extra))
  switch (name) {
    case 'read':
      return access(READ)
    case 'write':
      return access(WRITE)
    case 'readWrite':
      return access(`${READ} ${WRITE}`)
    case 'noScope':
      return sign(rsa, { iss, sub: CLIENT, client_id: CLIENT, token_use: 'access' })
    case 'lookalike':
      return access('photos.readonly photos.read.all')
    case 'prefixedRead':
      return access(`https://photos.example.com/${READ}`)
    case 'es256Read':
      return sign(ec, cognitoAccess(iss, CLIENT, READ))
    case 'expired':
      return access(READ, { iat: 1_600_000_000, exp: 1_600_000_600 })
    case 'tampered': {
      const [header, , signature] = (await access(READ)).split('.')
      const payload = Buffer.from(
        JSON.stringify(cognitoAccess(iss, CLIENT, `${READ} ${WRITE}`, { exp: 4_000_000_000 })),
      ).toString('base64url')
      return `${header}.${payload}.${signature}`
    }
    case 'otherIssuer':
      return sign(rsa, cognitoAccess(`${iss}x`, CLIENT, READ))
    case 'otherClient':
      return sign(rsa, cognitoAccess(iss, 'client-b', READ))
    case 'idToken':
      return sign(rsa, cognitoId(iss, CLIENT))
    case 'unknownKid':
      return sign(rogue, cognitoAccess(iss, CLIENT, READ))
    case 'oidcRead':
      return sign(rsa, { iss, sub: 'user-9', aud: API, client_id: 'oidc-client', scope: READ })
    case 'oidcOtherAudience':
      return sign(rsa, { iss, sub: 'user-9', aud: 'https://other.example', scope: READ })
  }
}

async function request(app: RunningApp, verifier: Verifier, row: Case) {
  const iss = issuerOf(row.variant).issuer
  const headers: Record<string, string | string[]> = {}
  if (typeof row.authorization === 'string') {
    headers.authorization = `${row.scheme ?? 'Bearer'} ${await token(row.authorization, iss)}`
  } else if (row.authorization !== undefined) {
    headers.authorization = row.authorization.raw
  }
  let path = row.path === 'metadata' ? verifier.resourceMetadata!.path : row.path
  if (row.queryToken !== undefined) {
    path += `?access_token=${encodeURIComponent(await token(row.queryToken, iss))}`
  }
  let body: string | undefined
  if (row.method === 'POST' || row.bodyToken !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = row.bodyToken === undefined ? 'x=1' : `access_token=${await token(row.bodyToken, iss)}`
  }
  return send(`${app.url}${path}`, {
    method: row.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  })
}

const variantsUsed = [...new Set(cases.map((row) => row.variant))]

describe.each(drivers)('conformance: $name', (driver: Driver) => {
  const apps = new Map<Variant, { app: RunningApp; verifier: Verifier }>()

  beforeAll(async () => {
    warm.fault = 'none'
    for (const variant of variantsUsed) {
      const verifier = createVerifier(options(variant))
      if (variant === 'down-warm') await verifier.warmup()
      apps.set(variant, { app: await driver.start(verifier), verifier })
    }
  })
  afterAll(async () => {
    await Promise.all([...apps.values()].map(({ app }) => app.close()))
  })

  it.each(cases)('$name', async (row) => {
    const { app, verifier } = apps.get(row.variant)!
    if (row.variant === 'down-warm') warm.fault = 'down'
    const response = await request(app, verifier, row)
    expect(response.status).toBe(row.status)
    expect(response.challenge).toBe(row.challenge)
    expect(response.headers['retry-after'] !== undefined).toBe(row.retryAfter === true)
    if (row.answer === 'document') {
      expect(response.json).toEqual({
        resource: API,
        authorization_servers: [main.issuer],
        scopes_supported: [READ, WRITE],
        bearer_methods_supported: ['header'],
      })
    } else if (row.answer !== undefined) {
      expect(response.json).toEqual(row.answer)
    } else {
      expect((response.json as { ran?: unknown } | undefined)?.ran).toBeUndefined()
    }
    // Nothing about the token ever comes back.
    const iss = issuerOf(row.variant).issuer
    if (typeof row.authorization === 'string') {
      const sent = await token(row.authorization, iss)
      expect(response.body).not.toContain(sent.split('.')[2])
    }
    expect(response.status).not.toBe(500)
  })

  it('points 401 challenges at the metadata document it serves', async () => {
    const { app, verifier } = apps.get('cognito')!
    expect(verifier.resourceMetadata!.url).toBe(METADATA_URL)
    const response = await send(`${app.url}/read`)
    expect(response.challenge).toBe(`Bearer resource_metadata="${METADATA_URL}"`)
  })
})
