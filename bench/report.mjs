/**
 * Turns the results of one `npm run bench` into BENCHMARKS.md (repo root) and bench/chart.svg.
 * Every figure is a ratio measured side by side in the same run; absolute numbers only describe
 * the machine they were measured on.
 */
import { pct, int, mb } from './lib/stats.mjs'

const PEERS = [
  'jose 6 jwtVerify',
  'aws-jwt-verify verifySync',
  'fast-jwt',
  'jsonwebtoken (KeyObject)',
]

/** @typedef {{ ok: boolean, target: string, measured: string }} Verdict */

const find = (rows, where) => rows.find((r) => Object.entries(where).every(([k, v]) => r[k] === v))

/**
 * Evaluates every target of the performance issue against the results.
 *
 * @returns {Verdict[]}
 */
export function verdicts(results) {
  const { micro, http, importCost, coldStart, memory } = results
  /** @type {Verdict[]} */
  const out = []
  const ours = (alg, mode) => find(micro.rows, { alg, mode, contender: 'scopeguard (node)' })

  const rs = ours('RS256', 'distinct')
  out.push({
    ok: rs !== undefined && rs.ratio >= 0.8,
    target:
      'Verify, distinct RS256 tokens, keys cached: >= 80% of the synchronous crypto floor (node backend)',
    measured: rs ? `${pct(rs.ratio)} of the floor` : 'not measured',
  })
  for (const alg of micro.settings.algs) {
    const mine = ours(alg, 'distinct')
    const peers = micro.rows.filter(
      (r) => r.alg === alg && r.mode === 'distinct' && PEERS.includes(r.contender),
    )
    const best = peers.reduce((a, b) => (b.ratio > a.ratio ? b : a), peers[0])
    out.push({
      ok: mine !== undefined && best !== undefined && mine.ratio > best.ratio,
      target: `Verify, distinct ${alg} tokens: ahead of every peer`,
      measured:
        mine && best
          ? `scopeguard ${pct(mine.ratio)} vs best peer ${best.contender} ${pct(best.ratio)} of the floor`
          : 'not measured',
    })
  }
  for (const alg of micro.settings.algs) {
    const mine = ours(alg, 'repeated')
    out.push({
      ok: mine !== undefined && mine.ratio >= 10,
      target: `Verify, repeated ${alg} token (token cache): >= 10x the crypto floor`,
      measured: mine ? `${mine.ratio.toFixed(1)}x the floor` : 'not measured',
    })
  }
  for (const framework of ['express', 'koa', 'fastify', 'nestjs']) {
    const row = find(http.rows, { framework, mode: 'same', contender: 'scopeguard' })
    out.push({
      ok: row !== undefined && row.ratio >= 0.85,
      target: `HTTP, same token, ${framework === 'nestjs' ? 'NestJS' : framework} + scopeguard: >= 85% of bare req/s`,
      measured: row ? `${pct(row.ratio)} of bare` : 'not measured',
    })
  }
  const fastifyDistinct = find(http.rows, {
    framework: 'fastify',
    mode: 'distinct',
    contender: 'scopeguard',
  })
  const signatureOnly = find(http.rows, {
    framework: 'fastify',
    mode: 'distinct',
    contender: 'signature only (control)',
  })
  out.push({
    ok: fastifyDistinct !== undefined && fastifyDistinct.ratio >= 0.5,
    target: 'HTTP, distinct tokens, Fastify + scopeguard: >= 50% of bare req/s',
    measured: fastifyDistinct
      ? `${pct(fastifyDistinct.ratio)} of bare${signatureOnly ? `; a hook doing nothing but the RS256 signature check (the ceiling of any verifier) reaches ${pct(signatureOnly.ratio)}` : ''}`
      : 'not measured',
  })
  const bound = memory.scopeguard.maxCacheSize <= memory.scopeguard.maxEntries
  out.push({
    ok:
      memory.pinned.scopeguard.rssGrowth < 30 * 1024 * 1024 &&
      bound &&
      memory.pinned.scopeguard.maxCacheSize <= memory.pinned.scopeguard.maxEntries,
    target: `Memory, ${int(memory.scopeguard.tokens)} distinct EdDSA tokens, token cache on: RSS after GC grows < 30 MB, cache within its bound`,
    measured: `RSS +${mb(memory.pinned.scopeguard.rssGrowth)} with the young generation pinned (control +${mb(memory.pinned.control.rssGrowth)}); with V8's default sizing +${mb(memory.scopeguard.rssGrowth)}, of which the control without a verifier grows +${mb(memory.control.rssGrowth)}; cache max ${memory.scopeguard.maxCacheSize} / ${memory.scopeguard.maxEntries}`,
  })
  for (const row of importCost.rows) {
    if (row.peer === '' || row.group === 'core') continue
    out.push({
      ok: row.oursMs <= row.peerMs && row.oursBytes <= row.peerBytes,
      target: `Import cost, ${row.ours} no heavier than ${row.peer}`,
      measured: `${row.oursMs.toFixed(1)} ms / ${kb(row.oursBytes)} vs ${row.peerMs.toFixed(1)} ms / ${kb(row.peerBytes)}`,
    })
  }
  const { fleet } = results
  if (fleet !== undefined) {
    const r = fleet.revocation
    out.push({
      ok: r.ratio >= 0.95 && r.non2xx === 0,
      target:
        'HTTP, same token, Fastify + scopeguard, revocation on (10,000 entries): >= 95% of revocation off',
      measured: `${pct(r.ratio)} (${pct(r.ratioMin)}-${pct(r.ratioMax)}), ${int(r.on)} vs ${int(r.off)} req/s`,
    })
  }
  if (results.dpop !== undefined) {
    const d = results.dpop
    out.push({
      ok: d.met && d.memory.non2xx === 0,
      target:
        'HTTP, same token, Fastify: a DPoP request (in-memory replay store) costs <= 1.15 x (the Bearer request + one ES256 proof signature check), server CPU per request',
      measured: `${d.memory.cpuPerRequestUs.toFixed(1)} µs vs budget ${d.budgetUs.toFixed(1)} µs (Bearer ${d.bearer.cpuPerRequestUs.toFixed(1)} µs + signature ${d.signatureUs.toFixed(1)} µs): ${pct(d.memoryRatio)}`,
    })
  }
  if (results.events !== undefined) out.push(...eventsVerdicts(results.events))
  const { introspection } = results
  if (introspection !== undefined) {
    const { hit } = introspection
    out.push({
      ok: hit.differenceNs <= 1000,
      target: 'Opaque token, introspection cache hit: at most the JWT token-cache hit + 1 us',
      measured: `${ns(hit.opaqueHitNs)} vs ${ns(hit.jwtHitNs)} CPU per call, difference ${ns(hit.differenceNs)} (median of rounds)`,
    })
  }
  const cold = coldStart.rows.filter((r) => r.scopeguard)
  out.push({
    ok: cold.length > 0 && cold.every((r) => r.fetches === 1 && r.failed === 0),
    target: `Cold start, ${coldStart.settings.concurrency} concurrent first requests: exactly one key fetch, none failed`,
    measured: cold.map((r) => `${r.target}: ${r.fetches} fetch, ${r.failed} failed`).join('; '),
  })
  return out
}

/** The "DPoP" section of BENCHMARKS.md. */
export function dpopSection(d) {
  const row = (name, r) => [
    name,
    `${r.cpuPerRequestUs.toFixed(1)} µs`,
    `${int(r.reqPerSec)} (${int(r.reqPerSecMin)}-${int(r.reqPerSecMax)})`,
    String(r.non2xx),
  ]
  return [
    '## DPoP (sender-constrained tokens)',
    '',
    `Fastify + scopeguard, one access token throughout, each server in its own process, autocannon with ${d.settings.connections} connections, ${d.settings.rounds} rounds of ${d.settings.durationSec} s interleaved; server CPU is the server process's user + system time per request (median of rounds). The DPoP rows send the token bound to the client's key with a fresh ES256 proof per request (minted before the run, each used once), so every request pays the proof's parse, signature check, \`ath\` hash and replay claim; the token's own verification is served by the token cache in every row. The Redis row claims each proof with one \`SET NX PX\` on a loopback redis-server.`,
    '',
    table(
      ['server', 'CPU per request', 'req/s (range)', 'non-2xx'],
      [
        row('Bearer (unbound token)', d.bearer),
        row('DPoP, in-memory replay store', d.memory),
        row('DPoP, Redis replay store', d.redis),
      ],
    ),
    '',
    `One ES256 proof signature check, timed in the bench process: ${d.signatureUs.toFixed(1)} µs. Target: a DPoP request costs at most 1.15 x (Bearer + one signature check) = ${d.budgetUs.toFixed(1)} µs; measured ${d.memory.cpuPerRequestUs.toFixed(1)} µs (${pct(d.memoryRatio)} of Bearer + signature): **${d.met ? 'met' : 'missed'}**.`,
    '',
  ]
}

/** The events targets: no cost without a listener, under 5% on the HTTP path with OpenTelemetry. */
function eventsVerdicts(events) {
  const out = []
  for (const mode of ['repeated', 'distinct']) {
    const row = find(events.micro, { mode, contender: 'no listener' })
    out.push({
      ok: row !== undefined && row.ratio >= 0.99,
      target: `Verify, ${mode === 'repeated' ? 'repeated RS256 token (token cache)' : 'distinct RS256 tokens'}, no event listener: >= 99% of the same build with events compiled out`,
      measured: row
        ? `${pct2(row.ratio)} (rounds ${pct2(row.ratioMin)}-${pct2(row.ratioMax)})`
        : 'not measured',
    })
  }
  const otel = events.http?.find((row) => row.contender === 'scopeguard + OpenTelemetry')
  out.push({
    // Judged on both: throughput, and the server CPU per request (less exposed to scheduling).
    ok: otel !== undefined && otel.ratio >= 0.95 && otel.cpuRatio >= 0.95,
    target:
      'HTTP, same token, Express + scopeguard with @scopeguard/opentelemetry: < 5% fewer req/s than without',
    measured: otel
      ? `${pct(otel.ratio)} of the req/s (rounds ${pct(otel.ratioMin)}-${pct(otel.ratioMax)}); ${pct(otel.cpuRatio)} by server CPU per request`
      : 'not measured',
  })
  return out
}

/** `0.9934` -> `99.3%`: the events ratios are judged to a tenth of a percent. */
const pct2 = (ratio) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : 'n/a')

/**
 * The "Events and OpenTelemetry" section of BENCHMARKS.md (also printed by `node bench/events.mjs`).
 *
 * @returns {string[]} markdown lines
 */
export function eventsSection(events) {
  const s = ['## Events and OpenTelemetry', '']
  s.push(
    `What the core's events cost. Verify: one verifier per row, all in one process, ${events.settings.rounds} rounds interleaved in a rotated order (each at least ${events.settings.minTimeMs} ms of this process's CPU time, not wall-clock time, of \`await verify()\` over ${events.settings.tokens} tokens; ops/s are per CPU-second); each ratio is the median of the per-round ratios, with their range. ` +
      `"No listener" is judged against the same build with its ${events.checksCompiledOut} event checks compiled out (\`events.active\` replaced by \`false\`); each verifier runs in a private copy of the built \`dist/\` (a module instance of its own, as in an app with one verifier: V8 shares type feedback between the verifiers of one module instance), so the difference is exactly what an app that never subscribes pays; the other rows are against "no listener", the A/A control being the same verifier from another copy (its distance from 100% shows the noise of the run). ` +
      'The OpenTelemetry rows use an SDK `MeterProvider` read by the Prometheus exporter (not scraped during the run), with no tracing SDK (so no active span).',
    '',
  )
  const rows = events.micro.map((r) => [
    r.mode === 'repeated' ? 'one token (token cache)' : 'distinct tokens',
    r.contender === 'no listener' ? `**${r.contender}**` : r.contender,
    int(r.opsPerSec),
    r.ratio === undefined ? 'reference' : `${pct2(r.ratio)} of ${r.versus}`,
    r.ratio === undefined ? '' : `${pct2(r.ratioMin)}-${pct2(r.ratioMax)}`,
  ])
  s.push(table(['tokens', 'verifier', 'ops/s', 'ratio', 'rounds range'], rows), '')
  if (events.http !== undefined) {
    const h = events.http[0]
    s.push(
      `HTTP, same token: Express + scopeguard with \`instrumentVerifier\` (the same SDK setup) against the same server without it, and that server again as an A/A control, each in its own process, autocannon with ${events.settings.http.connections} connections, ${events.settings.http.rounds} rounds of ${events.settings.http.durationSec} s interleaved; server CPU is the server process's user + system time per request.`,
      '',
    )
    s.push(
      table(
        [
          'server',
          'req/s',
          'vs without',
          'server CPU / request',
          'vs without (CPU)',
          'p50 latency',
          'non-2xx / errors',
        ],
        events.http.map((r) => [
          r.app === h.app ? `${r.app} (reference)` : r.app.includes('A/A') ? r.app : `**${r.app}**`,
          int(r.reqPerSec),
          r.app === h.app ? '' : `${pct(r.ratio)} (${pct(r.ratioMin)}-${pct(r.ratioMax)})`,
          `${r.cpuPerRequestUs.toFixed(1)} µs`,
          r.app === h.app ? '' : pct(r.cpuRatio),
          `${r.latencyP50} ms`,
          `${r.non2xx} / ${r.errors}`,
        ]),
      ),
      '',
    )
  }
  s.push(
    table(
      ['', 'target', 'measured'],
      eventsVerdicts(events).map((v) => [v.ok ? 'met' : '**missed**', v.target, v.measured]),
    ),
    '',
  )
  return s
}

const kb = (bytes) => `${Math.round(bytes / 1024)} kB`
const ns = (value) => `${Math.round(value)} ns`

/** A markdown table. */
function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

const esc = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * The SVG chart: three panels of horizontal bars (verify distinct RS256 vs the crypto floor; HTTP
 * same token and distinct tokens vs the bare framework), with each target drawn as a line.
 */
export function chartSvg(results) {
  const { micro, http } = results
  const panels = [
    {
      title: 'Verify, distinct RS256 tokens, keys cached: % of the node:crypto floor',
      target: 0.8,
      bars: micro.rows
        .filter((r) => r.alg === 'RS256' && r.mode === 'distinct' && r.contender !== 'crypto floor')
        .map((r) => ({
          label: r.contender,
          value: r.ratio,
          ours: r.contender.startsWith('scopeguard'),
        })),
    },
    {
      title: 'HTTP, same token: % of the bare framework (req/s)',
      target: 0.85,
      bars: http.rows
        .filter((r) => r.mode === 'same' && r.contender !== 'bare')
        .map((r) => ({
          label: `${r.framework} + ${r.contender}`,
          value: r.ratio,
          ours: r.contender === 'scopeguard',
        })),
    },
    {
      title: 'HTTP, distinct tokens: % of the bare framework (req/s)',
      target: 0.5,
      bars: http.rows
        .filter((r) => r.mode === 'distinct' && r.contender !== 'bare')
        .map((r) => ({
          label: `${r.framework} + ${r.contender}`,
          value: r.ratio,
          ours: r.contender === 'scopeguard',
        })),
    },
  ]
  if (results.dpop !== undefined) {
    const d = results.dpop
    const budget = d.bearer.cpuPerRequestUs + d.signatureUs
    panels.push({
      title:
        'DPoP, Fastify, same token: server CPU per request, % of (Bearer + one proof signature check)',
      target: 1.15,
      bars: [
        {
          label: 'Bearer (unbound token)',
          value: d.bearer.cpuPerRequestUs / budget,
          control: true,
        },
        {
          label: 'DPoP, in-memory replay store',
          value: d.memory.cpuPerRequestUs / budget,
          ours: true,
        },
        { label: 'DPoP, Redis replay store', value: d.redis.cpuPerRequestUs / budget, ours: true },
      ],
    })
  }
  const width = 860
  const labelWidth = 300
  const barArea = width - labelWidth - 70
  const barHeight = 18
  const gap = 6
  const max = 1.2
  const x = (v) => labelWidth + (Math.min(v, max) / max) * barArea
  const parts = []
  let y = 10
  for (const panel of panels) {
    parts.push(
      `<text x="10" y="${y + 16}" font-size="15" font-weight="bold">${esc(panel.title)}</text>`,
    )
    y += 28
    const top = y
    for (const bar of panel.bars) {
      const w = Math.max(1, x(bar.value) - labelWidth)
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 13}" font-size="12" text-anchor="end">${esc(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${bar.ours ? '#2b6cb0' : bar.control ? '#edf2f7' : '#a0aec0'}" stroke="${bar.control ? '#a0aec0' : 'none'}"/>`,
        `<text x="${(labelWidth + w + 5).toFixed(1)}" y="${y + 13}" font-size="12">${esc(pct(bar.value))}${bar.value > max ? ' (clipped)' : ''}</text>`,
      )
      y += barHeight + gap
    }
    const tx = x(panel.target).toFixed(1)
    parts.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${y}" stroke="#c53030" stroke-dasharray="4 3"/>`,
      `<text x="${tx}" y="${y + 12}" font-size="11" fill="#c53030" text-anchor="middle">target ${pct(panel.target)}</text>`,
      `<line x1="${x(1).toFixed(1)}" y1="${top - 4}" x2="${x(1).toFixed(1)}" y2="${y}" stroke="#4a5568" stroke-width="0.6"/>`,
    )
    y += 30
  }
  parts.push(
    `<rect x="10" y="${y}" width="12" height="12" fill="#2b6cb0"/><text x="28" y="${y + 11}" font-size="12">scopeguard</text>`,
    `<rect x="120" y="${y}" width="12" height="12" fill="#a0aec0"/><text x="138" y="${y + 11}" font-size="12">peers</text>`,
    `<text x="200" y="${y + 11}" font-size="12" fill="#4a5568">ratios measured side by side in one run (${esc(results.env.cpuModel)}, ${results.env.cpus} cores, Node ${esc(results.env.node)})</text>`,
  )
  y += 24
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${y}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}

/** BENCHMARKS.md. */
export function markdown(results) {
  const { micro, http, importCost, coldStart, memory, env, profiles } = results
  const v = verdicts(results)
  const met = v.filter((x) => x.ok).length
  const s = []
  s.push('# Benchmarks', '')
  s.push(
    `Generated by \`npm run bench\` on ${env.date} at commit \`${env.commit}\`${results.quick ? ' (BENCH_QUICK=1: short run)' : ''}, in ${Math.round(results.seconds)} s. ` +
      'Every figure that matters is a ratio measured side by side in that one run (to the node:crypto floor, or to the bare framework); ' +
      'absolute ops/s and req/s only describe this machine, which is shared and noisy. Regenerate with `npm run bench` ' +
      '(`BENCH_QUICK=1 npm run bench` for a fast, rougher run); `npm run bench:memory` runs the memory check alone.',
    '',
  )
  s.push('![scopeguard vs its peers: verify and HTTP ratios](bench/chart.svg)', '')
  s.push('## Machine', '')
  s.push(
    table(
      ['', ''],
      [
        ['CPU', `${env.cpuModel} x ${env.cpus}`],
        ['Memory', `${Math.round(env.totalMemGb)} GB`],
        ['OS', `${env.os}`],
        ['Node.js', env.node],
        ['OpenSSL', env.openssl],
      ],
    ),
    '',
  )
  s.push(`## Targets: ${met} of ${v.length} met`, '')
  s.push(
    table(
      ['', 'target', 'measured'],
      v.map((x) => [x.ok ? 'met' : '**missed**', x.target, x.measured]),
    ),
    '',
  )
  s.push(
    "The token cache's behaviour (bounded, never past `exp` or before `nbf`, keyed by the whole token, dropped when the signing key leaves the key set, scopes re-checked per route, `tokenCache: false`) is covered by the core's test suite; here only its speed and its bound under load are measured.",
    '',
  )

  s.push('## Verify micro-benchmarks', '')
  s.push(
    `${int(micro.settings.tokens)} distinct Cognito-shaped access tokens per algorithm (keys known up front, issuer, \`client_id\` and \`token_use\` checked by every contender), ` +
      `${micro.settings.rounds} interleaved rounds of at least ${micro.settings.minTimeMs} ms per contender; median ops/s, and the median of the per-round ratios to the floor. ` +
      "The **crypto floor** is one synchronous `crypto.verify` over the pre-decoded signing input and signature (RS256: `sha256` PKCS#1 v1.5; ES256: `dsaEncoding: 'ieee-p1363'`; EdDSA: `crypto.verify(null, ...)`): no parsing, no claims. " +
      "*Distinct* cycles the token pool, which is larger than scopeguard's token cache (1000 entries, least recently used first out), so that cache never hits; " +
      '*repeated* verifies one token again and again, each call with its own copy of the string (as each request brings a fresh header string). ' +
      'Before measuring, each contender verified every token (`verified`) and refused a token with a flipped signature character and one with a widened scope (`refused`).',
    '',
  )
  for (const mode of ['distinct', 'repeated']) {
    s.push(`### ${mode === 'distinct' ? 'Distinct tokens' : 'Repeated token'}`, '')
    const contenders = [
      ...new Set(micro.rows.filter((r) => r.mode === mode).map((r) => r.contender)),
    ]
    const header = [
      'contender',
      ...micro.settings.algs.flatMap((a) => [`${a} ops/s`, `${a} vs floor`]),
      'verified / refused',
    ]
    const rows = contenders.map((c) => {
      const cells = [c.startsWith('scopeguard') ? `**${c}**` : c]
      const checks = []
      for (const alg of micro.settings.algs) {
        const r = find(micro.rows, { alg, mode, contender: c })
        cells.push(
          r ? int(r.opsPerSec) : 'n/a',
          r ? (c.startsWith('scopeguard') ? `**${pct(r.ratio)}**` : pct(r.ratio)) : 'n/a',
        )
        if (r) checks.push(`${r.verified}/${r.total}, ${r.refused}/${r.bad}`)
      }
      cells.push([...new Set(checks)].join('; '))
      return cells
    })
    s.push(table(header, rows), '')
  }
  s.push(
    'jsonwebtoken 9 has no EdDSA. aws-jwt-verify runs its `CognitoJwtVerifier` for RS256 (Cognito signs with RS256 only) and its generic `JwtVerifier` with the same checks for ES256 and EdDSA. ' +
      "`scopeguard (webcrypto)` is the core's Web Crypto backend (the one edge runtimes get), run under Node from a copy of `packages/core/dist` whose `#crypto-backend` import points at it. " +
      "`authenticate()` is the adapters' path: the token read from request headers, then verified.",
    '',
  )

  if (results.introspection !== undefined) {
    const { hit, mix } = results.introspection
    s.push('## Opaque tokens (introspection)', '')
    s.push(
      '`authenticate()` of an opaque token whose RFC 7662 result is cached next to a JWT in the token cache, ' +
        'one verifier, interleaved rounds, CPU time per call (medians); then requests per introspection call ' +
        `under a simulated mix: ${mix.clients} clients with Zipf popularity, Poisson arrivals at ${mix.requestsPerSec} req/s ` +
        `for ${mix.minutes} minutes, tokens replaced every ${mix.tokenLifetimeSec} s, ${mix.bad * 100}% revoked or made-up tokens, ` +
        'the default cache (`maxTtl` 60 s).',
      '',
    )
    s.push(
      table(
        ['measure', 'value'],
        [
          ['JWT token-cache hit', ns(hit.jwtHitNs)],
          ['opaque introspection-cache hit', ns(hit.opaqueHitNs)],
          ['difference (median of rounds)', ns(hit.differenceNs)],
          ['requests', String(mix.requests)],
          ['introspection calls', String(mix.calls)],
          ['requests per introspection call', mix.requestsPerCall.toFixed(1)],
        ],
      ),
      '',
    )
  }
  s.push('## HTTP', '')
  s.push(
    `autocannon on loopback, ${http.settings.connections} connections, ${http.settings.rounds} interleaved rounds of ${http.settings.durationSec} s per server after a ${http.settings.warmupSec} s warm-up. ` +
      "In each round a framework's servers (bare included) run back to back in a rotated order; *vs bare* is the median of the per-round ratios (range in brackets), req/s the median of the rounds; " +
      'each server in its own child process (the load generator never shares its event loop). One route, `GET /photos`, answering a small JSON body; ' +
      'with auth it requires `photos.read`. Keys come from one loopback key server in the bench process. *Same* sends one RS256 token on every request; ' +
      `*distinct* cycles ${int(http.settings.pool)} tokens (more than the token cache holds). Bare servers get the same headers. ` +
      'Before measuring, each auth server answered 200 to the token and 401 to a tampered token, a forged payload and no token; `non-2xx` counts any other answer during measurement. ' +
      "*Server CPU / request* is the server process's own CPU time (user + system) over the requests it answered in a round (median of the rounds); *vs bare (CPU)* is bare's CPU per request over this server's (median of the per-round ratios): the req/s ratio the two would show if each had a core to itself, a second view of the same cost that does not depend on how the load generator is scheduled. Both swing from round to round on this shared 2-core machine (see the ranges); the targets are judged on req/s, as set. " +
      '*(control)* rows are yardsticks, not products: a hook or guard that checks nothing (what any auth hook costs the framework), and on Fastify a hook that does nothing but the RS256 signature check with a cached key (no claims, no cache): with distinct tokens, the most any verifier could reach here.',
    '',
  )
  for (const framework of [...new Set(http.rows.map((r) => r.framework))]) {
    s.push(
      `### ${framework === 'nestjs' ? 'NestJS (platform-express)' : framework[0].toUpperCase() + framework.slice(1)}`,
      '',
    )
    const rows = http.rows
      .filter((r) => r.framework === framework)
      .map((r) => [
        r.mode,
        r.contender === 'scopeguard' ? '**scopeguard**' : r.contender,
        int(r.reqPerSec),
        `${r.contender === 'scopeguard' ? `**${pct(r.ratio)}**` : pct(r.ratio)}${r.ratioMin === undefined || r.contender === 'bare' ? '' : ` (${pct(r.ratioMin)}-${pct(r.ratioMax)})`}`,
        r.cpuPerRequestUs === undefined ? 'n/a' : `${r.cpuPerRequestUs.toFixed(1)} µs`,
        r.cpuRatio === undefined ? 'n/a' : pct(r.cpuRatio),
        `${r.latencyP50} ms`,
        String(r.non2xx + r.errors),
      ])
    s.push(
      table(
        [
          'tokens',
          'server',
          'req/s',
          'vs bare',
          'server CPU / request',
          'vs bare (CPU)',
          'p50 latency',
          'non-2xx / errors',
        ],
        rows,
      ),
      '',
    )
  }
  s.push(
    "Peers as configured: express-oauth2-jwt-bearer `auth({ issuer, jwksUri, tokenSigningAlg: 'RS256', validators: { aud: false, client_id, token_use } })` + `requiredScopes`; " +
      'express-jwt `expressjwt({ secret: jwksRsa.expressJwtSecret({ cache: true, rateLimit: true }), algorithms, issuer })`, koa-jwt with `jwksRsa.koaJwtSecret({ cache: true })`, fastify-jwt-jwks `{ jwksUrl, issuer }` (all three + a one-line `client_id`/`token_use`/scope check).',
    '',
  )

  if (results.fleet !== undefined) {
    const { revocation: r, replay } = results.fleet
    s.push('## Fleet: revocation and the Redis replay store', '')
    s.push(
      table(
        ['measure', 'result'],
        [
          [
            'Fastify + scopeguard, same token: revocation on (10,000 entries) vs off',
            `${pct(r.ratio)} (${pct(r.ratioMin)}-${pct(r.ratioMax)}); ${int(r.on)} vs ${int(r.off)} req/s`,
          ],
          [
            'DPoP replay claim per proof: in-memory vs Redis (`SET NX PX`, loopback)',
            `${replay.memoryUs.toFixed(1)} µs vs ${replay.redisUs.toFixed(1)} µs (+${replay.addedUs.toFixed(1)} µs per request)`,
          ],
          ['Redis round trip of the run (PING, median)', `${replay.rttUs.toFixed(1)} µs`],
          ['Redis claims per second, 10 in flight, one connection', `${int(replay.redisPerSec)}`],
        ],
      ),
      '',
    )
    s.push(
      'The revocation check reads the local replica (three `Map` lookups), so the same-token path pays no round trip; the replay store adds one Redis round trip to each DPoP request, about the RTT above.',
      '',
    )
  }
  if (results.dpop !== undefined) s.push(...dpopSection(results.dpop))
  if (results.events !== undefined) s.push(...eventsSection(results.events))
  s.push('## Import cost', '')
  s.push(
    `\`import()\` time in a fresh Node process (median of ${importCost.settings.runs} processes, interleaved), and installed size: the package and its production dependency tree in node_modules, each package once (scopeguard packages: the files they publish: \`dist\`, README, package.json). Framework peers are left out on both sides.`,
    '',
  )
  s.push(
    table(
      ['scopeguard', 'import', 'installed', 'peer', 'import', 'installed'],
      importCost.rows.map((r) => [
        r.ours,
        `${r.oursMs.toFixed(1)} ms`,
        `${kb(r.oursBytes)} (${r.oursPackages} pkgs)`,
        r.peer || 'none installed',
        r.peerMs === undefined ? '' : `${r.peerMs.toFixed(1)} ms`,
        r.peerBytes === undefined ? '' : `${kb(r.peerBytes)} (${r.peerPackages} pkgs)`,
      ]),
    ),
    '',
  )

  s.push('## Cold start', '')
  s.push(
    `${coldStart.settings.concurrency} concurrent first requests (distinct tokens) against a verifier with no keys yet; the loopback key server answers after ${coldStart.settings.delayMs} ms and counts its hits. scopeguard servers skip \`warmup()\` here.`,
    '',
  )
  s.push(
    table(
      ['target', 'requests', 'key fetches', 'failed'],
      coldStart.rows.map((r) => [
        r.scopeguard ? `**${r.target}**` : r.target,
        String(r.requests),
        String(r.fetches),
        String(r.failed),
      ]),
    ),
    '',
  )

  s.push('## Memory', '')
  s.push(
    `${int(memory.scopeguard.tokens)} distinct EdDSA tokens (minted in batches of 1000 with node:crypto, dropped after use) through one verifier with the token cache on (bound ${memory.scopeguard.maxEntries} entries), \`node --expose-gc\`, two full GCs before each reading. ` +
      'The control runs the same loop in a fresh process with a bare node:crypto verify instead of a verifier: V8 grows its heap under any allocation-heavy loop and keeps the pages after GC, so its growth is what the harness and Node cost by themselves. ' +
      `The same pair runs again with \`${memory.pinned.flag}\`: V8's young generation (its semi-spaces grow to 16 MB each by default, a speed setting, and their pages stay mapped) is pinned at 1 MB, so what remains is memory actually retained. The target is judged on that pair; the default pair is shown beside it.`,
    '',
  )
  const mem = (m, label) => [
    `${m.subject}${label}`,
    mb(m.rssBefore),
    mb(m.rssAfter),
    `**${mb(m.rssGrowth)}**`,
    mb(m.peakRss),
    `${mb(m.heapUsedBefore)} -> ${mb(m.heapUsedAfter)}`,
    `${mb(m.heapTotalBefore)} -> ${mb(m.heapTotalAfter)}`,
    m.subject === 'scopeguard' ? `${m.maxCacheSize} / ${m.maxEntries}` : '',
  ]
  s.push(
    table(
      [
        'run',
        'RSS before',
        'RSS after',
        'growth',
        'peak RSS',
        'heap used',
        'heap total',
        'cache max / bound',
      ],
      [
        mem(memory.scopeguard, ', default heap'),
        mem(memory.control, ', default heap'),
        mem(memory.pinned.scopeguard, `, ${memory.pinned.flag}`),
        mem(memory.pinned.control, `, ${memory.pinned.flag}`),
      ],
    ),
    '',
  )
  s.push(
    `Growth attributable to the verifier (scopeguard minus control): **${mb(memory.attributable)}** with the default heap, **${mb(memory.pinned.attributable)}** with the young generation pinned.`,
    '',
  )

  if (profiles) {
    s.push('## Where the time goes', '')
    s.push(
      'CPU profiles of the core taken during the run (V8 sampling profiler, self time). `run` is the native signature check itself (the floor); everything else is the verifier around it.',
      '',
    )
    for (const p of profiles) {
      s.push(`**${p.title}** (${int(p.opsPerSec)} ops/s under the profiler)`, '')
      s.push(
        table(
          ['self time', 'function'],
          p.byFunction.map(([name, share]) => [`${(share * 100).toFixed(1)}%`, `\`${name}\``]),
        ),
        '',
      )
    }
  }

  s.push('## Versions', '')
  s.push(
    table(
      ['package', 'version'],
      Object.entries(env.versions).map(([n, ver]) => [n, ver]),
    ),
    '',
  )
  return s.join('\n')
}
