/**
 * What the HTTP targets can resolve on this machine: `npm run bench:resolution`. Not part of
 * `npm run bench` (it would not fit in its ten minutes); run it beside it.
 *
 * Each same-token target compares two server processes (scopeguard and bare, or a control). This
 * runs the HTTP bench's same-token rounds with every compared server twice, each copy in a process
 * of its own (an "A/A copy"): how far two identical servers read apart here is the finest
 * difference a 5% or 10% target can tell from noise. Beside them, the yardsticks the closing
 * analysis needs: Express's cost for two middlewares that do nothing (the shape of
 * `authenticate()` + `requireScopes()`), and servers whose per-request work is the same as
 * scopeguard's but whose start-up differs (an unused route config; the revocation row taken
 * apart: the check against an empty list, 10,000 entries held but never consulted).
 *
 * Runs twice: with the servers' nextTick warm-up (as `npm run bench` runs them), then without it
 * (BENCH_TICK_WARMUP=0; see warmNextTick in bench/http/server.mjs). Writes bench/RESOLUTION.md
 * (and bench/results/resolution.json).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { HTTP_FULL, HTTP_QUICK, runHttp } from './http.mjs'
import { AA_COPY as COPY, pinLoadGenerator } from './lib/servers.mjs'
import { median } from './lib/stats.mjs'

/**
 * Per block: the servers run twice (each compared with its A/A copy), the servers run once, and
 * the other comparisons read from them ([label, server, against]).
 */
const BLOCKS = {
  express: {
    twice: ['express/bare', 'express/scopeguard'],
    once: ['express/no-op middleware (control)'],
    compare: [
      ['scopeguard vs bare (the target: within 10%)', 'express/scopeguard', 'express/bare'],
      ['two no-op middlewares vs bare', 'express/no-op middleware (control)', 'express/bare'],
      [
        'scopeguard vs two no-op middlewares',
        'express/scopeguard',
        'express/no-op middleware (control)',
      ],
    ],
  },
  koa: {
    twice: ['koa/bare', 'koa/scopeguard'],
    compare: [['scopeguard vs bare (the target: within 10%)', 'koa/scopeguard', 'koa/bare']],
  },
  fastify: {
    twice: ['fastify/bare', 'fastify/scopeguard'],
    once: ['fastify/no-op hook (control)'],
    compare: [
      ['scopeguard vs bare (the target: within 10%)', 'fastify/scopeguard', 'fastify/bare'],
      ['a no-op hook vs bare', 'fastify/no-op hook (control)', 'fastify/bare'],
    ],
  },
  hono: {
    twice: ['hono/bare', 'hono/scopeguard'],
    compare: [['scopeguard vs bare (the target: within 10%)', 'hono/scopeguard', 'hono/bare']],
  },
  nestjs: {
    twice: ['nestjs/no-op guard (control)', 'nestjs/scopeguard'],
    compare: [
      [
        'scopeguard vs a no-op guard (the target: within 5%)',
        'nestjs/scopeguard',
        'nestjs/no-op guard (control)',
      ],
    ],
  },
  'fastify, start-up': {
    twice: ['fastify/scopeguard'],
    once: [
      'fastify/scopeguard + an unused route config',
      'fastify/scopeguard + revocation (10k)',
      'fastify/scopeguard + revocation (empty list)',
      'fastify/scopeguard + 10k revocations held, unused',
    ],
    compare: [
      [
        'the same server with an unused route config',
        'fastify/scopeguard + an unused route config',
        'fastify/scopeguard',
      ],
      [
        'revocation on, 10,000 entries (the target: within 5%)',
        'fastify/scopeguard + revocation (10k)',
        'fastify/scopeguard',
      ],
      [
        'the revocation check on every request, empty list',
        'fastify/scopeguard + revocation (empty list)',
        'fastify/scopeguard',
      ],
      [
        '10,000 revocations held, never consulted',
        'fastify/scopeguard + 10k revocations held, unused',
        'fastify/scopeguard',
      ],
    ],
  },
}

/** One run: every block's same-token rounds; per comparison the median of per-round CPU ratios. */
export async function runResolution(config) {
  // One block at a time: runHttp keys its rows by app, and two blocks share 'fastify/scopeguard'.
  const results = []
  for (const [block, { twice, once = [], compare }] of Object.entries(BLOCKS)) {
    const servers = [...twice.flatMap((app) => [app, `${app}${COPY}`]), ...once]
    const copies = twice.map((app) => [
      `A/A: ${app.slice(app.indexOf('/') + 1).replace(' (control)', '')}, another process`,
      `${app}${COPY}`,
      app,
    ])
    // One process per server (copies: 1): how far single processes read apart is the point.
    const { rows } = await runHttp({
      ...config,
      copies: 1,
      frameworks: { [block]: servers },
      modes: ['same'],
    })
    const byApp = new Map(rows.map((row) => [row.app, row]))
    for (const [label, app, against] of [...copies, ...compare]) {
      const a = byApp.get(app)
      const b = byApp.get(against)
      const ratios = a.cpuSamples.map((us, i) => us / b.cpuSamples[i])
      results.push({
        block,
        label,
        app,
        against,
        ratio: median(ratios),
        min: Math.min(...ratios),
        max: Math.max(...ratios),
        cpuUs: a.cpuPerRequestUs,
        againstCpuUs: b.cpuPerRequestUs,
      })
    }
  }
  return results
}

const signed = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)}%`

/** bench/RESOLUTION.md from the runs. */
function markdown(runs, { commit, seconds, config }) {
  const header = [
    'block',
    'comparison (server CPU per request)',
    ...runs.map((run) => (run.warmup ? 'nextTick warmed (as `npm run bench`)' : 'not warmed')),
  ]
  const rows = runs[0].results.map((first, k) => [
    first.block,
    first.label,
    ...runs.map(({ results }) => {
      const r = results[k]
      return `${signed(r.ratio)} (${r.cpuUs.toFixed(1)} vs ${r.againstCpuUs.toFixed(1)} µs; rounds ${signed(r.min)} to ${signed(r.max)})`
    }),
  ])
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [
    '# What the HTTP targets can resolve on this machine',
    '',
    `Generated by \`npm run bench:resolution\` at commit \`${commit}\` on ${new Date().toISOString().slice(0, 10)} (${cpus().length} cores, Node ${process.version}; ${seconds.toFixed(0)} s), with the HTTP bench's same-token method: ${config.rounds} interleaved rounds of ${config.durationSec} s per server after a ${config.warmupSec} s warm-up, ${config.connections} connections, servers pinned to one core. Each figure is the median of the per-round ratios of server CPU per request (their range in brackets), as the targets in BENCHMARKS.md are judged.`,
    '',
    '*A/A* rows compare two processes running the same server: what a target of 5% or 10% has to be read against. The other rows are the yardsticks behind the analysis of what is left: what the framework charges any auth step that does nothing, and servers that do the same work per request as scopeguard but start differently. The first column runs every server as `npm run bench` does, with `process.nextTick` warmed before the app starts; the second without (see `warmNextTick` in bench/http/server.mjs).',
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  pinLoadGenerator()
  const config = process.env.BENCH_QUICK === '1' ? HTTP_QUICK : HTTP_FULL
  const started = performance.now()
  const runs = []
  for (const warmup of [true, false]) {
    // Read by each server process at start (startServer passes this environment on).
    process.env.BENCH_TICK_WARMUP = warmup ? '1' : '0'
    const run = await runResolution({ ...config, log: () => undefined })
    for (const r of run)
      console.log(`${r.block.padEnd(20)} ${r.label.padEnd(56)} ${signed(r.ratio)}`)
    runs.push({ warmup, results: run })
  }
  const root = fileURLToPath(new URL('../', import.meta.url))
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  }).trim()
  const seconds = (performance.now() - started) / 1000
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}resolution.json`, JSON.stringify({ commit, seconds, runs }, null, 2))
  writeFileSync(`${root}bench/RESOLUTION.md`, markdown(runs, { commit, seconds, config }))
  console.log(`wrote bench/RESOLUTION.md in ${seconds.toFixed(0)} s`)
}
