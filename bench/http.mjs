/**
 * HTTP benchmarks: autocannon on loopback against each framework bare, with scopeguard, and with
 * its popular peer, every server in its own child process (the load generator runs here, so
 * generator and server never share an event loop). Same token (one token on every request) and
 * distinct tokens (a pool cycled request by request, sent after 1000 other tokens have filled
 * scopeguard's token cache, so that cache never admits the pool and never hits). Rounds are interleaved: each round runs every framework's servers back
 * to back (bare included, in a rotated order), so each ratio to bare is taken between runs a few
 * seconds apart; the median of the per-round ratios is reported, with its range, and the median
 * req/s.
 *
 * Before measuring, every server must answer 200 to the token and 401 to a tampered token (bare
 * servers: 200 to both); during measurement any non-2xx answer or socket error is counted.
 *
 * CLI: `node bench/http.mjs` (BENCH_QUICK=1 for a short run); writes bench/results/http.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { startJwksServer } from './lib/jwks-server.mjs'
import { baseApp, copyName, pinLoadGenerator, startServer } from './lib/servers.mjs'
import { lowestMedian, median, pct, rotate } from './lib/stats.mjs'
import {
  CLIENT_ID,
  ISSUER,
  SCOPE,
  forgePayload,
  generateKeys,
  jwksOf,
  mintFillers,
  mintTokens,
  tamper,
} from './lib/tokens.mjs'

/** Servers per framework: the first is the bare one. */
export const FRAMEWORKS = {
  express: [
    'express/bare',
    'express/scopeguard',
    'express/express-oauth2-jwt-bearer',
    'express/express-jwt + jwks-rsa',
  ],
  koa: ['koa/bare', 'koa/scopeguard', 'koa/koa-jwt + jwks-rsa'],
  fastify: [
    'fastify/bare',
    'fastify/scopeguard',
    'fastify/scopeguard (tokenCache: false)',
    'fastify/fastify-jwt-jwks',
    'fastify/no-op hook (control)',
    'fastify/signature only (control)',
  ],
  nestjs: ['nestjs/bare', 'nestjs/scopeguard', 'nestjs/no-op guard (control)'],
  hono: ['hono/bare', 'hono/scopeguard', 'hono/hono-jwk'],
}

/**
 * Controls that only mean something with distinct tokens: the signature-only hook (the ceiling of
 * any verifier) and scopeguard without its token cache (which the cache must never lose to).
 */
const DISTINCT_ONLY = new Set([
  'fastify/signature only (control)',
  'fastify/scopeguard (tokenCache: false)',
])

// Servers speed up for several seconds after they start (V8 compiles the hot path in stages):
// each gets a warm-up per mode before the first round, and the ratios are per-round medians.
// `copies`: with one token, every server runs as this many processes, taking the rounds in turn;
// its figure is the lowest of their medians (see lowestMedian in ./lib/stats.mjs).
export const HTTP_FULL = {
  durationSec: 1,
  warmupSec: 1,
  rounds: 6,
  distinctRounds: 5,
  connections: 10,
  pool: 5000,
  copies: 2,
}
export const HTTP_QUICK = {
  durationSec: 1,
  warmupSec: 0.5,
  rounds: 3,
  connections: 10,
  pool: 2000,
  copies: 2,
}

/** One autocannon run; `tokens` of length 1 sends one static header. */
export async function load(url, tokens, durationSec, connections) {
  /** @type {Record<string, unknown>} */
  const options = { url, connections, duration: durationSec, pipelining: 1 }
  if (tokens.length === 1) {
    options.headers = { authorization: `Bearer ${tokens[0]}` }
  } else {
    let next = 0
    options.requests = [
      {
        method: 'GET',
        setupRequest: (request) => {
          const token = tokens[next]
          next = next + 1 === tokens.length ? 0 : next + 1
          return { ...request, headers: { authorization: `Bearer ${token}` } }
        },
      },
    ]
  }
  const result = await autocannon(/** @type {any} */ (options))
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / (result.duration || durationSec),
    latencyP50: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/** Sends each token once, ten requests at a time; every answer must be 200. */
async function prime(url, tokens) {
  let next = 0
  const worker = async () => {
    while (next < tokens.length) {
      const status = await statusOf(url, tokens[next++])
      if (status !== 200) throw new Error(`${url} answered ${status} to a filler token`)
    }
  }
  await Promise.all(Array.from({ length: 10 }, worker))
}

/** The status a request with `token` (or none) gets. */
async function statusOf(url, token) {
  const response = await globalThis.fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  await response.arrayBuffer()
  return response.status
}

/**
 * Runs the HTTP benchmarks.
 *
 * @param {{ durationSec: number, warmupSec: number, rounds: number, connections: number, pool: number,
 *   distinctRounds?: number, copies?: number,
 *   frameworks?: Record<string, string[]>, modes?: ('same' | 'distinct')[], log?: (line: string) => void }} config
 */
export async function runHttp(config) {
  const log = config.log ?? (() => undefined)
  const frameworks = config.frameworks ?? FRAMEWORKS
  const modes = config.modes ?? ['same', 'distinct']
  const keys = generateKeys(['RS256'])
  const key = keys.RS256
  const jwks = await startJwksServer(jwksOf(keys))
  const settings = { jwksUrl: jwks.url, issuer: ISSUER, clientId: CLIENT_ID, scope: SCOPE }
  const t0 = performance.now()
  const pool = mintTokens(key, config.pool)
  log(`minted ${pool.length} RS256 tokens in ${Math.round(performance.now() - t0)} ms`)
  const same = [pool[0]]
  const bad = [tamper(pool[0]), forgePayload(pool[0])]
  const fillers = mintFillers(key)

  const apps = Object.values(frameworks).flat()
  /** @type {any[]} every process started, copies included (all are checked, all are stopped) */
  const started = []
  try {
    const copies = config.copies ?? 1
    const sameMode = modes.includes('same')
    /** @type {Map<string, any[]>} each app's processes: the first answers every mode */
    const processesOf = new Map()
    for (const app of apps) {
      // Processes 2..n of a same-token server answer the same-token rounds only.
      const count = sameMode && !DISTINCT_ONLY.has(app) ? copies : 1
      const processes = []
      for (let k = 0; k < count; k++) processes.push(await startServer(copyName(app, k), settings))
      processesOf.set(app, processes)
      started.push(...processes)
    }
    const servers = apps.map((app) => processesOf.get(app)[0])
    /** @type {Record<string, { status: number, refused: number[] }>} */
    const checks = {}
    for (const server of started) {
      const status = await statusOf(server.url, pool[0])
      const refused = []
      for (const token of bad) refused.push(await statusOf(server.url, token))
      refused.push(await statusOf(server.url, undefined))
      checks[server.app] = { status, refused }
      const app = baseApp(server.app)
      const bare = app.endsWith('/bare') || app.endsWith('(control)')
      const ok = status === 200 && (bare || refused.every((s) => s === 401))
      log(
        `${server.app}: token ${status}, tampered/forged/none ${refused.join('/')}${ok ? '' : '  <-- UNEXPECTED'}`,
      )
      if (!ok) throw new Error(`${server.app} does not answer as expected`)
    }
    // Every server first answers 1000 other tokens, as a server that has been up a while: a
    // token cache is then full and never admits the distinct pool (see mintFillers).
    // Copies answer the same token only (a hit, whatever else the cache holds): not primed.
    for (const server of servers) await prime(server.url, fillers)
    const runs = []
    for (const server of servers) {
      for (const mode of modes) {
        if (mode === 'same' && DISTINCT_ONLY.has(server.app)) continue
        const processes = mode === 'same' ? processesOf.get(server.app) : [server]
        runs.push({
          server,
          processes,
          mode,
          samples: [],
          cpu: [],
          cpuByCopy: processes.map(() => []),
          non2xx: 0,
          errors: 0,
          p50: [],
        })
      }
    }
    // Warm-up: JIT, key fetches of the peers, connection pools.
    for (const run of runs) {
      for (const server of run.processes) {
        await load(
          server.url,
          run.mode === 'same' ? same : pool,
          config.warmupSec,
          config.connections,
        )
      }
    }
    // Each round runs one framework at a time: its servers back to back in a rotated order, so a
    // server and its bare framework are measured close in time and the machine's drift cancels
    // out of their ratio. The ratio reported is the median of the per-round ratios.
    const blocks = Object.entries(frameworks).flatMap(([framework, names]) =>
      modes.map((mode) => ({
        framework,
        mode,
        runs: names
          .map((name) => runs.find((r) => r.server.app === name && r.mode === mode))
          .filter((run) => run !== undefined),
      })),
    )
    // Distinct tokens may take fewer rounds (`distinctRounds`): with the same token each server's
    // rounds are shared by its processes.
    const roundsOf = (mode) =>
      mode === 'distinct' ? (config.distinctRounds ?? config.rounds) : config.rounds
    const totalRounds = Math.max(...modes.map(roundsOf))
    for (let round = 0; round < totalRounds; round++) {
      for (const block of rotate(blocks, round)) {
        if (round >= roundsOf(block.mode)) continue
        for (const run of rotate(block.runs, round)) {
          // The processes of one server take the rounds in turn.
          const copy = round % run.processes.length
          const server = run.processes[copy]
          const cpuBefore = await server.cpu()
          const result = await load(
            server.url,
            run.mode === 'same' ? same : pool,
            config.durationSec,
            config.connections,
          )
          const cpuAfter = await server.cpu()
          const cpu = (cpuAfter - cpuBefore) / Math.max(1, result.requests)
          run.samples.push(result.reqPerSec)
          run.cpu.push(cpu)
          run.cpuByCopy[copy].push(cpu)
          run.p50.push(result.latencyP50)
          run.non2xx += result.non2xx
          run.errors += result.errors
        }
      }
      log(`round ${round + 1}/${totalRounds} done`)
    }
    const rows = []
    for (const block of blocks) {
      const bareRun = block.runs[0]
      for (const run of block.runs) {
        const name = run.server.app
        const ratios = run.samples.map((rps, i) => rps / bareRun.samples[i])
        // Server CPU per request, and bare's over this one's: the throughput ratio the two would
        // have if each had a core to itself (less exposed to the load generator's scheduling).
        const cpuRatios = run.cpu.map((us, i) => bareRun.cpu[i] / us)
        // Several processes (same token): each server's figure is its best process's median,
        // and the CPU ratio is between those figures (a round pairs whichever processes ran).
        const several = run.processes.length > 1
        const cpu = lowestMedian(run.cpuByCopy)
        const bareCpu = lowestMedian(bareRun.cpuByCopy)
        const row = {
          framework: block.framework,
          app: name,
          contender: name.slice(name.indexOf('/') + 1),
          mode: block.mode,
          reqPerSec: median(run.samples),
          ratio: median(ratios),
          ratioMin: Math.min(...ratios),
          ratioMax: Math.max(...ratios),
          samples: run.samples.map(Math.round),
          cpuPerRequestUs: several ? cpu.figure : median(run.cpu),
          cpuSamples: run.cpu,
          cpuRatio: several ? bareCpu.figure / cpu.figure : median(cpuRatios),
          ...(several ? { cpuByProcessUs: cpu.medians } : {}),
          latencyP50: median(run.p50),
          non2xx: run.non2xx,
          errors: run.errors,
          check: checks[name],
        }
        rows.push(row)
        log(
          `${block.mode.padEnd(8)} ${name.padEnd(36)} ${String(Math.round(row.reqPerSec)).padStart(7)} req/s ${pct(row.ratio).padStart(5)} of bare (${pct(row.ratioMin)}-${pct(row.ratioMax)})  cpu ${row.cpuPerRequestUs.toFixed(1)} us/req (${pct(row.cpuRatio)})  non2xx ${run.non2xx} errors ${run.errors}`,
        )
      }
    }
    return { settings: { ...config, frameworks: undefined, log: undefined, alg: 'RS256' }, rows }
  } finally {
    for (const server of started) await server.stop()
    await jwks.close()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  pinLoadGenerator()
  const quick = process.env.BENCH_QUICK === '1'
  const result = await runHttp({ ...(quick ? HTTP_QUICK : HTTP_FULL), log: (l) => console.log(l) })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}http.json`, JSON.stringify(result, null, 2))
}
