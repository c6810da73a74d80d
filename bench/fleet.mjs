/**
 * Fleet benchmarks, side by side in one run:
 *
 * - Revocation on vs off on the same-token HTTP path: Fastify + scopeguard with a revocation list
 *   of 10,000 live entries against the same server without revocation (interleaved rounds, median
 *   of the per-round ratios).
 * - The Redis replay store's cost per DPoP proof (one `SET NX PX` on loopback) against an in-memory
 *   claim, reported with the Redis round-trip time (`PING`) of the run: sequential latency and
 *   throughput with 10 claims in flight.
 *
 * CLI: `node bench/fleet.mjs` (BENCH_QUICK=1 for a short run); writes bench/results/fleet.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createMemoryReplayStore } from '@scopeguard/core'
import { createRedisReplayStore } from '@scopeguard/redis'
import { createClient } from 'redis'
import { load } from './http.mjs'
import { startJwksServer } from './lib/jwks-server.mjs'
import { startRedis } from './lib/redis-server.mjs'
import { copyName, pinLoadGenerator, startServer } from './lib/servers.mjs'
import { lowestMedian, median, pct, rotate } from './lib/stats.mjs'
import { CLIENT_ID, ISSUER, SCOPE, generateKeys, jwksOf, mintTokens } from './lib/tokens.mjs'

export const FLEET_FULL = {
  durationSec: 1.25,
  warmupSec: 1,
  rounds: 6,
  copies: 2,
  connections: 10,
  claims: 20_000,
}
export const FLEET_QUICK = {
  durationSec: 1,
  warmupSec: 0.5,
  rounds: 4,
  copies: 2,
  connections: 10,
  claims: 5000,
}

const OFF = 'fastify/scopeguard'
const ON = 'fastify/scopeguard + revocation (10k)'

async function revocationOnOff(config, log) {
  const keys = generateKeys(['RS256'])
  const jwks = await startJwksServer(jwksOf(keys))
  const settings = { jwksUrl: jwks.url, issuer: ISSUER, clientId: CLIENT_ID, scope: SCOPE }
  const token = mintTokens(keys.RS256, 1)
  const servers = []
  try {
    // Each server as `copies` processes taking the rounds in turn (see lowestMedian).
    const copies = config.copies ?? 1
    const processes = { [OFF]: [], [ON]: [] }
    for (const app of [OFF, ON]) {
      for (let k = 0; k < copies; k++) {
        const server = await startServer(copyName(app, k), settings)
        servers.push(server)
        processes[app].push(server)
        await load(server.url, token, config.warmupSec, config.connections)
      }
    }
    const samples = { [OFF]: [], [ON]: [] }
    const cpu = { [OFF]: [], [ON]: [] }
    const cpuByProcess = { [OFF]: processes[OFF].map(() => []), [ON]: processes[ON].map(() => []) }
    let non2xx = 0
    for (let round = 0; round < config.rounds; round++) {
      for (const app of rotate([OFF, ON], round)) {
        const copy = round % copies
        const server = processes[app][copy]
        const cpuBefore = await server.cpu()
        const result = await load(server.url, token, config.durationSec, config.connections)
        const perRequest = ((await server.cpu()) - cpuBefore) / Math.max(1, result.requests)
        cpu[app].push(perRequest)
        cpuByProcess[app][copy].push(perRequest)
        samples[app].push(result.reqPerSec)
        non2xx += result.non2xx + result.errors
      }
    }
    const ratios = samples[ON].map((rps, i) => rps / samples[OFF][i])
    // Server CPU per request with revocation on over off, per round (the range shown), and the
    // target's ratio: between the two servers' figures when each ran as several processes.
    const cpuRatios = cpu[ON].map((us, i) => us / cpu[OFF][i])
    const cpuOn = lowestMedian(cpuByProcess[ON])
    const cpuOff = lowestMedian(cpuByProcess[OFF])
    const row = {
      off: median(samples[OFF]),
      on: median(samples[ON]),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      cpuOffUs: copies > 1 ? cpuOff.figure : median(cpu[OFF]),
      cpuOnUs: copies > 1 ? cpuOn.figure : median(cpu[ON]),
      cpuRatio: copies > 1 ? cpuOn.figure / cpuOff.figure : median(cpuRatios),
      cpuOnByProcessUs: cpuOn.medians,
      cpuOffByProcessUs: cpuOff.medians,
      cpuRatioMin: Math.min(...cpuRatios),
      cpuRatioMax: Math.max(...cpuRatios),
      entries: 10_000,
      non2xx,
    }
    log(
      `revocation on (10,000 entries) vs off, same token, Fastify: CPU ${row.cpuOnUs.toFixed(1)} vs ${row.cpuOffUs.toFixed(1)} us/req = ${pct(row.cpuRatio)} (${pct(row.cpuRatioMin)}-${pct(row.cpuRatioMax)}); ${Math.round(row.on)} vs ${Math.round(row.off)} req/s = ${pct(row.ratio)} (${pct(row.ratioMin)}-${pct(row.ratioMax)}), non-2xx ${non2xx}`,
    )
    return row
  } finally {
    for (const server of servers) await server.stop()
    await jwks.close()
  }
}

/** Median microseconds of `n` sequential calls, and calls per second with 10 in flight. */
async function timeClaims(claim, n) {
  const times = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    await claim(`seq-${i}-${Math.random()}`)
    times.push((performance.now() - start) * 1000)
  }
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < n) await claim(`par-${next++}-${Math.random()}`)
    }),
  )
  return { medianUs: median(times), perSec: n / ((performance.now() - start) / 1000) }
}

async function replayStores(config, log) {
  const redis = await startRedis()
  const client = createClient({ url: redis.url })
  client.on('error', () => undefined)
  await client.connect()
  try {
    const pings = []
    for (let i = 0; i < 2000; i++) {
      const start = performance.now()
      await client.ping()
      pings.push((performance.now() - start) * 1000)
    }
    const rttUs = median(pings)
    const inMemory = createMemoryReplayStore()
    const memory = (key) => Promise.resolve(inMemory.claim(key, 60_000))
    const store = createRedisReplayStore({ client })
    const onRedis = (key) => store.claim(key, 60_000)
    await timeClaims(onRedis, 1000) // warm-up
    const mem = await timeClaims(memory, config.claims)
    const red = await timeClaims(onRedis, config.claims)
    const row = {
      rttUs,
      memoryUs: mem.medianUs,
      redisUs: red.medianUs,
      memoryPerSec: mem.perSec,
      redisPerSec: red.perSec,
      addedUs: red.medianUs - mem.medianUs,
    }
    log(
      `replay claim per DPoP proof: in-memory ${mem.medianUs.toFixed(1)} us, Redis ${red.medianUs.toFixed(1)} us (Redis RTT ${rttUs.toFixed(1)} us); ${Math.round(red.perSec)} claims/s with 10 in flight`,
    )
    return row
  } finally {
    client.destroy()
    await redis.stop()
  }
}

/**
 * Runs the fleet benchmarks.
 *
 * @param {{ durationSec: number, warmupSec: number, rounds: number, connections: number, claims: number, log?: (line: string) => void }} config
 */
export async function runFleet(config) {
  const log = config.log ?? (() => undefined)
  const revocation = await revocationOnOff(config, log)
  const replay = await replayStores(config, log)
  return { settings: { ...config, log: undefined }, revocation, replay }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  pinLoadGenerator()
  const quick = process.env.BENCH_QUICK === '1'
  const result = await runFleet({
    ...(quick ? FLEET_QUICK : FLEET_FULL),
    log: (l) => console.log(l),
  })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}fleet.json`, JSON.stringify(result, null, 2))
}
