import { describe, expect, it } from 'vitest'
import { redisForFile } from '../../../test/support/redis-server.js'
import { createRedisIntrospectionCache, RedisTimeoutError } from '../src/index.js'
import { CLIENTS } from './clients.js'

const redis = redisForFile('i')
const prefix = () => redis.prefix()

describe.each(CLIENTS)('the Redis introspection-result cache through %s', (_, connect) => {
  it('returns undefined for an unknown key and the stored value for a known one', async () => {
    const { client, close } = await connect(redis.url)
    const cache = createRedisIntrospectionCache({ client, prefix: prefix() })
    expect(await cache.get('sha')).toBeUndefined()
    await cache.set('sha', '{"active":true,"scope":"photos.read"}', 60_000)
    expect(await cache.get('sha')).toBe('{"active":true,"scope":"photos.read"}')
    await close()
  })

  it('shares results between instances and forgets them after their time to live', async () => {
    const [a, b] = await Promise.all([connect(redis.url), connect(redis.url)])
    const p = prefix()
    const one = createRedisIntrospectionCache({ client: a.client, prefix: p })
    const two = createRedisIntrospectionCache({ client: b.client, prefix: p })
    await one.set('sha', 'value', 40)
    expect(await two.get('sha')).toBe('value')
    await new Promise((resolve) => setTimeout(resolve, 90))
    expect(await two.get('sha')).toBeUndefined()
    await Promise.all([a.close(), b.close()])
  })

  it('rejects within its command timeout while Redis is paused', async () => {
    const { client, close } = await connect(redis.url)
    const cache = createRedisIntrospectionCache({ client, prefix: prefix(), commandTimeout: 100 })
    redis.server.pause()
    try {
      const start = Date.now()
      await expect(cache.get('sha')).rejects.toBeInstanceOf(RedisTimeoutError)
      await expect(cache.set('sha', 'v', 1000)).rejects.toBeInstanceOf(RedisTimeoutError)
      expect(Date.now() - start).toBeLessThan(1500)
    } finally {
      redis.server.resume()
    }
    await close()
  })
})
