/**
 * What the core's events cost.
 *
 * - Verify, no listener: today's core with no listener attached against the core at a baseline
 *   commit without events (`BENCH_EVENTS_BASELINE`, a git ref; compiled once into bench/.out),
 *   both in this process, rounds interleaved. Target: a ratio >= 0.99.
 * - Verify with a listener: a no-op listener, and `@scopeguard/opentelemetry` on an SDK
 *   `MeterProvider` read by the Prometheus exporter, against no listener.
 * - HTTP, same token: Express + scopeguard with `@scopeguard/opentelemetry` attached against
 *   Express + scopeguard without it (autocannon, servers in child processes, rounds interleaved).
 *   Target: under 5% fewer requests per second.
 *
 * One RS256 token verified again and again (the token cache hit, where a fixed cost weighs most)
 * and a pool of distinct tokens (every verification parses and checks the signature).
 *
 * CLI: `node bench/events.mjs` (BENCH_QUICK=1 for a short run); writes bench/results/events.json.
 */
import { Buffer } from 'node:buffer'
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { openTelemetryListener } from '@scopeguard/opentelemetry'
import { runHttp } from './http.mjs'
import { loadCoreAt, loadCreateVerifier } from './lib/cores.mjs'
import { median, pct, rotate } from './lib/stats.mjs'
import { CLIENT_ID, ISSUER, generateKeys, jwksOf, mintTokens } from './lib/tokens.mjs'

/**
 * The commit on main just before the events arrived: the core without them. Override with
 * `BENCH_EVENTS_BASELINE=<ref>`; `BENCH_EVENTS_BASELINE=none` skips the comparison.
 */
export const EVENTS_BASELINE = 'e75bba7'

export const EVENTS_FULL = {
  tokens: 2000,
  rounds: 9,
  minTimeMs: 300,
  http: { durationSec: 1.5, warmupSec: 1, rounds: 5, connections: 10, pool: 10 },
}
export const EVENTS_QUICK = {
  tokens: 1200,
  rounds: 5,
  minTimeMs: 150,
  http: { durationSec: 1, warmupSec: 0.5, rounds: 3, connections: 10, pool: 10 },
}

/** A fresh string with the same characters, as each request brings its own header string. */
const copyOf = (text) => Buffer.from(text, 'latin1').toString('latin1')

async function measure(verify, items, minTimeMs) {
  let ops = 0
  const start = performance.now()
  let elapsed = 0
  do {
    for (let i = 0; i < items.length; i++) await verify(items[i])
    ops += items.length
    elapsed = performance.now() - start
  } while (elapsed < minTimeMs)
  return (ops / elapsed) * 1000
}

/**
 * Runs the events benchmarks.
 *
 * @param {{ tokens: number, rounds: number, minTimeMs: number, baseline?: string,
 *   http: { durationSec: number, warmupSec: number, rounds: number, connections: number, pool: number } | false,
 *   log?: (line: string) => void }} config
 */
export async function runEvents(config) {
  const log = config.log ?? (() => undefined)
  const baselineRef = config.baseline ?? process.env.BENCH_EVENTS_BASELINE ?? EVENTS_BASELINE
  const baseline = baselineRef === 'none' ? undefined : await loadCoreAt(baselineRef)
  const createVerifier = await loadCreateVerifier('node')
  const keys = generateKeys(['RS256'])
  const jwks = jwksOf(keys)
  const tokens = mintTokens(keys.RS256, config.tokens)
  const options = { issuer: ISSUER, clientId: CLIENT_ID, tokenUse: 'access', jwks }
  const meterProvider = new MeterProvider({
    readers: [new PrometheusExporter({ preventServerStart: true })],
  })

  const contenders = [{ name: 'no listener', verifier: createVerifier(options) }]
  if (baseline !== undefined) {
    contenders.push({
      name: `core at ${baseline.commit} (before events)`,
      verifier: baseline.createVerifier(options),
    })
  }
  const noop = createVerifier(options)
  noop.subscribe(() => undefined)
  contenders.push({ name: 'no-op listener', verifier: noop })
  const otel = createVerifier(options)
  otel.subscribe(openTelemetryListener({ meterProvider }))
  contenders.push({ name: '@scopeguard/opentelemetry', verifier: otel })

  const micro = []
  for (const mode of ['repeated', 'distinct']) {
    const items = mode === 'repeated' ? tokens.map(() => copyOf(tokens[0])) : tokens
    for (const c of contenders) {
      for (const token of items) await c.verifier.verify(token) // all must pass
      c.samples = []
    }
    for (let round = 0; round < config.rounds; round++) {
      for (const c of rotate(contenders, round)) {
        c.samples.push(await measure((t) => c.verifier.verify(t), items, config.minTimeMs))
      }
    }
    const reference = contenders[0].samples
    for (const c of contenders) {
      const row = {
        mode,
        contender: c.name,
        opsPerSec: median(c.samples),
        // `no listener` against the baseline core; every other row against `no listener`.
        ratio: median(c.samples.map((ops, i) => ops / reference[i])),
        samples: c.samples.map(Math.round),
      }
      if (c === contenders[0] && baseline !== undefined) {
        const old = contenders[1].samples
        row.ratio = median(c.samples.map((ops, i) => ops / old[i]))
        row.versus = contenders[1].name
      }
      micro.push(row)
      log(
        `${mode.padEnd(8)} ${c.name.padEnd(34)} ${String(Math.round(row.opsPerSec)).padStart(9)} ops/s  ${row.ratio.toFixed(3)}${row.versus ? ` of ${row.versus}` : ''}`,
      )
    }
  }
  await meterProvider.shutdown()

  let http
  if (config.http !== false) {
    const result = await runHttp({
      ...config.http,
      frameworks: { express: ['express/scopeguard', 'express/scopeguard + OpenTelemetry'] },
      modes: ['same'],
      log,
    })
    http = result.rows
    const attached = http.find((row) => row.app === 'express/scopeguard + OpenTelemetry')
    log(`HTTP same token, OpenTelemetry attached: ${pct(attached?.ratio)} of without`)
  }
  return { baseline: baseline?.commit, settings: { ...config, log: undefined }, micro, http }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1'
  const result = await runEvents({
    ...(quick ? EVENTS_QUICK : EVENTS_FULL),
    log: (l) => console.log(l),
  })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}events.json`, JSON.stringify(result, null, 2))
}
