/**
 * The adapter conformance suite: every driver serves the same app (app-spec.ts) and must answer
 * every row of the table (cases.ts) identically: status, whole WWW-Authenticate, Retry-After,
 * whether the handler ran and with which auth result. Real servers on port 0, real HTTP (node:http,
 * so a header can be sent twice), one shared loopback key server pair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createVerifier,
  OAuthError,
  type ScopeguardEvent,
  type VerificationEvent,
  type Verifier,
} from '@scopeguard/core'
import { send } from '../support/http-client.js'
import { startIntrospectionServer } from '../support/introspection-server.js'
import { startIssuer } from '../support/issuer-server.js'
import { testKeys } from '../support/keys.js'
import type { Driver, RunningApp } from './app-spec.js'
import { cases, METADATA_URL, type Case, type Variant } from './cases.js'
import { drivers } from './drivers/index.js'
import { fillTokens, introspectionAnswer, tokenFor } from './tokens.js'
import { serverOf, variantOptions, type KeyServers } from './variants.js'

let servers: KeyServers

beforeAll(async () => {
  const { rsa, ec } = await testKeys()
  const [main, flaky] = await Promise.all([
    startIssuer([rsa.jwk, ec.jwk], 'us-east-1_Test'),
    startIssuer([rsa.jwk, ec.jwk], 'us-east-1_Flaky'),
  ])
  flaky.maxAge = 0
  const introspection = await startIntrospectionServer((token) =>
    introspectionAnswer(token, main.issuer),
  )
  servers = { main, flaky, introspection }
})
afterAll(async () => {
  await Promise.all([servers.main.close(), servers.flaky.close(), servers.introspection.close()])
})

/** Builds the row's request (tokens filled in for the variant's issuer) and sends it. */
async function request(app: RunningApp, verifier: Verifier, row: Case) {
  const issuer = serverOf(row.variant, servers).issuer
  const { method = 'GET', path, headers = {}, query, body } = row.request
  const sent: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    sent[name] = Array.isArray(value)
      ? await Promise.all(value.map((v) => fillTokens(v, issuer)))
      : await fillTokens(value, issuer)
  }
  let target = path.replace('{metadata}', verifier.resourceMetadata?.path ?? '{metadata}')
  if (query !== undefined) target += `?${await form(query, issuer)}`
  let payload: string | undefined
  if (body !== undefined || method === 'POST') {
    sent['content-type'] = 'application/x-www-form-urlencoded'
    payload = body === undefined ? 'x=1' : await form(body, issuer)
  }
  return send(`${app.url}${target}`, {
    method,
    headers: sent,
    ...(payload === undefined ? {} : { body: payload }),
  })
}

async function form(fields: Record<string, string>, issuer: string): Promise<string> {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(fields))
    params.append(name, await fillTokens(value, issuer))
  return params.toString()
}

/** The tokens a row sends (by their last non-empty segment), to prove none comes back. */
async function sentTokenParts(row: Case, issuer: string): Promise<string[]> {
  const { headers = {}, query = {}, body = {} } = row.request
  const text = JSON.stringify([headers, query, body])
  const names = [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string)
  const tokens = await Promise.all(names.map((name) => tokenFor(name, issuer)))
  return tokens.map(
    (token) =>
      token
        .split('.')
        .filter((part) => part !== '')
        .at(-1) as string,
  )
}

/** `{issuer}` in an expected JSON body stands for the variant's issuer. */
function expectedJson(row: Case): unknown {
  const issuer = serverOf(row.variant, servers).issuer
  return JSON.parse(JSON.stringify(row.json).replaceAll('{issuer}', issuer))
}

const variantsUsed = [...new Set(cases.map((row) => row.variant))]

/**
 * The verifier's events must tell the same story as the answer: a refused request reports exactly
 * one refusal, with the answer's status and the reason whose sentence the challenge carries; a
 * request served with a token reports it accepted.
 */
function expectEventsToMatch(row: Case, events: ScopeguardEvent[]): void {
  const verifications = events.filter(
    (event): event is VerificationEvent => event.type === 'verification',
  )
  const refusals = verifications.filter(
    (event) => event.outcome !== 'accepted' && event.outcome !== 'anonymous',
  )
  if ([400, 401, 403, 503].includes(row.status)) {
    expect(refusals).toHaveLength(1)
    const [refusal] = refusals as [VerificationEvent]
    expect(refusal.status).toBe(row.status)
    expect(refusal.outcome).toBe(row.status === 503 ? 'unavailable' : 'refused')
    expect(refusal.stage).toBe(row.status === 403 ? 'scope' : 'token')
    const description = /error_description="([^"]*)"/.exec(row.challenge ?? '')?.[1]
    if (description !== undefined) expect(OAuthError.describe(refusal.reason!)).toBe(description)
    else if (row.status === 401) expect(refusal.reason).toBe('missing_token')
    else expect(['jwks_unavailable', 'introspection_unavailable']).toContain(refusal.reason)
  } else {
    expect(refusals).toEqual([])
  }
  const accepted = verifications.filter((event) => event.outcome === 'accepted')
  if (row.handlerRan && row.auth !== undefined && row.auth !== null) {
    expect(accepted).toHaveLength(1)
    expect(accepted[0]).toMatchObject({ stage: 'token', scheme: 'bearer', status: 200 })
  }
  if (row.handlerRan && (row.auth === null || row.auth === undefined)) expect(accepted).toEqual([])
}

describe.each(drivers)('conformance: $name', (driver: Driver) => {
  const apps = new Map<Variant, { app: RunningApp; verifier: Verifier }>()
  const events: ScopeguardEvent[] = []

  beforeAll(async () => {
    servers.flaky.fault = 'none'
    for (const variant of variantsUsed) {
      const verifier = createVerifier(variantOptions(variant, servers))
      verifier.subscribe((event) => events.push(event))
      if (variant === 'keys-warm') await verifier.warmup()
      apps.set(variant, { app: await driver.start(verifier), verifier })
    }
  })
  afterAll(async () => {
    await Promise.all([...apps.values()].map(({ app }) => app.close()))
  })

  it.each(cases)('$name', async (row) => {
    const { app, verifier } = apps.get(row.variant)!
    for (const server of [servers.main, servers.flaky]) {
      server.fault = server === serverOf(row.variant, servers) ? (row.keyServer ?? 'none') : 'none'
    }
    servers.introspection.fault = row.introspection ?? 'none'
    const runsBefore = app.runs()
    const fetchesBefore = verifier.stats().jwksFetches
    events.length = 0

    const response = await request(app, verifier, row)

    expect({
      status: response.status,
      challenge: response.challenge,
      retryAfter: response.headers['retry-after'] !== undefined,
      handlerRan: app.runs() > runsBefore,
    }).toEqual({
      status: row.status,
      challenge: row.challenge,
      retryAfter: row.retryAfter === true,
      handlerRan: row.handlerRan,
    })
    expect(app.runs() - runsBefore).toBe(row.handlerRan ? 1 : 0)
    if (row.handlerRan) {
      const { auth = null } = row
      const answer = auth === null ? { ran: true, auth: null } : { ran: true, ...auth }
      expect(app.lastAnswer()).toEqual(answer)
      if (row.request.method !== 'HEAD') {
        expect(response.headers['content-type']).toMatch(/^application\/json\b/)
        expect(response.json).toEqual(answer)
      }
    }
    if (row.json !== undefined) {
      expect(response.headers['content-type']).toMatch(/^application\/json\b/)
      expect(response.json).toEqual(expectedJson(row))
    }
    if (row.retryAfter === true) expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/)
    expectEventsToMatch(row, events)
    const echoed = `${response.body}\n${JSON.stringify(response.headers)}\n${JSON.stringify(events)}`
    for (const part of await sentTokenParts(row, serverOf(row.variant, servers).issuer)) {
      expect(echoed).not.toContain(part)
    }
    if (row.keysFetched !== undefined) {
      expect(verifier.stats().jwksFetches > fetchesBefore).toBe(row.keysFetched)
    }
  })

  it('points 401 challenges at the metadata document it serves', async () => {
    const { app, verifier } = apps.get('cognito')!
    expect(verifier.resourceMetadata!.url).toBe(METADATA_URL)
    const document = await send(`${app.url}${verifier.resourceMetadata!.path}`)
    expect(document.status).toBe(200)
    expect((await send(`${app.url}/read`)).challenge).toBe(
      `Bearer resource_metadata="${METADATA_URL}"`,
    )
  })
})
