/**
 * `npm run revoke --workspace examples/photo-api -- --jti <jti> | --origin-jti <id> | --subject <sub>`:
 * stores a revocation in the Redis of `REDIS_URL` and announces it to every running instance. Exits
 * 0 once Redis holds it, 1 on a usage or connection error (the message says which).
 *
 * @module
 */
import { createRedisRevocationSource } from '@scopeguard/redis'
import { createClient } from 'redis'
import { ConfigError, redisUrl } from './config.js'
import { parseRevokeArgs, REVOKE_USAGE } from './revoke-args.js'

const TIMEOUT_MS = 5000

async function revoke(): Promise<void> {
  const revocation = parseRevokeArgs(process.argv.slice(2))
  const url = redisUrl(process.env.REDIS_URL)
  if (url === undefined) throw new ConfigError(`REDIS_URL is not set. ${REVOKE_USAGE}`)
  const client = createClient({
    url,
    socket: { connectTimeout: TIMEOUT_MS, reconnectStrategy: false },
  })
  client.on('error', () => undefined)
  await client.connect()
  const source = createRedisRevocationSource({ client, syncInterval: 60_000 })
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const stored = await Promise.race([
      source.ready.then(() => source.revoke(revocation)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis did not answer in time')), TIMEOUT_MS)
      }),
    ])
    const until = new Date(stored.expiresAt * 1000).toISOString()
    console.log(`revoked ${stored.kind} ${stored.value} (kept until ${until})`)
  } finally {
    clearTimeout(timer)
    await source.close()
    client.destroy()
  }
}

revoke().catch((error: unknown) => {
  console.error(`revoke: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
