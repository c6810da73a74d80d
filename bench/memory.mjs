/**
 * Memory: 200,000 distinct EdDSA tokens through one verifier with the token cache on (default
 * bound, 1000 entries). Tokens are minted in batches (node:crypto Ed25519, JWS built by hand) and
 * dropped after use, so only the verifier can hold on to them. Reports RSS and heap after a full
 * GC before and after, the peak RSS, and the largest `stats().tokenCacheSize` seen (checked after
 * every verification) against the bound.
 *
 * The same run without any verifier (tokens minted the same way, each checked with a bare
 * node:crypto verify) is the control: V8 grows its heap under any allocation-heavy loop and keeps
 * the pages after GC, so the control's growth is what the harness and Node cost by themselves.
 * Each run gets its own fresh process; a pair (scopeguard, control) runs side by side.
 *
 * CLI: `node bench/memory.mjs` (`npm run bench:memory`); writes bench/results/memory.json.
 */
import { Buffer } from 'node:buffer'
import { execFile } from 'node:child_process'
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setImmediate as tick } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CLIENT_ID, ISSUER, generateKeys, jwksOf, mintTokens } from './lib/tokens.mjs'

const MAX_ENTRIES = 1000
const execFileAsync = promisify(execFile)

/** Two full collections with a turn of the event loop between them. */
async function fullGc() {
  const gc = /** @type {() => void} */ (/** @type {any} */ (globalThis).gc)
  gc()
  await tick()
  gc()
  await tick()
}

/**
 * One run in this process (needs `--expose-gc`).
 *
 * @param {{ subject: 'scopeguard' | 'control', tokens: number, batch: number, createVerifier?: typeof import('@scopeguard/core').createVerifier, log?: (line: string) => void }} config
 */
export async function runMemory(config) {
  const log = config.log ?? (() => undefined)
  const keys = generateKeys(['EdDSA'])
  /** @type {{ verify: (token: string) => Promise<unknown>, stats: () => { tokenCacheSize: number } }} */
  let verifier
  if (config.subject === 'scopeguard') {
    const createVerifier =
      config.createVerifier ?? (await import('@scopeguard/core')).createVerifier
    verifier = createVerifier({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      tokenUse: 'access',
      jwks: jwksOf(keys),
      tokenCache: { maxEntries: MAX_ENTRIES },
    })
  } else {
    const keyObject = createPublicKey({ key: keys.EdDSA.jwk, format: 'jwk' })
    verifier = {
      verify: (token) => {
        const dot = token.lastIndexOf('.')
        const data = Buffer.from(token.slice(0, dot))
        const ok = cryptoVerify(
          null,
          data,
          keyObject,
          Buffer.from(token.slice(dot + 1), 'base64url'),
        )
        return ok ? Promise.resolve(ok) : Promise.reject(new Error('bad signature'))
      },
      stats: () => ({ tokenCacheSize: 0 }),
    }
  }
  // Warm the code paths and the allocator before the baseline.
  for (const token of mintTokens(keys.EdDSA, config.batch)) await verifier.verify(token)
  await fullGc()
  const before = process.memoryUsage()
  let peakRss = before.rss
  let maxCacheSize = 0
  let verified = 0
  const start = performance.now()
  for (let done = 0; done < config.tokens; done += config.batch) {
    const batch = mintTokens(keys.EdDSA, Math.min(config.batch, config.tokens - done))
    for (const token of batch) {
      await verifier.verify(token)
      verified++
      const size = verifier.stats().tokenCacheSize
      if (size > maxCacheSize) maxCacheSize = size
    }
    const rss = process.memoryUsage.rss()
    if (rss > peakRss) peakRss = rss
  }
  const seconds = (performance.now() - start) / 1000
  await fullGc()
  const after = process.memoryUsage()
  const result = {
    subject: config.subject,
    tokens: config.tokens,
    verified,
    seconds,
    maxEntries: MAX_ENTRIES,
    maxCacheSize,
    finalCacheSize: verifier.stats().tokenCacheSize,
    rssBefore: before.rss,
    rssAfter: after.rss,
    rssGrowth: after.rss - before.rss,
    peakRss,
    heapUsedBefore: before.heapUsed,
    heapUsedAfter: after.heapUsed,
    heapGrowth: after.heapUsed - before.heapUsed,
    heapTotalBefore: before.heapTotal,
    heapTotalAfter: after.heapTotal,
    node: process.version,
  }
  const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`
  log(
    `${config.subject}: ${verified} EdDSA tokens in ${seconds.toFixed(1)} s; RSS after GC ${mb(before.rss)} -> ${mb(after.rss)} (growth ${mb(result.rssGrowth)}, peak ${mb(peakRss)}); heap used ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}; token cache max ${maxCacheSize} / bound ${MAX_ENTRIES}`,
  )
  return result
}

/**
 * V8 flag of the second pair of runs: a 1 MB young-generation semi-space. By default V8 grows the
 * semi-spaces (up to 16 MB each) under any allocation-heavy loop and keeps those pages after GC,
 * which the control shows costs ~37 MB of RSS with no verifier at all. Pinning it leaves the
 * memory that is actually retained.
 */
export const PINNED_FLAG = '--max-semi-space-size=1'

/**
 * Both runs, each in a fresh `node --expose-gc` process, with V8's default heap sizing and again
 * with the young generation pinned ({@link PINNED_FLAG}).
 *
 * @param {{ tokens: number, batch: number, log?: (line: string) => void }} config
 */
export async function runMemoryIsolated(config) {
  const log = config.log ?? (() => undefined)
  const byDefault = await runPair(config, [], log)
  log(`again with ${PINNED_FLAG} (young generation pinned):`)
  const pinned = await runPair(config, [PINNED_FLAG], log)
  return { ...byDefault, pinned: { ...pinned, flag: PINNED_FLAG } }
}

/**
 * One scopeguard run and one control run with the given extra Node flags, side by side (two
 * processes at once: each measures only its own RSS, and the pair takes half the time).
 */
async function runPair(config, flags, log) {
  const run = async (subject) => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--expose-gc',
        ...flags,
        fileURLToPath(import.meta.url),
        '--child',
        subject,
        String(config.tokens),
        String(config.batch),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    )
    return stdout.trim().split('\n')
  }
  const outputs = await Promise.all([run('scopeguard'), run('control')])
  const runs = {}
  for (const lines of outputs) {
    for (const line of lines.slice(0, -1)) log(line)
    const result = JSON.parse(lines[lines.length - 1] ?? '{}')
    runs[result.subject] = result
  }
  const attributable = runs.scopeguard.rssGrowth - runs.control.rssGrowth
  log(
    `RSS growth attributable to the verifier (scopeguard - control): ${(attributable / 1024 / 1024).toFixed(1)} MB`,
  )
  return { scopeguard: runs.scopeguard, control: runs.control, attributable }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [flag, subject, tokens, batch] = process.argv.slice(2)
  if (flag === '--child') {
    const result = await runMemory({
      subject: /** @type {'scopeguard' | 'control'} */ (subject),
      tokens: Number(tokens),
      batch: Number(batch),
      log: (l) => console.log(l),
    })
    console.log(JSON.stringify(result))
  } else {
    const quick = process.env.BENCH_QUICK === '1'
    const result = await runMemoryIsolated({
      tokens: quick ? 50_000 : 200_000,
      batch: 1000,
      log: (l) => console.log(l),
    })
    const dir = fileURLToPath(new URL('./results/', import.meta.url))
    mkdirSync(dir, { recursive: true })
    writeFileSync(`${dir}memory.json`, JSON.stringify(result, null, 2))
  }
}
