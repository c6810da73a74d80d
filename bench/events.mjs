/**
 * What the core's events cost, every figure side by side in one run.
 *
 * - Verify, no listener: a copy of the built core with no listener attached against another copy
 *   with its event checks compiled out (`events.active` replaced by `false`, see lib/cores.mjs):
 *   the only difference is what an app that never subscribes pays for events.
 *   Target: a ratio >= 0.99.
 * - Verify, A/A control: the no-listener row again from another copy of the build, to show the
 *   noise of the run.
 * - Verify with a listener: a no-op listener, and `@scopeguard/opentelemetry` on an SDK
 *   `MeterProvider` read by the Prometheus exporter, against no listener.
 * - HTTP, same token: Express + scopeguard with `@scopeguard/opentelemetry` attached against the
 *   same server without it (autocannon, servers in child processes, rounds interleaved), with the
 *   server CPU per request, and the same server without it in a third process (A/A control).
 *   Target: under 5% fewer requests per second.
 *
 * One RS256 token verified again and again (the token-cache hit, where a fixed cost weighs most)
 * and a pool of distinct tokens (every verification parses and checks the signature). Rounds are
 * interleaved in a rotated order; each ratio is the median of the per-round ratios.
 *
 * CLI: `node bench/events.mjs` (BENCH_QUICK=1 for a short run); writes bench/results/events.json
 * and prints its BENCHMARKS.md section. `npm run bench` runs it with everything else.
 */
import { Buffer } from 'node:buffer'
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { openTelemetryListener } from '@scopeguard/opentelemetry'
import { runHttp } from './http.mjs'
import { loadCoreCopy } from './lib/cores.mjs'
import { pinLoadGenerator } from './lib/servers.mjs'
import { median, pct, rotate } from './lib/stats.mjs'
import { CLIENT_ID, ISSUER, generateKeys, jwksOf, mintFillers, mintTokens } from './lib/tokens.mjs'

// Twice what the default token cache holds (1000), so after the fillers distinct tokens never hit it.
export const EVENTS_FULL = {
  tokens: 2000,
  rounds: 20,
  minTimeMs: 100,
  // Two processes per server, as in the same-token HTTP benchmarks (`copies` in ./http.mjs).
  http: { durationSec: 1, warmupSec: 1, rounds: 6, connections: 10, pool: 10, copies: 2 },
}
export const EVENTS_QUICK = {
  tokens: 1200,
  rounds: 5,
  minTimeMs: 150,
  http: { durationSec: 1, warmupSec: 0.5, rounds: 3, connections: 10, pool: 10, copies: 2 },
}

/** The contender every other row is divided by, and the one the no-listener row is judged by. */
export const NO_LISTENER = 'no listener'
export const COMPILED_OUT = 'events compiled out (same build)'
export const CONTROL = 'no listener, another copy (A/A control)'
export const OTEL_APP = 'express/scopeguard + OpenTelemetry'
export const HTTP_CONTROL = 'express/scopeguard (A/A control)'

/** A fresh string with the same characters, as each request brings its own header string. */
const copyOf = (text) => Buffer.from(text, 'latin1').toString('latin1')

/** This process's CPU time (user + system), in milliseconds. */
function cpuMs() {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * Verifications per second of this process's CPU time, for at least `minTimeMs` of it. CPU time
 * rather than wall-clock time: on a shared machine the time this process waits for a core says
 * nothing about the code, and would otherwise land on whichever contender ran then.
 */
async function measure(verify, items, minTimeMs) {
  let ops = 0
  const start = cpuMs()
  let elapsed = 0
  do {
    for (let i = 0; i < items.length; i++) await verify(items[i])
    ops += items.length
    elapsed = cpuMs() - start
  } while (elapsed < minTimeMs)
  return (ops / elapsed) * 1000
}

/**
 * Runs the events benchmarks.
 *
 * @param {{ tokens: number, rounds: number, minTimeMs: number, micro?: false,
 *   http: { durationSec: number, warmupSec: number, rounds: number, connections: number, pool: number, copies?: number } | false,
 *   log?: (line: string) => void }} config (`micro: false` / `http: false` skip that half)
 */
export async function runEvents(config) {
  const log = config.log ?? (() => undefined)
  const micro = config.micro === false ? undefined : await runEventsMicro(config, log)
  let http
  if (config.http !== false) {
    const result = await runHttp({
      ...config.http,
      frameworks: { express: ['express/scopeguard', HTTP_CONTROL, OTEL_APP] },
      modes: ['same'],
      log,
    })
    http = result.rows
    const attached = http.find((row) => row.app === OTEL_APP)
    log(
      `HTTP same token, OpenTelemetry attached: ${pct(attached?.ratio)} of the req/s without, ${pct(attached?.cpuRatio)} by server CPU per request`,
    )
  }
  return {
    checksCompiledOut: micro?.checksCompiledOut,
    settings: { ...config, log: undefined },
    micro: micro?.rows,
    http,
  }
}

/** The verify rows: every contender in its own module copy, interleaved rounds. */
async function runEventsMicro(config, log) {
  // Each verifier runs in a module instance of its own, as in an app with one verifier: V8 shares
  // type feedback between the verifiers of one module instance.
  const plain = await loadCoreCopy('core-plain')
  const plainAgain = await loadCoreCopy('core-plain-2')
  const withNoop = await loadCoreCopy('core-noop')
  const withOtel = await loadCoreCopy('core-otel')
  const withoutEvents = await loadCoreCopy('core-no-events', { stripEvents: true })
  log(`core copy with ${withoutEvents.checks} event checks compiled out`)
  const keys = generateKeys(['RS256'])
  const jwks = jwksOf(keys)
  const tokens = mintTokens(keys.RS256, config.tokens)
  const options = { issuer: ISSUER, clientId: CLIENT_ID, tokenUse: 'access', jwks }
  const meterProvider = new MeterProvider({
    readers: [new PrometheusExporter({ preventServerStart: true })],
  })

  const noop = withNoop.createVerifier(options)
  noop.subscribe(() => undefined)
  const otel = withOtel.createVerifier(options)
  otel.subscribe(openTelemetryListener({ meterProvider }))
  const contenders = [
    { name: NO_LISTENER, verifier: plain.createVerifier(options) },
    { name: COMPILED_OUT, verifier: withoutEvents.createVerifier(options) },
    // The first row again, from a copy of its own: how far identical contenders drift apart here.
    { name: CONTROL, verifier: plainAgain.createVerifier(options) },
    { name: 'no-op listener', verifier: noop },
    { name: '@scopeguard/opentelemetry', verifier: otel },
  ]

  // A full token cache first (see mintFillers): the distinct pool is then never admitted.
  const fillers = mintFillers(keys.RS256)
  for (const c of contenders) for (const token of fillers) await c.verifier.verify(token)
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
    const [noListener, compiledOut] = contenders
    for (const c of contenders) {
      // `no listener` is judged against the build without events; every other row against it.
      const reference = c === noListener ? compiledOut : noListener
      const ratios = c.samples.map((ops, i) => ops / reference.samples[i])
      const row = {
        mode,
        contender: c.name,
        versus: c === compiledOut ? undefined : reference.name,
        opsPerSec: median(c.samples),
        ratio: c === compiledOut ? undefined : median(ratios),
        ratioMin: c === compiledOut ? undefined : Math.min(...ratios),
        ratioMax: c === compiledOut ? undefined : Math.max(...ratios),
        samples: c.samples.map(Math.round),
      }
      micro.push(row)
      log(
        `${mode.padEnd(8)} ${c.name.padEnd(34)} ${String(Math.round(row.opsPerSec)).padStart(9)} ops/s${row.ratio === undefined ? '' : `  ${row.ratio.toFixed(3)} of ${row.versus} (${row.ratioMin.toFixed(3)}-${row.ratioMax.toFixed(3)})`}`,
      )
    }
  }
  await meterProvider.shutdown()
  return { checksCompiledOut: withoutEvents.checks, rows: micro }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  pinLoadGenerator()
  const { eventsSection } = await import('./report.mjs')
  const quick = process.env.BENCH_QUICK === '1'
  const started = performance.now()
  const result = await runEvents({
    ...(quick ? EVENTS_QUICK : EVENTS_FULL),
    log: (l) => console.log(l),
  })
  result.seconds = (performance.now() - started) / 1000
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}events.json`, JSON.stringify(result, null, 2))
  console.log(`\n${eventsSection(result).join('\n')}`)
}
