import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { OAuthError, type TokenClaims } from '@scopeguard/core'
import { startRedisServer, type RedisServer } from '../../../test/support/redis-server.js'
import {
  createRedisRevocationSource,
  type RedisRevocationSource,
  type RedisRevocationSourceOptions,
} from '../src/index.js'
import { CLIENTS, eventually, raw, type TestClient } from './clients.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
}, 30_000)
afterAll(() => redis.stop())

const opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const item of opened.splice(0)) await item.close()
})

let n = 0
const nowSec = () => Math.floor(Date.now() / 1000)
const token = (claims: Partial<TokenClaims>): TokenClaims => ({ iss: 'i', exp: 0, ...claims })

/** True, false, or 'unavailable' (the 503 the verifier would answer). */
function answer(source: RedisRevocationSource, claims: Partial<TokenClaims>): boolean | string {
  try {
    return source.isRevoked(token(claims))
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError)
    expect((error as OAuthError).status).toBe(503)
    return 'unavailable'
  }
}

describe.each(CLIENTS)('the Redis revocation source through %s', (_, connect) => {
  let prefix: string
  const client = async (): Promise<TestClient> => {
    const made = await connect(redis.url)
    opened.push(made)
    return made
  }
  const source = async (
    options: Partial<RedisRevocationSourceOptions> = {},
  ): Promise<RedisRevocationSource> => {
    const made = createRedisRevocationSource({
      client: (await client()).client,
      prefix,
      ...options,
    })
    opened.unshift(made) // closed before its client
    return made
  }
  beforeAll(() => {
    prefix = `r${++n}:`
  })
  afterEach(() => {
    prefix = `r${++n}:`
  })

  it('answers 503 until its first load, then refuses what was revoked before it started', async () => {
    const first = await source()
    await first.ready
    await first.revoke({ kind: 'jti', value: 'j-before' })
    const late = await source()
    expect(answer(late, { jti: 'j-before' })).toBe('unavailable')
    await late.ready
    expect(answer(late, { jti: 'j-before' })).toBe(true)
    expect(answer(late, { jti: 'j-other' })).toBe(false)
  })

  it('brings a revocation made through one instance to the others within the sync interval', async () => {
    const [a, b, c] = await Promise.all([source(), source(), source()])
    await Promise.all([a.ready, b.ready, c.ready])
    const start = Date.now()
    await a.revoke({ kind: 'jti', value: 'j1' })
    expect(answer(a, { jti: 'j1' })).toBe(true) // at once where it was made
    await eventually(() => answer(b, { jti: 'j1' }) === true && answer(c, { jti: 'j1' }) === true)
    expect(Date.now() - start).toBeLessThan(1000)
  })

  it('refuses by jti, by Cognito origin_jti, and by subject for tokens issued at or before the sign-out', async () => {
    const [a, b] = await Promise.all([source(), source()])
    await Promise.all([a.ready, b.ready])
    const signOut = nowSec()
    await a.revoke({ kind: 'origin_jti', value: 'refresh-family' })
    await a.revoke({ kind: 'sub', value: 'alice', at: signOut })
    await eventually(() => b.stats().entries === 2)
    expect(answer(b, { jti: 'x', origin_jti: 'refresh-family' })).toBe(true)
    expect(answer(b, { sub: 'alice', iat: signOut })).toBe(true)
    expect(answer(b, { sub: 'alice', iat: signOut + 1 })).toBe(false)
    expect(answer(b, { sub: 'bob', iat: signOut })).toBe(false)
    // Which entry matched, for the revocation event (the verifier's `by`), from the replica too.
    expect(b.revokedBy?.(token({ jti: 'x', origin_jti: 'refresh-family' }))).toBe('origin_jti')
    expect(b.revokedBy?.(token({ sub: 'alice', iat: signOut }))).toBe('sub')
    expect(b.revokedBy?.(token({ sub: 'bob', iat: signOut }))).toBeUndefined()
  })

  it('reloads in full after a missed announcement (a write that was never published)', async () => {
    const b = await source({ syncInterval: 200 })
    await b.ready
    const syncs = b.stats().syncs
    const writer = await client()
    const member = JSON.stringify(['jti', 'j-silent', nowSec(), nowSec() + 600])
    await raw(writer.client, [
      'ZADD',
      `${prefix}{revocations}:entries`,
      String((nowSec() + 600) * 1000),
      member,
    ])
    await raw(writer.client, ['INCR', `${prefix}{revocations}:version`])
    const waited = await eventually(() => answer(b, { jti: 'j-silent' }) === true)
    expect(waited).toBeLessThan(1000)
    expect(b.stats().syncs).toBeGreaterThan(syncs)
  })

  it('skips malformed entries it finds in Redis and loads the rest', async () => {
    const writer = await client()
    const key = `${prefix}{revocations}:entries`
    const score = String((nowSec() + 600) * 1000)
    await raw(writer.client, [
      'ZADD',
      key,
      score,
      'not json',
      score,
      '["jti"]',
      score,
      '{"kind":"jti"}',
    ])
    await raw(writer.client, [
      'ZADD',
      key,
      score,
      JSON.stringify(['sub', 'bob', nowSec(), nowSec() + 600]),
    ])
    const b = await source()
    await b.ready
    expect(b.stats().entries).toBe(1)
    expect(answer(b, { sub: 'bob', iat: nowSec() - 10 })).toBe(true)
  })

  it('keeps an entry until the longest-lived token it can match expires, in Redis and in the replica', async () => {
    const a = await source({ tokenLifetime: 1 })
    await a.ready
    const entry = await a.revoke({ kind: 'jti', value: 'j-short' })
    expect(entry.expiresAt - entry.at).toBe(1)
    const probe = await client()
    const ttl = Number(await raw(probe.client, ['PTTL', `${prefix}{revocations}:entries`]))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(2000)
    await eventually(() => answer(a, { jti: 'j-short' }) === false, 3000)
    const late = await source()
    await late.ready
    expect(late.stats().entries).toBe(0)
  })

  it('survives Redis being killed and restarted empty: no crash, the replicas keep serving, no revocation is lost', async () => {
    const options = { syncInterval: 200, commandTimeout: 300 }
    const [a, b] = await Promise.all([source(options), source(options)])
    await Promise.all([a.ready, b.ready])
    await a.revoke({ kind: 'jti', value: 'j-before-crash' })
    await eventually(() => answer(b, { jti: 'j-before-crash' }) === true)

    await redis.kill()
    // During the outage both replicas answer from what they hold (maxStale: 30 s).
    expect(answer(a, { jti: 'j-before-crash' })).toBe(true)
    expect(answer(b, { jti: 'j-before-crash' })).toBe(true)
    expect(answer(b, { jti: 'j-fine' })).toBe(false)
    // A revocation made during the outage applies where it was made and is not lost.
    await expect(a.revoke({ kind: 'sub', value: 'mallory' })).rejects.toThrow()
    expect(answer(a, { sub: 'mallory', iat: nowSec() })).toBe(true)
    await eventually(() => !a.stats().connected && !b.stats().connected)

    const restarted = Date.now()
    await redis.restart() // no persistence: Redis comes back empty
    await eventually(() => a.stats().connected && b.stats().connected, 10_000)
    await eventually(() => answer(b, { sub: 'mallory', iat: nowSec() - 1 }) === true, 5000)
    const recovered = Date.now() - restarted
    const late = await source()
    await late.ready
    expect(answer(late, { jti: 'j-before-crash' })).toBe(true)
    expect(answer(late, { sub: 'mallory', iat: nowSec() - 1 })).toBe(true)
    expect(recovered).toBeLessThan(5000)
  }, 30_000)

  it('while Redis is paused: serves from the replica for maxStale, then 503, and recovers when it resumes', async () => {
    const a = await source({ syncInterval: 100, commandTimeout: 200, maxStale: 1 })
    await a.ready
    await a.revoke({ kind: 'jti', value: 'j-paused' })
    redis.pause()
    let stale: number
    try {
      const paused = Date.now()
      expect(answer(a, { jti: 'j-paused' })).toBe(true)
      // isRevoked reads memory only: it never waits on the paused Redis.
      const lookup = Date.now()
      for (let i = 0; i < 1000; i++) answer(a, { jti: `j${i}` })
      expect(Date.now() - lookup).toBeLessThan(200)
      stale = await eventually(() => answer(a, { jti: 'j-paused' }) === 'unavailable', 5000)
      stale += lookup - paused
    } finally {
      redis.resume()
    }
    expect(stale).toBeGreaterThanOrEqual(800)
    expect(stale).toBeLessThan(2500)
    await eventually(() => answer(a, { jti: 'j-paused' }) === true, 5000)
  }, 20_000)

  it('fails closed as soon as a version check fails with maxStale 0', async () => {
    const a = await source({ syncInterval: 100, commandTimeout: 150, maxStale: 0 })
    await a.ready
    redis.pause()
    try {
      await eventually(() => answer(a, { jti: 'any' }) === 'unavailable', 3000)
    } finally {
      redis.resume()
    }
    await eventually(() => answer(a, { jti: 'any' }) === false, 5000)
  }, 15_000)

  it('listens on the subscriber connection the app passes, and leaves it open on close', async () => {
    const subscriber = await client()
    const a = await source()
    const b = await source({ subscriber: subscriber.client, syncInterval: 60_000 })
    await Promise.all([a.ready, b.ready])
    await a.revoke({ kind: 'jti', value: 'j-sub' })
    // The version check runs once a minute here: the announcement is what brings the entry.
    const waited = await eventually(() => answer(b, { jti: 'j-sub' }) === true)
    expect(waited).toBeLessThan(1000)
    await b.close()
    expect(subscriber.errors).toEqual([])
    // Unsubscribed, not closed: the app's connection answers commands again.
    expect(await raw(subscriber.client, ['PING'])).toBe('PONG')
  })

  it('refuses a malformed revocation before writing anything', async () => {
    const a = await source()
    await a.ready
    await expect(a.revoke({ kind: 'jti', value: '' })).rejects.toThrow(TypeError)
    expect(a.stats().entries).toBe(0)
  })
})
