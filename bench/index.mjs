/**
 * `npm run bench`: every benchmark in one run, then BENCHMARKS.md (repo root) and bench/chart.svg.
 * Raw results go to bench/results/ (git-ignored). `BENCH_QUICK=1` shortens every part;
 * `BENCH_RUNS=3` runs everything three times in a row and reports each run's verdicts (the
 * detailed tables are the last run's).
 *
 * Order: verify micro-benchmarks and core profiles (this process), HTTP (servers in child
 * processes), fleet, events and OpenTelemetry (in this process, then HTTP in child processes),
 * import cost, cold start, memory (fresh processes).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, release, totalmem, type } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { runColdStart } from './cold-start.mjs'
import { DPOP_FULL, DPOP_QUICK, runDpop } from './dpop.mjs'
import { EVENTS_FULL, EVENTS_QUICK, runEvents } from './events.mjs'
import { FLEET_FULL, FLEET_QUICK, runFleet } from './fleet.mjs'
import { HTTP_FULL, HTTP_QUICK, runHttp } from './http.mjs'
import { INTROSPECTION_FULL, INTROSPECTION_QUICK, runIntrospection } from './introspection.mjs'
import { runImportCost } from './import-cost.mjs'
import { runMemoryIsolated } from './memory.mjs'
import { MICRO_FULL, MICRO_QUICK } from './micro.mjs'
import { profileCore, selfTimes } from './profile.mjs'
import { chartSvg, markdown, verdicts } from './report.mjs'
import { runIsolated } from './lib/isolated.mjs'
import { SERVER_V8_FLAGS, pinLoadGenerator, unpinLoadGenerator } from './lib/servers.mjs'

const PACKAGES = [
  '@scopeguard/core',
  '@scopeguard/express',
  '@scopeguard/koa',
  '@scopeguard/fastify',
  '@scopeguard/nestjs',
  'jose',
  'aws-jwt-verify',
  'fast-jwt',
  'jsonwebtoken',
  'express',
  'express-oauth2-jwt-bearer',
  'express-jwt',
  'jwks-rsa',
  'koa',
  'koa-jwt',
  'fastify',
  'fastify-jwt-jwks',
  '@fastify/jwt',
  '@nestjs/core',
  '@nestjs/common',
  '@nestjs/platform-express',
  '@scopeguard/opentelemetry',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/exporter-prometheus',
  'autocannon',
]

const root = fileURLToPath(new URL('..', import.meta.url))

function versionOf(name) {
  try {
    const path = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url))
    return JSON.parse(readFileSync(path, 'utf8')).version
  } catch {
    return 'not installed'
  }
}

function environment() {
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim()
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    commit,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    totalMemGb: totalmem() / 1024 ** 3,
    os: `${type()} ${release()}`,
    node: process.version,
    openssl: process.versions.openssl,
    versions: Object.fromEntries(PACKAGES.map((name) => [name, versionOf(name)])),
  }
}

const quick = process.env.BENCH_QUICK === '1'
const log = (line) => console.log(line)
const start = performance.now()
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(resultsDir, { recursive: true })
const save = (name, value) =>
  writeFileSync(`${resultsDir}${name}.json`, JSON.stringify(value, null, 2))

/** One full run of every benchmark; `started` is when it began (performance.now()). */
async function runAll(started) {
  const step = (name) =>
    console.log(`\n== ${name} (${Math.round((performance.now() - started) / 1000)} s)`)
  const env = environment()
  step('verify micro-benchmarks')
  // The in-process timings run in a fresh process each (see lib/isolated.mjs).
  const micro = await runIsolated('micro.mjs', 'runMicro', quick ? MICRO_QUICK : MICRO_FULL, log)
  save('micro', micro)

  step('opaque tokens (introspection)')
  const introspection = await runIntrospection({
    ...(quick ? INTROSPECTION_QUICK : INTROSPECTION_FULL),
    log,
  })
  save('introspection', introspection)

  step('core profiles')
  const profiles = []
  for (const [mode, title] of [
    ['distinct', 'verify(), distinct RS256 tokens (token cache on, never hit)'],
    ['repeated', 'authenticate(), one RS256 token in fresh header strings (token cache hits)'],
  ]) {
    const { opsPerSec, profile } = await profileCore({ mode, seconds: quick ? 1 : 3 })
    profiles.push({ title, opsPerSec, byFunction: selfTimes(profile, 12).byFunction })
  }
  save('profiles', profiles)

  // Servers on one core, the load generator on the other(s), for the steps that measure servers.
  env.serverCore = pinLoadGenerator()
  env.serverFlags = SERVER_V8_FLAGS
  step('HTTP benchmarks')
  const http = await runHttp({ ...(quick ? HTTP_QUICK : HTTP_FULL), log })
  save('http', http)

  step('fleet: revocation on/off, Redis replay store')
  const fleet = await runFleet({ ...(quick ? FLEET_QUICK : FLEET_FULL), log })
  save('fleet', fleet)

  step('DPoP: Bearer vs DPoP (in-memory and Redis replay stores)')
  const dpop = await runDpop({ ...(quick ? DPOP_QUICK : DPOP_FULL), log })
  save('dpop', dpop)

  step('events and OpenTelemetry')
  const eventsConfig = quick ? EVENTS_QUICK : EVENTS_FULL
  const eventsMicro = await runIsolated(
    'events.mjs',
    'runEvents',
    { ...eventsConfig, http: false },
    log,
  )
  const eventsHttp = await runEvents({ ...eventsConfig, micro: false, log })
  const events = {
    ...eventsMicro,
    settings: { ...eventsHttp.settings, micro: undefined },
    http: eventsHttp.http,
  }
  save('events', events)

  unpinLoadGenerator()
  step('import cost')
  const importCost = runImportCost({ runs: quick ? 3 : 9, log })
  save('import-cost', importCost)

  step('cold start')
  const coldStart = await runColdStart({ concurrency: 50, delayMs: 100, log })
  save('cold-start', coldStart)

  step('memory')
  const memory = await runMemoryIsolated({ tokens: quick ? 50_000 : 200_000, batch: 1000, log })
  save('memory', memory)

  const results = {
    quick,
    seconds: (performance.now() - started) / 1000,
    env,
    micro,
    introspection,
    http,
    fleet,
    dpop,
    events,
    importCost,
    coldStart,
    memory,
    profiles,
  }
  return results
}

const runCount = Math.max(1, Number(process.env.BENCH_RUNS ?? 1) || 1)
/** Each run's time and verdicts, for the "Consecutive runs" table. */
const history = []
let results
for (let run = 1; run <= runCount; run++) {
  if (runCount > 1) console.log(`\n######## run ${run} of ${runCount}`)
  results = await runAll(performance.now())
  for (const v of verdicts(results))
    console.log(`${v.ok ? 'met   ' : 'MISSED'}  ${v.target}: ${v.measured}`)
  history.push({
    seconds: results.seconds,
    commit: results.env.commit,
    verdicts: verdicts(results),
  })
  save(runCount > 1 ? `all-${run}` : 'all', results)
}
results.runs = history
save('all', results)
writeFileSync(fileURLToPath(new URL('./chart.svg', import.meta.url)), chartSvg(results))
const mdPath = `${root}BENCHMARKS.md`
const prettierConfig = (await prettier.resolveConfig(mdPath)) ?? {}
writeFileSync(
  mdPath,
  await prettier.format(markdown(results), { ...prettierConfig, filepath: mdPath }),
)
const done = history.filter((run) => run.verdicts.every((v) => v.ok)).length
console.log(
  `\n== done in ${Math.round((performance.now() - start) / 1000)} s: ${done} of ${runCount} runs met every target; wrote BENCHMARKS.md and bench/chart.svg`,
)
