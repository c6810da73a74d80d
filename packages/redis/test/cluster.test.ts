import { Cluster } from 'ioredis'
import { createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisCluster, type RedisServer } from '../../../test/support/redis-server.js'
import {
  createRedisIntrospectionCache,
  createRedisReplayStore,
  createRedisRevocationSource,
  type RedisClient,
} from '../src/index.js'
import { eventually } from './clients.js'

/** EVAL over two keys through a cluster client of either library. */
function crossSlot(client: RedisClient, keys: [string, string]): Promise<unknown> {
  const args = ['EVAL', 'return 1', '2', ...keys]
  return client instanceof Cluster
    ? client.call(...(args as [string, ...string[]]))
    : (client as ReturnType<typeof createCluster>).sendCommand(keys[0], false, args)
}

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisCluster()
}, 30_000)
afterAll(() => redis.stop())

interface ClusterClient {
  client: RedisClient
  close(): Promise<void>
}

const CLUSTERS: [string, () => Promise<ClusterClient>][] = [
  [
    'redis createCluster',
    async () => {
      const client = createCluster({ rootNodes: [{ url: redis.url }] })
      client.on('error', () => undefined)
      await client.connect()
      return { client, close: () => client.close() }
    },
  ],
  [
    'ioredis Cluster',
    async () => {
      const client = new Cluster([{ host: '127.0.0.1', port: redis.port }], { lazyConnect: true })
      client.on('error', () => undefined)
      await client.connect()
      return { client, close: () => Promise.resolve(client.disconnect()) }
    },
  ],
]

describe.each(CLUSTERS)('the stores on Redis Cluster through %s', (name, connect) => {
  const prefix = `${name.split(' ')[0]}:`

  it('claims replay keys once and caches introspection results', async () => {
    const { client, close } = await connect()
    const replay = createRedisReplayStore({ client, prefix })
    expect(await replay.claim('p1', 60_000)).toBe(true)
    expect(await replay.claim('p1', 60_000)).toBe(false)
    const cache = createRedisIntrospectionCache({ client, prefix })
    await cache.set('sha', 'v', 60_000)
    expect(await cache.get('sha')).toBe('v')
    await close()
  })

  it('shares revocations: the script’s keys share one hash slot, announcements reach every instance', async () => {
    const [one, two] = await Promise.all([connect(), connect()])
    const a = createRedisRevocationSource({ client: one.client, prefix })
    const b = createRedisRevocationSource({ client: two.client, prefix })
    await Promise.all([a.ready, b.ready])
    await a.revoke({ kind: 'jti', value: 'j-cluster' })
    await eventually(() => b.isRevoked({ iss: 'i', exp: 0, jti: 'j-cluster' }))
    // The same script over keys without the shared tag is refused by the cluster.
    await expect(crossSlot(one.client, [`${prefix}a`, `${prefix}b`])).rejects.toThrow(/CROSSSLOT/)
    await Promise.all([a.close(), b.close()])
    await Promise.all([one.close(), two.close()])
  })
})
