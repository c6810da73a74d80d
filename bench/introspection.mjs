/**
 * Opaque tokens (RFC 7662 introspection), two measurements against a loopback introspection
 * endpoint in this process:
 *
 * - hit: `authenticate()` of one opaque token whose introspection result is cached, next to
 *   `authenticate()` of one RS256 JWT in the token cache, on one verifier, in interleaved rounds;
 *   each call gets a fresh copy of the header string (as from a real request). Reported: CPU ns
 *   per call of each and their difference (target: the opaque hit costs at most the JWT hit + 1 us).
 * - mix: requests per introspection call under a realistic mix, in simulated time (`Date.now`
 *   is driven by the run): clients whose popularity follows Zipf's law (s = 1), Poisson arrivals,
 *   each client's token living `tokenLifetimeSec` then replaced, a share of requests carrying
 *   revoked or made-up tokens (never cached), the default cache (`maxTtl` 60 s).
 *
 * CLI: `node bench/introspection.mjs` (BENCH_QUICK=1 for a short run); writes
 * bench/results/introspection.json.
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, URLSearchParams } from 'node:url'
import { loadCreateVerifier } from './lib/cores.mjs'
import { median } from './lib/stats.mjs'
import { CLIENT_ID, ISSUER, cognitoClaims, generateKeys, signJws } from './lib/tokens.mjs'

export const INTROSPECTION_FULL = {
  rounds: 7,
  minTimeMs: 300,
  mix: { clients: 2000, requestsPerSec: 500, minutes: 10, tokenLifetimeSec: 3600, bad: 0.01 },
}
export const INTROSPECTION_QUICK = {
  rounds: 3,
  minTimeMs: 150,
  mix: { clients: 1000, requestsPerSec: 200, minutes: 10, tokenLifetimeSec: 3600, bad: 0.01 },
}

/** A new string object with the same characters (no cached hash, not internalized). */
const copyOf = (text) => Buffer.from(text, 'latin1').toString('latin1')

/** A loopback introspection endpoint: `active` decides per token; counts its calls. */
async function startEndpoint(active) {
  const state = { calls: 0 }
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      state.calls++
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('token') ?? ''
      const nowSec = Math.floor(Date.now() / 1000)
      const body = active(token)
        ? { active: true, ...cognitoClaims(0, nowSec), exp: nowSec + 3600 }
        : { active: false }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const endpoint = `http://127.0.0.1:${server.address().port}/introspect`
  return { endpoint, state, close: () => new Promise((resolve) => server.close(resolve)) }
}

function makeVerifier(createVerifier, key, endpoint) {
  return createVerifier({
    issuer: ISSUER,
    jwksUri: null,
    jwks: { keys: [key.jwk] },
    clientId: CLIENT_ID,
    tokenUse: 'access',
    introspection: { endpoint, clientId: 'bench-rs', clientSecret: 'bench-secret' },
  })
}

const request = (token) => ({
  method: 'GET',
  url: '/photos',
  headers: { authorization: `Bearer ${token}` },
})

/**
 * CPU ns per authenticate() over fresh copies of one token's request, for at least minTimeMs.
 * CPU time of this process (user + system), not wall time: on a shared machine the wait for a
 * core would otherwise dominate a sub-microsecond difference.
 */
async function nsPerCall(verifier, token, minTimeMs) {
  const requests = Array.from({ length: 1000 }, () => request(copyOf(token)))
  let calls = 0
  const start = performance.now()
  const cpu = process.cpuUsage()
  do {
    for (let i = 0; i < requests.length; i++) await verifier.authenticate(requests[i])
    calls += requests.length
  } while (performance.now() - start < minTimeMs)
  const used = process.cpuUsage(cpu)
  return ((used.user + used.system) * 1e3) / calls
}

async function runHit(createVerifier, config, log) {
  const key = generateKeys(['RS256']).RS256
  const opaque = randomBytes(32).toString('base64url')
  const endpoint = await startEndpoint((token) => token === opaque)
  try {
    const verifier = makeVerifier(createVerifier, key, endpoint.endpoint)
    const jwt = signJws(key, { alg: 'RS256', kid: key.kid }, cognitoClaims(1))
    await verifier.authenticate(request(jwt))
    await verifier.authenticate(request(opaque))
    const jwtNs = []
    const opaqueNs = []
    for (let round = 0; round < config.rounds; round++) {
      const pair = [
        async () => jwtNs.push(await nsPerCall(verifier, jwt, config.minTimeMs)),
        async () => opaqueNs.push(await nsPerCall(verifier, opaque, config.minTimeMs)),
      ]
      if (round % 2 === 1) pair.reverse()
      for (const run of pair) await run()
    }
    const row = {
      jwtHitNs: median(jwtNs),
      opaqueHitNs: median(opaqueNs),
      differenceNs: median(opaqueNs.map((ns, i) => ns - jwtNs[i])),
      calls: endpoint.state.calls,
    }
    log(
      `cache hit: JWT ${row.jwtHitNs.toFixed(0)} ns, opaque ${row.opaqueHitNs.toFixed(0)} ns, difference ${row.differenceNs.toFixed(0)} ns (introspection calls: ${row.calls})`,
    )
    return row
  } finally {
    await endpoint.close()
  }
}

/** Zipf(s = 1) sampler over n items: index 0 is the busiest client. */
function zipf(n, random) {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const cumulative = []
  let sum = 0
  for (const w of weights) cumulative.push((sum += w / total))
  return () => {
    const x = random()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid] < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** A seeded generator (mulberry32), so every run sees the same traffic. */
function seeded(seed) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function runMix(createVerifier, mix, log) {
  const live = new Set()
  const endpoint = await startEndpoint((token) => live.has(token))
  const realNow = Date.now
  let now = realNow()
  Date.now = () => now
  try {
    const verifier = makeVerifier(createVerifier, generateKeys(['RS256']).RS256, endpoint.endpoint)
    const random = seeded(42)
    const pick = zipf(mix.clients, random)
    // Each client's token, and when the client replaces it; tokens start at random ages.
    const tokens = Array.from({ length: mix.clients }, () => {
      const token = randomBytes(24).toString('base64url')
      live.add(token)
      return { token, renewAt: now + random() * mix.tokenLifetimeSec * 1000 }
    })
    const total = Math.round(mix.requestsPerSec * mix.minutes * 60)
    let refused = 0
    for (let i = 0; i < total; i++) {
      now += (-Math.log(1 - random()) / mix.requestsPerSec) * 1000
      let token
      if (random() < mix.bad) {
        token = randomBytes(24).toString('base64url')
      } else {
        const client = tokens[pick()]
        if (now >= client.renewAt) {
          live.delete(client.token)
          client.token = randomBytes(24).toString('base64url')
          live.add(client.token)
          client.renewAt = now + mix.tokenLifetimeSec * 1000
        }
        token = client.token
      }
      try {
        await verifier.authenticate(request(copyOf(token)))
      } catch {
        refused++
      }
    }
    const row = {
      ...mix,
      requests: total,
      calls: endpoint.state.calls,
      requestsPerCall: total / endpoint.state.calls,
      refused,
    }
    log(
      `mix: ${total} requests from ${mix.clients} clients (Zipf), ${mix.bad * 100}% bad tokens, over ${mix.minutes} simulated minutes at ${mix.requestsPerSec} req/s: ${row.calls} introspection calls, ${row.requestsPerCall.toFixed(1)} requests per call`,
    )
    return row
  } finally {
    Date.now = realNow
    await endpoint.close()
  }
}

/**
 * Runs both measurements.
 *
 * @param {{ rounds: number, minTimeMs: number, mix: { clients: number, requestsPerSec: number,
 *   minutes: number, tokenLifetimeSec: number, bad: number },
 *   createVerifier?: typeof import('@scopeguard/core').createVerifier,
 *   log?: (line: string) => void }} config
 */
export async function runIntrospection(config) {
  const log = config.log ?? (() => undefined)
  const createVerifier = config.createVerifier ?? (await loadCreateVerifier('node'))
  const hit = await runHit(createVerifier, config, log)
  const mix = await runMix(createVerifier, config.mix, log)
  return { settings: { rounds: config.rounds, minTimeMs: config.minTimeMs }, hit, mix }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1'
  const result = await runIntrospection({
    ...(quick ? INTROSPECTION_QUICK : INTROSPECTION_FULL),
    log: (l) => console.log(l),
  })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}introspection.json`, JSON.stringify(result, null, 2))
}
