/**
 * DPoP benchmark, side by side in one run (Fastify, the same access token throughout):
 *
 * - Bearer: `fastify/scopeguard` with an unbound token (the token cache serves it).
 * - Bearer + proof signature (control): the same server behind a hook that checks the ES256
 *   signature of a proof sent along, nothing else: a Bearer request plus one proof signature check,
 *   paid inside a server, with the DPoP request's size.
 * - DPoP, in-memory replay store: the token bound to the client key (`cnf.jkt`), a fresh proof per
 *   request (minted up front, each used once), so every request pays the proof's parse, signature
 *   check, `ath` hash and replay claim.
 * - DPoP, Redis replay store: the same, each claim one `SET NX PX` on a loopback redis-server.
 *
 * The target (issue 21): a DPoP request costs at most one proof signature check plus 15% over the
 * Bearer request: server CPU per DPoP request <= 1.15 x the control's (Bearer + one proof
 * signature check, both in a server). A signature check timed in a loop here is shown beside it:
 * it is the cheaper figure (a loop keeps OpenSSL's tables and the branch history hot, a server
 * between two checks does not), so the budget it gives is not what a server can pay. CPU is
 * measured with every server at one fixed request rate (below what the DPoP servers can answer);
 * throughput is measured apart, as fast as each server answers. Rounds are interleaved; medians
 * are reported.
 *
 * CLI: `node bench/dpop.mjs` (BENCH_QUICK=1 for a short run); writes bench/results/dpop.json.
 */
import { createHash, generateKeyPairSync, createPublicKey, verify, sign } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { calculateJwkThumbprint } from 'jose'
import { startJwksServer } from './lib/jwks-server.mjs'
import { startRedis } from './lib/redis-server.mjs'
import { pinLoadGenerator, startServer } from './lib/servers.mjs'
import { median, pct, rotate } from './lib/stats.mjs'
import {
  CLIENT_ID,
  ISSUER,
  SCOPE,
  cognitoClaims,
  generateKeys,
  jwksOf,
  signJws,
} from './lib/tokens.mjs'

// Each DPoP server must get fewer requests than there are proofs (a reused proof is a refused
// replay, which would measure Fastify's error path): about 6 s at up to 15,000 req/s.
export const DPOP_FULL = {
  durationSec: 1,
  warmupSec: 1,
  rounds: 5,
  throughputRounds: 2,
  rate: 5000,
  connections: 10,
  proofs: 100_000,
}
export const DPOP_QUICK = {
  durationSec: 1,
  warmupSec: 0.5,
  rounds: 3,
  throughputRounds: 1,
  rate: 4000,
  connections: 10,
  proofs: 50_000,
}

const ORIGIN = 'https://api.bench.example'
const BEARER = 'fastify/scopeguard'
const CONTROL = 'fastify/scopeguard + proof signature only (control)'
const MEMORY = 'fastify/scopeguard + DPoP'
const REDIS = 'fastify/scopeguard + DPoP (Redis store)'

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Median microseconds of one ES256 proof signature check, in this process. */
function signatureCheckUs(proof, publicKey) {
  const dot = proof.lastIndexOf('.')
  const data = Buffer.from(proof.slice(0, dot))
  const signature = Buffer.from(proof.slice(dot + 1), 'base64url')
  const key = { key: publicKey, dsaEncoding: /** @type {const} */ ('ieee-p1363') }
  const samples = []
  for (let batch = 0; batch < 21; batch++) {
    const start = performance.now()
    for (let i = 0; i < 500; i++) verify('sha256', data, key, signature)
    samples.push(((performance.now() - start) * 1000) / 500)
  }
  return median(samples)
}

/**
 * One autocannon run: `Bearer` or `DPoP` (per `scheme`), with the pool's next unused proof each
 * time when there is a pool; at `rate` requests per second when given, else as fast as the server
 * answers.
 */
async function load(url, scheme, token, pool, durationSec, connections, rate) {
  /** @type {Record<string, unknown>} */
  const options = { url, connections, duration: durationSec, pipelining: 1 }
  if (rate !== undefined) options.overallRate = rate
  // The Bearer request is built per request too: autocannon writes a request it builds
  // differently from a static one, and both sides must pay the same for that.
  const authorization = `${scheme} ${token}`
  const headers =
    pool === undefined
      ? () => ({ authorization })
      : () => ({ authorization, dpop: pool.proofs[pool.next++ % pool.proofs.length] })
  options.requests = [
    { method: 'GET', setupRequest: (request) => ({ ...request, headers: headers() }) },
  ]
  const result = await autocannon(/** @type {any} */ (options))
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / (result.duration || durationSec),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/**
 * Runs the DPoP benchmark.
 *
 * @param {{ durationSec: number, warmupSec: number, rounds: number, throughputRounds: number, rate: number, connections: number, proofs: number, log?: (line: string) => void }} config
 */
export async function runDpop(config) {
  const log = config.log ?? (() => undefined)
  const keys = generateKeys(['RS256'])
  const jwks = await startJwksServer(jwksOf(keys))
  const redis = await startRedis()
  const header = { kid: keys.RS256.kid, alg: 'RS256' }
  const bearerToken = signJws(keys.RS256, header, cognitoClaims(0))
  const settings = {
    jwksUrl: jwks.url,
    issuer: ISSUER,
    clientId: CLIENT_ID,
    scope: SCOPE,
    dpopOrigin: ORIGIN,
    redisUrl: redis.url,
  }
  const servers = []
  try {
    const first = await mintProofsFor(keys, header, config.proofs)
    const signatureUs = signatureCheckUs(first.proofs[0], first.publicKey)
    for (const app of [BEARER, CONTROL, MEMORY, REDIS]) {
      servers.push(await startServer(app, settings))
    }
    // Each DPoP server walks the pool on its own (each has its own replay store).
    const pools = {
      [CONTROL]: { proofs: first.proofs, next: 0 },
      [MEMORY]: { proofs: first.proofs, next: 0 },
      [REDIS]: { proofs: first.proofs, next: 0 },
    }
    const bearerApp = (app) => app === BEARER || app === CONTROL
    const schemeOf = (app) => (bearerApp(app) ? 'Bearer' : 'DPoP')
    const tokenOf = (app) => (bearerApp(app) ? bearerToken : first.token)
    for (const server of servers) {
      await load(
        server.url,
        schemeOf(server.app),
        tokenOf(server.app),
        pools[server.app],
        config.warmupSec,
        config.connections,
      )
    }
    /** @type {Record<string, { rps: number[], cpu: number[], non2xx: number }>} */
    const runs = Object.fromEntries(servers.map((s) => [s.app, { rps: [], cpu: [], non2xx: 0 }]))
    // CPU per request is measured at one fixed rate for all three servers: a Bearer server
    // answering five times as many requests per second as a DPoP one would get more responses
    // out per system call and per wake-up, a saving that has nothing to do with DPoP. Then each
    // server's throughput, as fast as it answers.
    const measure = async (server, rate) => {
      const before = await server.cpu()
      const result = await load(
        server.url,
        schemeOf(server.app),
        tokenOf(server.app),
        pools[server.app],
        config.durationSec,
        config.connections,
        rate,
      )
      const after = await server.cpu()
      runs[server.app].non2xx += result.non2xx + result.errors
      return { result, cpu: (after - before) / Math.max(1, result.requests) }
    }
    for (let round = 0; round < config.rounds; round++) {
      for (const server of rotate(servers, round)) {
        runs[server.app].cpu.push((await measure(server, config.rate)).cpu)
      }
    }
    for (let round = 0; round < config.throughputRounds; round++) {
      for (const server of rotate(servers, round)) {
        runs[server.app].rps.push((await measure(server, undefined)).result.reqPerSec)
      }
    }
    for (const [app, pool] of Object.entries(pools)) {
      if (pool.next > pool.proofs.length) log(`warning: ${app} reused proofs (pool too small)`)
    }
    const row = (app) => ({
      reqPerSec: median(runs[app].rps),
      reqPerSecMin: Math.min(...runs[app].rps),
      reqPerSecMax: Math.max(...runs[app].rps),
      cpuPerRequestUs: median(runs[app].cpu),
      non2xx: runs[app].non2xx,
    })
    const bearer = row(BEARER)
    const control = row(CONTROL)
    const memory = row(MEMORY)
    const onRedis = row(REDIS)
    const budgetUs = 1.15 * control.cpuPerRequestUs
    const result = {
      settings: { ...config, log: undefined },
      signatureUs,
      bearer,
      control,
      memory,
      redis: onRedis,
      budgetUs,
      memoryRatio: memory.cpuPerRequestUs / control.cpuPerRequestUs,
      // The same ratio with the signature timed in a loop here (shown, not judged).
      loopRatio: memory.cpuPerRequestUs / (bearer.cpuPerRequestUs + signatureUs),
      met: memory.cpuPerRequestUs <= budgetUs,
    }
    for (const [name, r] of [
      ['Bearer', bearer],
      ['Bearer + proof sig', control],
      ['DPoP (memory store)', memory],
      ['DPoP (Redis store)', onRedis],
    ]) {
      log(
        `${name.padEnd(22)} ${Math.round(r.reqPerSec)} req/s (${Math.round(r.reqPerSecMin)}-${Math.round(r.reqPerSecMax)})  cpu ${r.cpuPerRequestUs.toFixed(1)} us/req  non2xx ${r.non2xx}`,
      )
    }
    log(
      `DPoP budget (1.15 x Bearer + proof signature) ${budgetUs.toFixed(1)} us/req: ${result.met ? 'met' : 'missed'} (${pct(result.memoryRatio)}); one ES256 check in a loop here: ${signatureUs.toFixed(1)} us (${pct(result.loopRatio)} of Bearer + that)`,
    )
    return result
  } finally {
    for (const server of servers) await server.stop()
    await jwks.close()
    await redis.stop()
  }
}

/** The bound token and its proofs. */
async function mintProofsFor(keys, header, count) {
  // The thumbprint is needed in the token, the token's hash in each proof: mint in two steps.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
  const jkt = await calculateJwkThumbprint(jwk, 'sha256')
  const token = signJws(keys.RS256, header, { ...cognitoClaims(0), cnf: { jkt } })
  const headerSegment = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk })
  const ath = createHash('sha256').update(token).digest('base64url')
  const iat = Math.floor(Date.now() / 1000)
  const proofs = new Array(count)
  for (let i = 0; i < count; i++) {
    const input = `${headerSegment}.${b64({ jti: `p${i}-${iat}`, htm: 'GET', htu: `${ORIGIN}/photos`, iat, ath })}`
    const signature = sign('sha256', Buffer.from(input), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    })
    proofs[i] = `${input}.${signature.toString('base64url')}`
  }
  return { token, proofs, publicKey: createPublicKey(privateKey) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  pinLoadGenerator()
  const quick = process.env.BENCH_QUICK === '1'
  const result = await runDpop({ ...(quick ? DPOP_QUICK : DPOP_FULL), log: (l) => console.log(l) })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}dpop.json`, JSON.stringify(result, null, 2))
}
