/**
 * Import cost of each scopeguard package next to the peer it replaces: the time `import()` takes
 * in a fresh Node process (median of several processes, interleaved), and the installed size
 * (the package plus its production dependency tree as installed in node_modules, each package
 * counted once; a workspace package counts the files it publishes). Framework peers (express,
 * koa, ...) are left out on both sides: the app has them either way.
 *
 * CLI: `node bench/import-cost.mjs`; writes bench/results/import-cost.json.
 */
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './lib/stats.mjs'

const benchDir = fileURLToPath(new URL('.', import.meta.url))

/** Each row: what scopeguard brings vs what its peer brings (lists of packages imported together). */
export const IMPORT_ROWS = [
  { group: 'core', ours: ['@scopeguard/core'], peer: ['aws-jwt-verify'] },
  { group: 'core', ours: ['@scopeguard/core'], peer: ['jose'] },
  { group: 'express', ours: ['@scopeguard/express'], peer: ['express-oauth2-jwt-bearer'] },
  { group: 'express', ours: ['@scopeguard/express'], peer: ['express-jwt', 'jwks-rsa'] },
  { group: 'koa', ours: ['@scopeguard/koa'], peer: ['koa-jwt', 'jwks-rsa'] },
  { group: 'fastify', ours: ['@scopeguard/fastify'], peer: ['fastify-jwt-jwks'] },
  { group: 'nestjs', ours: ['@scopeguard/nestjs'], peer: [] },
]

/** Finds an installed package's directory the way Node does (nested node_modules first). */
function packageDir(name, fromDir) {
  let dir = fromDir
  for (;;) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/** Bytes of every file under `path`, skipping nested node_modules. */
function bytesUnder(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.size
  let total = 0
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue
    total += bytesUnder(join(path, entry))
  }
  return total
}

/** The bytes a package takes once installed: its published files (workspaces) or its folder. */
function ownBytes(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (dir.includes('node_modules') || !Array.isArray(manifest.files)) return bytesUnder(dir)
  let total = statSync(join(dir, 'package.json')).size
  for (const entry of readdirSync(dir)) {
    if (/^(readme|license|licence)/i.test(entry)) total += bytesUnder(join(dir, entry))
  }
  for (const entry of manifest.files) {
    const path = join(dir, entry)
    if (existsSync(path) && !/^(readme|license|licence)/i.test(entry)) total += bytesUnder(path)
  }
  return total
}

/** Size of some packages and their production dependency trees, each package counted once. */
export function installedSize(names) {
  const seen = new Map()
  const visit = (name, fromDir) => {
    const dir = packageDir(name, fromDir)
    if (dir === undefined || seen.has(dir)) return
    seen.set(dir, ownBytes(dir))
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      visit(dep, dir)
    }
  }
  for (const name of names) visit(name, benchDir)
  let bytes = 0
  for (const size of seen.values()) bytes += size
  return { bytes, packages: seen.size }
}

/** Milliseconds `import()` of the packages takes in a fresh process. */
function importMs(names) {
  const code = `const t = performance.now(); ${names.map((n) => `await import(${JSON.stringify(n)});`).join(' ')} process.stdout.write(String(performance.now() - t))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: benchDir,
    encoding: 'utf8',
  })
  return Number(out)
}

/**
 * Measures every row.
 *
 * @param {{ runs: number, log?: (line: string) => void }} config
 */
export function runImportCost(config) {
  const log = config.log ?? (() => undefined)
  const sets = new Map()
  for (const row of IMPORT_ROWS) {
    for (const names of [row.ours, row.peer])
      if (names.length > 0) sets.set(names.join(' + '), names)
  }
  const samples = new Map([...sets.keys()].map((k) => [k, /** @type {number[]} */ ([])]))
  for (let run = 0; run < config.runs; run++) {
    for (const [key, names] of sets) samples.get(key)?.push(importMs(names))
  }
  const measured = new Map()
  for (const [key, names] of sets) {
    measured.set(key, { ms: median(samples.get(key) ?? []), ...installedSize(names) })
  }
  const rows = IMPORT_ROWS.map((row) => {
    const ours = measured.get(row.ours.join(' + '))
    const peer = row.peer.length > 0 ? measured.get(row.peer.join(' + ')) : undefined
    const result = {
      group: row.group,
      ours: row.ours.join(' + '),
      peer: row.peer.join(' + '),
      oursMs: ours.ms,
      peerMs: peer?.ms,
      oursBytes: ours.bytes,
      peerBytes: peer?.bytes,
      oursPackages: ours.packages,
      peerPackages: peer?.packages,
    }
    log(
      `${result.ours.padEnd(22)} ${ours.ms.toFixed(1).padStart(6)} ms ${(ours.bytes / 1024).toFixed(0).padStart(6)} kB (${ours.packages} pkgs)   vs ${result.peer.padEnd(26)} ${peer ? `${peer.ms.toFixed(1).padStart(6)} ms ${(peer.bytes / 1024).toFixed(0).padStart(6)} kB (${peer.packages} pkgs)` : 'n/a'}`,
    )
    return result
  })
  return { settings: { runs: config.runs }, rows }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1'
  const result = runImportCost({ runs: quick ? 3 : 9, log: (l) => console.log(l) })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}import-cost.json`, JSON.stringify(result, null, 2))
}
