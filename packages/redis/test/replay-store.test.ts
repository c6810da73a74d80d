import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '@scopeguard/core'
import { redisForFile } from '../../../test/support/redis-server.js'
import { createRedisReplayStore, RedisTimeoutError } from '../src/index.js'
import { CLIENTS, raw } from './clients.js'

const redis = redisForFile('t')
const prefix = () => redis.prefix()

describe.each(CLIENTS)('the Redis replay store through %s', (_, connect) => {
  it('claims a key once: the first claim is true, every later one false', async () => {
    const { client, close } = await connect(redis.url)
    const store = createRedisReplayStore({ client, prefix: prefix() })
    expect(await store.claim('proof-1', 60_000)).toBe(true)
    expect(await store.claim('proof-1', 60_000)).toBe(false)
    expect(await store.claim('proof-2', 60_000)).toBe(true)
    await close()
  })

  it('lets exactly one of three connections’ simultaneous claims through, every time', async () => {
    const connections = await Promise.all([
      connect(redis.url),
      connect(redis.url),
      connect(redis.url),
    ])
    const p = prefix()
    const stores = connections.map(({ client }) => createRedisReplayStore({ client, prefix: p }))
    for (let round = 0; round < 50; round++) {
      const results = await Promise.all(
        stores.map(async (store) => await store.claim(`proof-${round}`, 60_000)),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    }
    await Promise.all(connections.map(({ close }) => close()))
  })

  it('lets a key be claimed again once its time to live has passed', async () => {
    const { client, close } = await connect(redis.url)
    const store = createRedisReplayStore({ client, prefix: prefix() })
    expect(await store.claim('short', 30)).toBe(true)
    expect(await store.claim('short', 30)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(await store.claim('short', 30)).toBe(true)
    await close()
  })

  it('keeps its keys under the prefix, with the time to live set', async () => {
    const { client, close } = await connect(redis.url)
    const store = createRedisReplayStore({ client, prefix: 'app1:sg:' })
    await store.claim('k', 5000)
    const probe = await connect(redis.url)
    expect(await raw(probe.client, ['GET', 'app1:sg:replay:k'])).toBe('1')
    const ttl = Number(await raw(probe.client, ['PTTL', 'app1:sg:replay:k']))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(5000)
    await Promise.all([close(), probe.close()])
  })

  it('rejects within its command timeout while Redis is paused, and claims again once it resumes', async () => {
    const { client, close } = await connect(redis.url)
    const store = createRedisReplayStore({ client, prefix: prefix(), commandTimeout: 100 })
    redis.server.pause()
    try {
      const start = Date.now()
      await expect(store.claim('paused', 60_000)).rejects.toBeInstanceOf(RedisTimeoutError)
      expect(Date.now() - start).toBeLessThan(1000)
    } finally {
      redis.server.resume()
    }
    // The claim sent during the pause may land after the resume: then the key is taken.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await store.claim('after-pause', 60_000)).toBe(true)
    await close()
  })

  it('refuses invalid options at construction', async () => {
    const { client, close } = await connect(redis.url)
    expect(() => createRedisReplayStore({ client, prefix: 'a{b}' })).toThrow(ConfigurationError)
    expect(() => createRedisReplayStore({ client, commandTimeout: 0 })).toThrow(/commandTimeout/)
    await close()
  })
})

describe('the client adapter', () => {
  it('refuses an object that is not a supported Redis client', () => {
    expect(() => createRedisReplayStore({ client: {} as never })).toThrow(
      /"client" must be a connected client of the redis package/,
    )
  })
})
