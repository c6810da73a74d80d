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
import { testCertificates, type TestCertificates } from '../support/certificates.js'
import { proof } from '../support/dpop.js'
import { send, type RawResponse } from '../support/http-client.js'
import { startIntrospectionServer } from '../support/introspection-server.js'
import { startIssuer } from '../support/issuer-server.js'
import { testKeys } from '../support/keys.js'
import type { Driver, RunningApp } from './app-spec.js'
import { cases, METADATA_URL, type Case, type Variant } from './cases.js'
import { drivers } from './drivers/index.js'
import type { ProofSpec } from './sender-cases.js'
import { API, dpopKeys, fillTokens, introspectionAnswer, tokenFor } from './tokens.js'
import { NONCE_STEP, serverOf, TLS_VARIANTS, variantOptions, type KeyServers } from './variants.js'

let servers: KeyServers
let certificates: TestCertificates

beforeAll(async () => {
  certificates = await testCertificates()
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

/** A row's request, ready to go: what was sent before it is done, sending it is `fire`. */
interface Prepared {
  fire(): Promise<RawResponse>
  /** The DPoP proofs the request carries (to prove none comes back). */
  proofs: string[]
  /** The server nonce its proof carries, if any. */
  nonce?: string | undefined
}

/**
 * Builds the row's request (tokens filled in for the variant's issuer, DPoP proofs minted, the
 * TLS client certificate chosen). What a row says happened before it happens here: a first use
 * of the same proof (`replayed`), or a first request that fetched the server nonce.
 */
async function prepare(app: RunningApp, verifier: Verifier, row: Case): Promise<Prepared> {
  const issuer = serverOf(row.variant, servers).issuer
  const { method = 'GET', path, headers = {}, query, body, dpop, certificate } = row.request
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
  const tls = TLS_VARIANTS.has(row.variant)
    ? { ca: certificates.ca, ...(certificate === undefined ? {} : certificates[certificate]) }
    : undefined
  const fire = (extra: Record<string, string | string[]> = {}) =>
    send(`${app.url}${target}`, {
      method,
      headers: { ...sent, ...extra },
      ...(payload === undefined ? {} : { body: payload }),
      ...(tls === undefined ? {} : { tls }),
    })
  if (dpop === undefined) return { fire: () => fire(), proofs: [] }

  const authorization = typeof sent.authorization === 'string' ? sent.authorization : undefined
  const mint = async (spec: ProofSpec, nonce?: string) => {
    const token =
      spec.ath === undefined ? authorization?.split(' ').at(-1) : await tokenFor(spec.ath, issuer)
    return proof((await dpopKeys())[spec.key ?? 'client'], {
      htm: spec.htm ?? method,
      htu: spec.htu ?? `${API}${target.split('?')[0] as string}`,
      ...(token === undefined ? {} : { token }),
      ...(nonce === undefined ? {} : { nonce }),
    })
  }
  const specs = Array.isArray(dpop) ? dpop : [dpop]
  const proofs: string[] = []
  let nonce: string | undefined
  for (const spec of specs) {
    nonce =
      spec.nonce === 'fetched' || spec.nonce === 'aging'
        ? await fetchNonce(spec, fire, mint)
        : spec.nonce
    proofs.push(await mint(spec, nonce))
  }
  const header = { dpop: proofs.length === 1 ? (proofs[0] as string) : proofs }
  if (specs.some((spec) => spec.replayed === true)) {
    // The first use of the proof is accepted; the row's request is its second use.
    expect((await fire(header)).status).toBe(200)
  }
  return { fire: () => fire(header), proofs, nonce }
}

/**
 * The server nonce a request without one is answered with (401 use_dpop_nonce). For `aging`,
 * the row then waits into the next nonce step, where the nonce is still accepted and a fresh one
 * is offered. Nonce steps are whole multiples of the step length since the epoch, so the fetch is
 * made early in a step: the row's own request then lands in the step it needs.
 */
async function fetchNonce(
  spec: ProofSpec,
  fire: (extra: Record<string, string>) => Promise<RawResponse>,
  mint: (spec: ProofSpec) => Promise<string>,
): Promise<string> {
  const stepMs = NONCE_STEP * 1000
  // In the first quarter of a step: the row's own request then has 1.5 s (with a 2 s step) to
  // land in the same step, enough for a loaded CI machine minting proofs meanwhile.
  const phase = Date.now() % stepMs
  if (phase < 50 || phase > stepMs / 4) await sleep(stepMs - phase + 50)
  const first = await fire({ dpop: await mint(spec) })
  expect(first.status).toBe(401)
  const nonce = first.headers['dpop-nonce']
  expect(typeof nonce).toBe('string')
  if (spec.nonce === 'aging') await sleep(stepMs - (Date.now() % stepMs) + 100)
  return nonce as string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The values of header `name` in a raw header list (a repeated header gives several). */
function headerLines(raw: string[], name: string): string[] {
  return raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === name)
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
  // A request that reached authentication with credentials is reported once at the token stage,
  // under the scheme it used (a DPoP token with DPoP off counts as no credentials).
  const authorization = row.request.headers?.authorization
  if (authorization !== undefined) {
    expect(verifications.filter((event) => event.stage === 'token')).toHaveLength(1)
  }
  if (typeof authorization === 'string' && authorization.startsWith('DPoP ')) {
    const scheme = variantOptions(row.variant, servers).dpop === undefined ? 'none' : 'dpop'
    expect(verifications.map((event) => event.scheme)).toEqual(verifications.map(() => scheme))
  }
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
    const scheme = row.auth.scheme ?? 'bearer'
    expect(accepted[0]).toMatchObject({ stage: 'token', scheme, status: 200 })
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
      const tls = TLS_VARIANTS.has(variant)
        ? { ...certificates.server, ca: certificates.ca }
        : undefined
      apps.set(variant, { app: await driver.start(verifier, tls), verifier })
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
    const prepared = await prepare(app, verifier, row)
    const runsBefore = app.runs()
    const fetchesBefore = verifier.stats().jwksFetches
    events.length = 0

    const response = await prepared.fire()

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
    const nonces = headerLines(response.rawHeaders, 'dpop-nonce')
    expect(nonces).toHaveLength(row.dpopNonce === true ? 1 : 0)
    // A nonce offered on a success is a new one, not the one the proof carried.
    if (prepared.nonce !== undefined) expect(nonces).not.toContain(prepared.nonce)
    if (row.handlerRan) {
      const { auth = null } = row
      const issuer = serverOf(row.variant, servers).issuer
      const answer =
        auth === null
          ? { ran: true, auth: null }
          : {
              ran: true,
              scheme: 'bearer',
              ...JSON.parse(await fillTokens(JSON.stringify(auth), issuer)),
            }
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
    const proofParts = prepared.proofs.flatMap((sent) => sent.split('.').slice(1))
    for (const part of [
      ...(await sentTokenParts(row, serverOf(row.variant, servers).issuer)),
      ...proofParts,
    ]) {
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
