/**
 * Profiles one benchmark server under load: forks it with `--cpu-prof`, drives it with autocannon
 * for a few seconds (same token, or distinct tokens), stops it, and prints the heaviest functions
 * by self time and the share of time per package. The .cpuprofile is kept in bench/results/
 * (open it in Chrome DevTools).
 *
 * Usage: `node bench/profile.mjs fastify/scopeguard [same|distinct] [seconds]`, or
 * `node bench/profile.mjs verify [distinct|repeated] [seconds]` to profile `verifier.verify` alone
 * (RS256, keys cached).
 */
import { Buffer } from 'node:buffer'
import { fork } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { startJwksServer } from './lib/jwks-server.mjs'
import { SERVER_V8_FLAGS } from './lib/servers.mjs'
import {
  CLIENT_ID,
  ISSUER,
  SCOPE,
  generateKeys,
  jwksOf,
  mintFillers,
  mintTokens,
} from './lib/tokens.mjs'

const [target = 'fastify/scopeguard', mode = 'same', secondsArg = '5'] = process.argv.slice(2)
const seconds = Number(secondsArg)
const outDir = fileURLToPath(new URL('./results/profiles/', import.meta.url))

/** Sums self time per function and per package of a .cpuprofile: printable text. */
export function summarize(profile, top = 25) {
  const { byFunction, byPackage } = selfTimes(profile, top)
  const fmt = (entries) =>
    entries.map(([name, share]) => `${(share * 100).toFixed(1).padStart(5)}%  ${name}`)
  return [
    'self time by function:',
    ...fmt(byFunction),
    '',
    'self time by package:',
    ...fmt(byPackage),
  ].join('\n')
}

/**
 * Self time shares (0..1) of the heaviest functions and packages of a .cpuprofile.
 *
 * @returns {{ byFunction: [string, number][], byPackage: [string, number][] }}
 */
export function selfTimes(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const dt = profile.timeDeltas
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0))
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const byFunction = new Map()
  const byPackage = new Map()
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id)
    const url = callFrame.url.replace('file://', '')
    const where = url.includes(`node_modules${sep}`)
      ? url
          .slice(url.lastIndexOf(`node_modules${sep}`) + 13)
          .split(sep)
          .slice(0, url.includes('@') ? 2 : 1)
          .join('/')
      : url.includes(`${sep}packages${sep}`)
        ? `@scopeguard/${url.split(`${sep}packages${sep}`)[1].split(sep)[0]}`
        : url === ''
          ? `(${callFrame.functionName || 'native'})`
          : url.startsWith('node:')
            ? 'node internals'
            : url
    const fn = `${callFrame.functionName || '(anonymous)'} ${url.split(sep).slice(-1)[0]}:${callFrame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros)
    byPackage.set(where, (byPackage.get(where) ?? 0) + micros)
  }
  const rank = (entries) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => /** @type {[string, number]} */ ([name, micros / total]))
  return { byFunction: rank(byFunction), byPackage: rank(byPackage) }
}

async function profileServer() {
  const keys = generateKeys(['RS256'])
  const jwks = await startJwksServer(jwksOf(keys))
  const tokens = mintTokens(keys.RS256, mode === 'same' ? 1 : 5000)
  const settings = { jwksUrl: jwks.url, issuer: ISSUER, clientId: CLIENT_ID, scope: SCOPE }
  const child = fork(fileURLToPath(new URL('./http/server.mjs', import.meta.url)), [], {
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${outDir}`, ...SERVER_V8_FLAGS],
    env: { ...process.env, BENCH_APP: target, BENCH_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => (m.port ? resolve(m.port) : reject(new Error(m.error))))
  })
  let next = 0
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/photos`,
    connections: 10,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const token = tokens[next]
          next = (next + 1) % tokens.length
          return { ...request, headers: { authorization: `Bearer ${token}` } }
        },
      },
    ],
  })
  console.log(
    `${target} ${mode}: ${Math.round(result.requests.average)} req/s, non2xx ${result.non2xx}`,
  )
  await new Promise((resolve) => {
    child.once('exit', resolve)
    child.send('close')
  })
  await jwks.close()
}

/**
 * Profiles the core in this process: `verify()` over distinct RS256 tokens (`distinct`), or
 * `authenticate()` of one token in fresh header strings (`repeated`, the token-cache path).
 *
 * @param {{ mode: string, seconds: number }} options
 */
export async function profileCore({ mode, seconds }) {
  const { Session } = await import('node:inspector/promises')
  const { createVerifier } = await import('@scopeguard/core')
  const keys = generateKeys(['RS256'])
  const verifier = createVerifier({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    tokenUse: 'access',
    jwks: jwksOf(keys),
  })
  /** @type {() => Promise<unknown>[] | Promise<void>} */
  let pass
  let perPass
  if (mode === 'repeated') {
    const [token] = mintTokens(keys.RS256, 1)
    const requests = Array.from({ length: 2000 }, () => ({
      method: 'GET',
      url: '/photos',
      headers: {
        host: ['127.0.0.1'],
        accept: ['*/*'],
        authorization: [Buffer.from(`Bearer ${token}`).toString()],
      },
    }))
    perPass = requests.length
    pass = async () => {
      for (const request of requests) await verifier.authenticate(request)
    }
  } else {
    const tokens = mintTokens(keys.RS256, 2000)
    // A full cache first (see mintFillers): the pool is then never admitted, never hit.
    for (const filler of mintFillers(keys.RS256)) await verifier.verify(filler)
    perPass = tokens.length
    pass = async () => {
      for (const token of tokens) await verifier.verify(token)
    }
  }
  await pass()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  const end = Date.now() + seconds * 1000
  let ops = 0
  while (Date.now() < end) {
    await pass()
    ops += perPass
  }
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  return { opsPerSec: ops / seconds, profile }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(outDir, { recursive: true })
  for (const f of readdirSync(outDir)) if (f.endsWith('.cpuprofile')) rmSync(join(outDir, f))
  let profile
  if (target === 'verify') {
    const result = await profileCore({ mode, seconds })
    console.log(`verify ${mode}: ${Math.round(result.opsPerSec)} ops/s (under the profiler)`)
    profile = result.profile
  } else {
    await profileServer()
    const file = readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error('no profile written')
    profile = JSON.parse(readFileSync(join(outDir, file), 'utf8'))
  }
  console.log(summarize(profile))
}
