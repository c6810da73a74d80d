/**
 * Requests through a verifier during Redis outages: a request every 20 ms while Redis is killed
 * and restarted, and while it is paused past `maxStale`. Every answer is counted (statuses are
 * what the adapters send: 200 for an accepted token, 401 for the revoked one, 503 once the replica
 * is too stale); the counts are printed for the record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OAuthError } from '@scopeguard/core'
import { createVerifier, type Verifier } from '@scopeguard/core'
import { startRedisServer, type RedisServer } from '../../../test/support/redis-server.js'
import { sign, signingKey, type SigningKey } from '../../../test/support/tokens.js'
import { createRedisRevocationSource } from '../src/index.js'
import { CLIENTS, eventually } from './clients.js'

const ISS = 'https://issuer.example'
let redis: RedisServer
let key: SigningKey
beforeAll(async () => {
  redis = await startRedisServer()
  key = await signingKey('ES256', 'k1')
}, 30_000)
afterAll(() => redis.stop())

async function status(verifier: Verifier, token: string): Promise<number> {
  try {
    await verifier.verify(token)
    return 200
  } catch (error) {
    return (error as OAuthError).status
  }
}

/** Sends both tokens every 20 ms until `stop` resolves; counts the statuses of each. */
async function traffic(verifier: Verifier, good: string, revoked: string, stop: Promise<void>) {
  const counts = { good: {} as Record<number, number>, revoked: {} as Record<number, number> }
  let done = false
  void stop.then(() => (done = true))
  let longest = 0
  while (!done) {
    const start = performance.now()
    const [a, b] = await Promise.all([status(verifier, good), status(verifier, revoked)])
    longest = Math.max(longest, performance.now() - start)
    counts.good[a] = (counts.good[a] ?? 0) + 1
    counts.revoked[b] = (counts.revoked[b] ?? 0) + 1
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { ...counts, longestMs: Math.round(longest) }
}

describe.each(CLIENTS)('requests during Redis outages through %s', (name, connect) => {
  const opened: { close(): Promise<void> }[] = []
  let good: string
  let revoked: string
  const prefix = `outage-${name.length}:`

  /** A verifier on its own client and revocation source (sync every 200 ms). */
  async function fleetVerifier(maxStale: number) {
    const made = await connect(redis.url)
    const source = createRedisRevocationSource({
      client: made.client,
      prefix,
      syncInterval: 200,
      commandTimeout: 300,
      maxStale,
    })
    opened.push(source, made)
    await source.ready
    const verifier = createVerifier({
      issuer: ISS,
      jwks: { keys: [key.jwk] },
      jwksUri: null,
      audience: null,
      revocation: source,
    })
    return { source, verifier }
  }

  beforeAll(async () => {
    good = await sign(key, { iss: ISS })
    revoked = await sign(key, { iss: ISS })
    const { source } = await fleetVerifier(30)
    await source.revoke({ kind: 'jti', value: JSON.parse(atob(revoked.split('.')[1]!)).jti })
  })
  afterAll(async () => {
    for (const item of opened.splice(0)) await item.close()
  })

  it('killed for 1 s and restarted empty: every request answered at once, the revoked token refused throughout, nothing lost', async () => {
    const { source, verifier } = await fleetVerifier(30)
    const result = traffic(
      verifier,
      good,
      revoked,
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 200))
        await redis.kill()
        await new Promise((resolve) => setTimeout(resolve, 1000))
        await redis.restart()
      })(),
    )
    const counts = await result
    const restarted = Date.now()
    const recoveredMs = await eventually(() => source.stats().connected, 10_000)
    const lateClient = await connect(redis.url)
    const late = createRedisRevocationSource({ client: lateClient.client, prefix })
    await late.ready
    const lost = late.isRevoked(JSON.parse(atob(revoked.split('.')[1]!))) ? 0 : 1
    await late.close()
    await lateClient.close()
    console.log(
      `[outage:${name}] SIGKILL 1 s: good token ${JSON.stringify(counts.good)}, revoked token ${JSON.stringify(counts.revoked)}, longest request ${counts.longestMs} ms, back in sync ${recoveredMs} ms after the restart (${Date.now() - restarted} ms), revocations lost ${lost}`,
    )
    expect(Object.keys(counts.good)).toEqual(['200'])
    expect(Object.keys(counts.revoked)).toEqual(['401'])
    expect(counts.longestMs).toBeLessThan(1000) // memory only: ~20 ms measured; slack for a busy machine
    expect(lost).toBe(0)
  }, 30_000)

  it('paused past maxStale: answers from the replica, then 503, then 200/401 again once resumed', async () => {
    const { source, verifier } = await fleetVerifier(2)
    let resumedAt = 0
    const counts = await traffic(
      verifier,
      good,
      revoked,
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 200))
        redis.pause()
        await new Promise((resolve) => setTimeout(resolve, 3000))
        redis.resume()
        resumedAt = Date.now()
        await eventually(() => source.stats().connected, 10_000)
      })(),
    )
    const recoveredMs = Date.now() - resumedAt
    console.log(
      `[outage:${name}] SIGSTOP 3 s, maxStale 2 s: good token ${JSON.stringify(counts.good)}, revoked token ${JSON.stringify(counts.revoked)}, longest request ${counts.longestMs} ms, recovered ${recoveredMs} ms after SIGCONT`,
    )
    expect(counts.good[200]).toBeGreaterThan(0)
    expect(counts.good[503]).toBeGreaterThan(0)
    expect(counts.revoked[200]).toBeUndefined() // never let through
    expect(counts.longestMs).toBeLessThan(1000) // memory only: ~20 ms measured; slack for a busy machine
    expect(await status(verifier, good)).toBe(200)
    expect(await status(verifier, revoked)).toBe(401)
  }, 30_000)
})
