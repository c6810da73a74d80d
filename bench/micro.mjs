/**
 * Verify micro-benchmarks: ops/s of every contender over the same pre-minted tokens, as a ratio to
 * the synchronous node:crypto verify measured in the same run (the crypto floor).
 *
 * - distinct: a pool of distinct tokens, cycled, after 1000 other tokens (`mintFillers`): scopeguard's
 *   token cache is full of those and never admits the pool, so it never hits: every verification
 *   parses and checks the signature.
 * - repeated: one token, verified again and again (a client reuses its token for its lifetime).
 *   Each call gets its own copy of the token string, as a server gets a fresh string from every
 *   request's header: a reused string object would let every cache skip hashing the token.
 *
 * Rounds are interleaved (each round runs every contender once, starting with a different one);
 * ops/s are per CPU-second of this process; the ratio reported is the median of the per-round
 * ratios to the floor, the ops/s the median of the rounds, and `besideUs` the median of the
 * per-round CPU time per call less the floor's (the verifier's own work beside the signature).
 * Before measuring, each contender verifies every token once (counted: all must pass) and must
 * refuse a tampered token and a forged payload.
 *
 * CLI: `node bench/micro.mjs` (BENCH_QUICK=1 for a short run); writes bench/results/micro.json.
 */
import { Buffer } from 'node:buffer'
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { makeContenders } from './lib/contenders.mjs'
import { loadCreateVerifier } from './lib/cores.mjs'
import { median, pct, rotate } from './lib/stats.mjs'
import { ALGS, forgePayload, generateKeys, mintFillers, mintTokens, tamper } from './lib/tokens.mjs'

/** Settings of a full run and of `BENCH_QUICK=1`. */
// Repeated-token rounds are fewer and shorter: a cache hit is ~1000x faster than a verification,
// so its ratio to the floor is far from any target, and peers without a cache repeat their
// distinct figures.
export const MICRO_FULL = {
  algs: ALGS,
  tokens: 2000,
  rounds: 8,
  minTimeMs: 150,
  repeated: { rounds: 5, minTimeMs: 100 },
}
export const MICRO_QUICK = {
  algs: ALGS,
  tokens: 1200,
  rounds: 3,
  minTimeMs: 100,
  repeated: { rounds: 3, minTimeMs: 50 },
}

/** A new string object with the same characters (no cached hash, not internalized). */
function copyOf(text) {
  return Buffer.from(text, 'latin1').toString('latin1')
}

/** This process's CPU time (user + system) in milliseconds. */
function cpuMs() {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * Runs one contender over `items` for at least `minTimeMs` of wall-clock time; returns ops per
 * CPU-second of this process (what a verification costs, whatever else the machine runs).
 */
async function measure(contender, items, minTimeMs) {
  const { verify } = contender
  let ops = 0
  const start = performance.now()
  const cpuStart = cpuMs()
  if (contender.sync) {
    do {
      for (let i = 0; i < items.length; i++) verify(items[i])
      ops += items.length
    } while (performance.now() - start < minTimeMs)
  } else {
    do {
      for (let i = 0; i < items.length; i++) await verify(items[i])
      ops += items.length
    } while (performance.now() - start < minTimeMs)
  }
  return (ops / Math.max(0.001, cpuMs() - cpuStart)) * 1000
}

/** Verifies every item once (counting successes) and one tampered and one forged token. */
async function check(contender, items, badItems) {
  let verified = 0
  for (const item of items) {
    try {
      const result = await contender.verify(item)
      if (result) verified++
    } catch {
      // counted as a failure
    }
  }
  let refused = 0
  for (const bad of badItems) {
    try {
      await contender.verify(bad)
    } catch {
      refused++
    }
  }
  return { verified, total: items.length, refused, bad: badItems.length }
}

/**
 * Runs the micro-benchmarks.
 *
 * @param {{ algs?: readonly string[], tokens: number, rounds: number, minTimeMs: number, fillers?: number,
 *   repeated?: { rounds: number, minTimeMs: number },
 *   createVerifier?: Record<'node' | 'webcrypto', typeof import('@scopeguard/core').createVerifier>,
 *   log?: (line: string) => void }} config
 */
export async function runMicro(config) {
  const log = config.log ?? (() => undefined)
  const algs = config.algs ?? ALGS
  const createVerifier = config.createVerifier ?? {
    node: await loadCreateVerifier('node'),
    webcrypto: await loadCreateVerifier('webcrypto'),
  }
  const keys = generateKeys(algs)
  /** @type {{ alg: string, mode: string, contender: string, opsPerSec: number, ratio: number, besideUs: number, floorUs: number, samples: number[], verified: number, total: number, refused: number, bad: number }[]} */
  const rows = []
  for (const alg of algs) {
    const key = keys[alg]
    const t0 = performance.now()
    const tokens = mintTokens(key, config.tokens)
    log(`${alg}: minted ${tokens.length} tokens in ${Math.round(performance.now() - t0)} ms`)
    const bad = [tamper(tokens[0]), forgePayload(tokens[0])]
    const fillers = mintFillers(key, config.fillers)
    for (const mode of /** @type {const} */ (['distinct', 'repeated'])) {
      const contenders = await makeContenders(key, { mode, createVerifier })
      const pool = mode === 'distinct' ? tokens : tokens.map(() => copyOf(tokens[0]))
      const prepared = contenders.map((c) => ({
        contender: c,
        items: c.prepare ? c.prepare(pool) : pool,
        badItems: c.prepare ? c.prepare(bad) : bad,
        samples: /** @type {number[]} */ ([]),
        checked: { verified: 0, total: 0, refused: 0, bad: 0 },
      }))
      for (const p of prepared) {
        // Every contender first sees other tokens, as a server that has been up a while (only a
        // token cache notices): scopeguard's cache is then full and never admits the pool.
        const { contender } = p
        for (const filler of contender.prepare ? contender.prepare(fillers) : fillers)
          await contender.verify(filler)
        p.checked = await check(contender, p.items, p.badItems)
      }
      const { rounds, minTimeMs } = (mode === 'repeated' && config.repeated) || config
      for (let round = 0; round < rounds; round++) {
        for (const p of rotate(prepared, round)) {
          p.samples.push(await measure(p.contender, p.items, minTimeMs))
        }
      }
      const floorSamples = prepared[0].samples
      for (const p of prepared) {
        const opsPerSec = median(p.samples)
        // Each round's ratio to the floor measured in that same round, then their median.
        const ratio = median(p.samples.map((ops, i) => ops / floorSamples[i]))
        // The time a verification spends beside the signature check: its CPU time per call less
        // the floor's in the same round (microseconds; the median of the rounds).
        const besideUs = median(p.samples.map((ops, i) => 1e6 / ops - 1e6 / floorSamples[i]))
        rows.push({
          alg,
          mode,
          contender: p.contender.name,
          opsPerSec,
          ratio,
          besideUs,
          floorUs: median(floorSamples.map((ops) => 1e6 / ops)),
          samples: p.samples.map(Math.round),
          ...p.checked,
        })
        log(
          `${alg} ${mode.padEnd(8)} ${p.contender.name.padEnd(38)} ${String(Math.round(opsPerSec)).padStart(9)} ops/s  ${pct(ratio).padStart(6)}  ${besideUs.toFixed(2).padStart(6)} us beside  verified ${p.checked.verified}/${p.checked.total} refused ${p.checked.refused}/${p.checked.bad}`,
        )
      }
    }
  }
  return {
    settings: {
      algs,
      tokens: config.tokens,
      rounds: config.rounds,
      minTimeMs: config.minTimeMs,
      repeated: config.repeated,
    },
    rows,
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1'
  const result = await runMicro({
    ...(quick ? MICRO_QUICK : MICRO_FULL),
    log: (l) => console.log(l),
  })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}micro.json`, JSON.stringify(result, null, 2))
}
