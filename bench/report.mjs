/**
 * Turns the results of one `npm run bench` into BENCHMARKS.md (repo root) and bench/chart.svg.
 * Every figure is a ratio measured side by side in the same run; absolute numbers only describe
 * the machine they were measured on.
 */
import { int, mb, median, pct } from './lib/stats.mjs'

const PEERS = [
  'jose 6 jwtVerify',
  'aws-jwt-verify verifySync',
  'fast-jwt',
  'jsonwebtoken (KeyObject)',
]

/** @typedef {{ ok: boolean, target: string, measured: string }} Verdict */

const find = (rows, where) => rows.find((r) => Object.entries(where).every(([k, v]) => r[k] === v))

/** `12.345` -> `12.3 µs`. */
const us = (value) => (Number.isFinite(value) ? `${value.toFixed(1)} µs` : 'n/a')

/** The HTTP frameworks whose same-token path is judged against the bare framework. */
const SAME_VS_BARE = ['express', 'koa', 'fastify', 'hono']

/** The rows of an HTTP block that are neither scopeguard nor a yardstick. */
const isPeer = (row) =>
  !row.contender.startsWith('scopeguard') &&
  row.contender !== 'bare' &&
  !row.contender.endsWith('(control)')

/** The per-process medians of a server run as several processes: `12.1 / 13.9`. */
const perProcess = (medians) => medians.map((v) => v.toFixed(1)).join(' / ')

/** The median over rounds of `f(a[i], b[i])`, for two runs measured side by side. */
const paired = (a, b, f) => median(a.map((x, i) => f(x, b[i])))

/**
 * Evaluates every target of the performance issues against the results. HTTP rows are judged on
 * server CPU per request (steadier than req/s on a shared machine), verify rows on CPU time per
 * call beside the signature check.
 *
 * @returns {Verdict[]}
 */
export function verdicts(results) {
  const { micro, http, importCost, coldStart, memory } = results
  /** @type {Verdict[]} */
  const out = []
  const ours = (alg, mode, contender = 'scopeguard (node)') =>
    find(micro.rows, { alg, mode, contender })

  for (const alg of micro.settings.algs) {
    const verify = ours(alg, 'distinct')
    const auth = ours(alg, 'distinct', 'scopeguard (node) authenticate()')
    const peers = micro.rows.filter(
      (r) => r.alg === alg && r.mode === 'distinct' && PEERS.includes(r.contender),
    )
    const best = peers.reduce((a, b) => (b.besideUs < a.besideUs ? b : a), peers[0])
    out.push({
      ok:
        verify !== undefined &&
        auth !== undefined &&
        best !== undefined &&
        Math.max(verify.besideUs, auth.besideUs) <= best.besideUs,
      target: `Verify, distinct ${alg} tokens: CPU beside the signature, through verify() and authenticate(), no more than any peer's`,
      measured:
        verify && auth && best
          ? `verify() ${us(verify.besideUs)}, authenticate() ${us(auth.besideUs)}; best peer ${best.contender} ${us(best.besideUs)} (signature ${us(verify.floorUs)})`
          : 'not measured',
    })
  }
  const cacheRows = micro.settings.algs.map((alg) => ({
    alg,
    on: ours(alg, 'distinct'),
    off: ours(alg, 'distinct', 'scopeguard (node, tokenCache: false)'),
  }))
  out.push({
    // Within half a percent of the verification: the spread of two identical contenders here.
    ok: cacheRows.every(
      ({ on, off }) =>
        on && off && on.besideUs <= off.besideUs + 0.005 * (off.floorUs + off.besideUs),
    ),
    target:
      'Verify, distinct tokens: the token cache never slower than `tokenCache: false` (within 0.5% of a verification)',
    measured: cacheRows
      .map(({ alg, on, off }) =>
        on && off
          ? `${alg} ${us(on.besideUs)} vs ${us(off.besideUs)} beside the signature`
          : `${alg} not measured`,
      )
      .join('; '),
  })
  const repeated = micro.settings.algs.map((alg) => ours(alg, 'repeated'))
  out.push({
    ok: repeated.every((r) => r !== undefined && r.ratio >= 10),
    target: `Verify, repeated token (token cache): >= 10x the crypto floor (${micro.settings.algs.join(', ')})`,
    measured: repeated.map((r) => (r ? `${r.ratio.toFixed(0)}x` : 'n/a')).join(' / '),
  })

  const httpRow = (framework, mode, contender) => find(http.rows, { framework, mode, contender })
  const frameworks = [...new Set(http.rows.map((r) => r.framework))]
  for (const framework of frameworks) {
    const mine = httpRow(framework, 'same', 'scopeguard')
    const nest = framework === 'nestjs'
    const base = httpRow(framework, 'same', nest ? 'no-op guard (control)' : 'bare')
    if (mine === undefined || base === undefined) continue
    if (!nest && !SAME_VS_BARE.includes(framework)) continue
    const limit = nest ? 1.05 : 1.1
    // Run as several processes: the ratio of the two servers' figures (each its best process).
    const several = mine.cpuByProcessUs !== undefined && base.cpuByProcessUs !== undefined
    const ratio = several
      ? mine.cpuPerRequestUs / base.cpuPerRequestUs
      : paired(mine.cpuSamples, base.cpuSamples, (a, b) => a / b)
    const spread = several
      ? `processes ${perProcess(mine.cpuByProcessUs)} vs ${perProcess(base.cpuByProcessUs)} µs`
      : `rounds ${rangeOf(mine.cpuSamples, base.cpuSamples)}`
    out.push({
      ok: ratio <= limit,
      target: `HTTP, same token, ${label(framework)} + scopeguard: server CPU per request within ${Math.round((limit - 1) * 100)}% of ${nest ? 'a no-op guard' : 'bare'}`,
      measured: `${signed(ratio - 1)} (${us(mine.cpuPerRequestUs)} vs ${us(base.cpuPerRequestUs)}; ${spread})`,
    })
  }
  const distinct = httpRow('fastify', 'distinct', 'scopeguard')
  const signatureOnly = httpRow('fastify', 'distinct', 'signature only (control)')
  if (distinct !== undefined && signatureOnly !== undefined) {
    const extra = paired(distinct.cpuSamples, signatureOnly.cpuSamples, (a, b) => a - b)
    out.push({
      ok: extra <= 10,
      target:
        'HTTP, distinct tokens, Fastify + scopeguard: server CPU per request <= a hook doing only the signature check + 10 µs',
      measured: `${extra >= 0 ? '+' : ''}${us(extra)} (${us(distinct.cpuPerRequestUs)} vs ${us(signatureOnly.cpuPerRequestUs)}, median of the per-round differences)`,
    })
  }
  const uncached = httpRow('fastify', 'distinct', 'scopeguard (tokenCache: false)')
  if (distinct !== undefined && uncached !== undefined) {
    const ratio = paired(distinct.cpuSamples, uncached.cpuSamples, (a, b) => a / b)
    out.push({
      ok: ratio <= 1.02,
      target:
        'HTTP, distinct tokens, Fastify: the token cache never slower than `tokenCache: false` (server CPU per request, within 2%)',
      measured: `${pct(ratio)} (${us(distinct.cpuPerRequestUs)} vs ${us(uncached.cpuPerRequestUs)})`,
    })
  }
  for (const framework of frameworks) {
    for (const mode of ['same', 'distinct']) {
      const mine = httpRow(framework, mode, 'scopeguard')
      const peers = http.rows.filter(
        (r) => r.framework === framework && r.mode === mode && isPeer(r),
      )
      if (mine === undefined || peers.length === 0) continue
      const best = peers.reduce((a, b) => (b.cpuPerRequestUs < a.cpuPerRequestUs ? b : a))
      out.push({
        ok: mine.cpuPerRequestUs <= best.cpuPerRequestUs,
        target: `HTTP, ${mode === 'same' ? 'same token' : 'distinct tokens'}, ${label(framework)}: no peer spends less server CPU per request`,
        measured: `scopeguard ${us(mine.cpuPerRequestUs)} vs ${best.contender} ${us(best.cpuPerRequestUs)}`,
      })
    }
  }

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
      ok: r.cpuRatio < 1.05 && r.non2xx === 0,
      target:
        'HTTP, same token, Fastify + scopeguard, revocation on (10,000 entries): server CPU per request < 5% over revocation off',
      measured: `${signed(r.cpuRatio - 1)} (${us(r.cpuOnUs)} vs ${us(r.cpuOffUs)}; ${(r.cpuOnByProcessUs?.length ?? 1) > 1 ? `processes ${perProcess(r.cpuOnByProcessUs)} vs ${perProcess(r.cpuOffByProcessUs)} µs, ` : ''}rounds ${pct(r.cpuRatioMin)}-${pct(r.cpuRatioMax)}); ${int(r.on)} vs ${int(r.off)} req/s`,
    })
  }
  if (results.dpop !== undefined) {
    const d = results.dpop
    out.push({
      ok: d.met && d.memory.non2xx === 0,
      target:
        'HTTP, same token, Fastify: a DPoP request (in-memory replay store) costs <= 1.15 x (the Bearer request + one ES256 proof signature check, in a server), server CPU per request',
      measured: `${d.memory.cpuPerRequestUs.toFixed(1)} µs vs budget ${d.budgetUs.toFixed(1)} µs (Bearer + proof signature control ${d.control.cpuPerRequestUs.toFixed(1)} µs): ${pct(d.memoryRatio)}; with the signature timed in a loop instead (Bearer ${d.bearer.cpuPerRequestUs.toFixed(1)} µs + ${d.signatureUs.toFixed(1)} µs): ${pct(d.loopRatio)}`,
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

/** A framework's name as a heading shows it. */
const label = (framework) =>
  framework === 'nestjs' ? 'NestJS' : framework[0].toUpperCase() + framework.slice(1)

/** The range of the per-round ratios `a[i] / b[i] - 1`, as `+3%-+9%`. */
function rangeOf(a, b) {
  const ratios = a.map((x, i) => x / b[i] - 1)
  return `${signed(Math.min(...ratios))} to ${signed(Math.max(...ratios))}`
}

/** `0.031` -> `+3%`, `-0.02` -> `-2%`. */
const signed = (ratio) => `${ratio >= 0 ? '+' : ''}${pct(ratio)}`

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
    `Fastify + scopeguard, one access token throughout, each server in its own process, autocannon with ${d.settings.connections} connections, ${d.settings.rounds} rounds of ${d.settings.durationSec} s interleaved${d.settings.rate === undefined ? '' : ` at a fixed ${int(d.settings.rate)} requests per second for all three servers (CPU per request is compared at equal load: a server answering more requests per second gets more responses out per system call and wake-up), then ${d.settings.throughputRounds} rounds as fast as each answers (req/s)`}; server CPU is the server process's user + system time per request (median of rounds). The DPoP rows send the token bound to the client's key with a fresh ES256 proof per request (minted before the run, each used once), so every request pays the proof's parse, signature check, \`ath\` hash and replay claim; the token's own verification is served by the token cache in every row. The Redis row claims each proof with one \`SET NX PX\` on a loopback redis-server.`,
    '',
    table(
      ['server', 'CPU per request', 'req/s (range)', 'non-2xx'],
      [
        row('Bearer (unbound token)', d.bearer),
        row('Bearer + one proof signature check (control)', d.control),
        row('DPoP, in-memory replay store', d.memory),
        row('DPoP, Redis replay store', d.redis),
      ],
    ),
    '',
    `The control is the Bearer server behind a hook that checks the ES256 signature of the proof sent along (key imported once) and nothing else: a Bearer request plus one proof signature check, paid inside a server, with the DPoP request's size. Target: a DPoP request costs at most 1.15 x the control = ${d.budgetUs.toFixed(1)} µs; measured ${d.memory.cpuPerRequestUs.toFixed(1)} µs (${pct(d.memoryRatio)} of the control): **${d.met ? 'met' : 'missed'}**. The same check timed in a loop in the bench process takes ${d.signatureUs.toFixed(1)} µs, less than it costs the control server (${(d.control.cpuPerRequestUs - d.bearer.cpuPerRequestUs).toFixed(1)} µs over Bearer): a loop keeps OpenSSL's tables and the branch history hot, a server between two checks does not. Against Bearer + that loop figure the DPoP request is at ${pct(d.loopRatio)}.`,
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
    `What the core's events cost. Verify: one verifier per row, all in one fresh process (started for this step, so no earlier step's heap or module copies weigh on it), ${events.settings.rounds} rounds interleaved in a rotated order (each at least ${events.settings.minTimeMs} ms of this process's CPU time, not wall-clock time, of \`await verify()\` over ${events.settings.tokens} tokens; ops/s are per CPU-second); each ratio is the median of the per-round ratios, with their range. ` +
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
      `HTTP, same token: Express + scopeguard with \`instrumentVerifier\` (the same SDK setup) against the same server without it, and that server again as an A/A control, autocannon with ${events.settings.http.connections} connections, ${events.settings.http.rounds} rounds of ${events.settings.http.durationSec} s interleaved; server CPU is the server process's user + system time per request. ${(events.settings.http.copies ?? 1) > 1 ? `As in the same-token HTTP benchmarks, each server runs as ${events.settings.http.copies} processes taking the rounds in turn: its server CPU is the lowest of their medians (the CPU ratio is between those figures), req/s the median of the rounds.` : 'Each server runs in one process.'}`,
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
      title: 'Verify, distinct RS256 tokens, keys cached: % of the node:crypto floor (CPU)',
      targetLabel: 'best peer',
      target: Math.max(
        ...micro.rows
          .filter((r) => r.alg === 'RS256' && r.mode === 'distinct' && PEERS.includes(r.contender))
          .map((r) => r.ratio),
      ),
      bars: micro.rows
        .filter((r) => r.alg === 'RS256' && r.mode === 'distinct' && r.contender !== 'crypto floor')
        .map((r) => ({
          label: r.contender,
          value: r.ratio,
          ours: r.contender.startsWith('scopeguard'),
        })),
    },
    {
      title: "HTTP, same token: bare CPU per request / this server's (100% = free)",
      target: 1 / 1.1,
      bars: http.rows
        .filter((r) => r.mode === 'same' && r.contender !== 'bare')
        .map((r) => ({
          label: `${r.framework} + ${r.contender}`,
          value: r.cpuRatio,
          ours: r.contender.startsWith('scopeguard'),
          control: r.contender.endsWith('(control)'),
        })),
    },
    {
      title: "HTTP, distinct tokens: bare CPU per request / this server's",
      bars: http.rows
        .filter((r) => r.mode === 'distinct' && r.contender !== 'bare')
        .map((r) => ({
          label: `${r.framework} + ${r.contender}`,
          value: r.cpuRatio,
          ours: r.contender.startsWith('scopeguard'),
          control: r.contender.endsWith('(control)'),
        })),
    },
  ]
  if (results.dpop !== undefined) {
    const d = results.dpop
    const budget = d.control.cpuPerRequestUs
    panels.push({
      title:
        'DPoP, Fastify, same token: server CPU per request, % of (Bearer + one proof signature check, control)',
      target: 1.15,
      bars: [
        {
          label: 'Bearer (unbound token)',
          value: d.bearer.cpuPerRequestUs / budget,
          control: true,
        },
        {
          label: 'Bearer + proof signature (control)',
          value: 1,
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
    if (panel.target !== undefined) {
      const tx = x(panel.target).toFixed(1)
      parts.push(
        `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${y}" stroke="#c53030" stroke-dasharray="4 3"/>`,
        `<text x="${tx}" y="${y + 12}" font-size="11" fill="#c53030" text-anchor="middle">${panel.targetLabel ?? 'target'} ${pct(panel.target)}</text>`,
      )
    }
    parts.push(
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
      "The headline is CPU: server CPU time per request for HTTP (the server process's user + system time over the requests it answered), CPU time per call for verify, " +
      'each compared side by side in the same run (to the bare framework, a control, the node:crypto floor or a peer). ' +
      'req/s and ops/s are kept beside them with their range, but they swing with how this shared 2-core machine schedules the load generator. Regenerate with `npm run bench` ' +
      '(`BENCH_QUICK=1 npm run bench` for a fast, rougher run; `BENCH_RUNS=3 npm run bench` for three consecutive runs, each judged); `npm run bench:memory` runs the memory check alone. ' +
      'How far two processes of the same server read apart here, which is what a 5% or 10% HTTP target has to be read against, is in [bench/RESOLUTION.md](bench/RESOLUTION.md) (`npm run bench:resolution`).',
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
        [
          'Placement',
          env.serverCore === undefined
            ? 'not pinned (no taskset, one core, or BENCH_PIN=0)'
            : `in the HTTP, fleet, DPoP and events steps, every server process pinned to core ${env.serverCore} and the load generator (this process: autocannon, the key server, Redis) to the others (taskset); the other steps unpinned`,
        ],
        [
          'Server processes',
          (env.serverFlags ?? []).length === 0
            ? "V8's default flags"
            : `every benchmark server started with \`${env.serverFlags.join(' ')}\` (bare, controls, peers and scopeguard alike; why: \`SERVER_V8_FLAGS\` in bench/lib/servers.mjs)`,
        ],
      ],
    ),
    '',
  )
  const runs = results.runs ?? []
  if (runs.length > 1) {
    const always = v.filter((x) =>
      runs.every((run) => find(run.verdicts, { target: x.target })?.ok),
    )
    s.push(
      `## Targets over ${runs.length} consecutive runs: ${always.length} of ${v.length} met in every run`,
      '',
    )
    s.push(
      `The same \`npm run bench\` (\`BENCH_RUNS=${runs.length}\`), run ${runs.length} times back to back at commit \`${env.commit}\` (${runs.map((run) => `${Math.round(run.seconds)} s`).join(', ')}); each cell is that run's verdict and figure. The sections below are the last run's.`,
      '',
    )
    s.push(
      table(
        ['target', ...runs.map((_, i) => `run ${i + 1}`)],
        v.map((x) => [
          x.target,
          ...runs.map((run) => {
            const verdict = find(run.verdicts, { target: x.target })
            return verdict === undefined
              ? 'not measured'
              : `${verdict.ok ? 'met' : '**missed**'}: ${verdict.measured}`
          }),
        ]),
      ),
      '',
    )
  } else {
    s.push(`## Targets: ${met} of ${v.length} met`, '')
    s.push(
      table(
        ['', 'target', 'measured'],
        v.map((x) => [x.ok ? 'met' : '**missed**', x.target, x.measured]),
      ),
      '',
    )
  }
  s.push(
    "The token cache's behaviour (bounded, never past `exp` or before `nbf`, keyed by the whole token, dropped when the signing key leaves the key set, scopes re-checked per route, `tokenCache: false`) is covered by the core's test suite; here only its speed and its bound under load are measured.",
    '',
  )

  s.push('## Verify micro-benchmarks', '')
  s.push(
    `${int(micro.settings.tokens)} distinct Cognito-shaped access tokens per algorithm (keys known up front, issuer, \`client_id\` and \`token_use\` checked by every contender), ` +
      `${micro.settings.rounds} interleaved rounds of at least ${micro.settings.minTimeMs} ms per contender${micro.settings.repeated ? ` (repeated token: ${micro.settings.repeated.rounds} of ${micro.settings.repeated.minTimeMs} ms)` : ''}, timed by the CPU time of a process started for this step (so no earlier step's heap weighs on it); *CPU / verify* is the median of the rounds, *beside the signature* the median of the per-round differences from the floor (the verifier's own work: parsing, claims, caches), *vs floor* the median of the per-round ratios of ops per CPU-second. ` +
      "The **crypto floor** is one synchronous `crypto.verify` over the pre-decoded signing input and signature (RS256: `sha256` PKCS#1 v1.5; ES256: `dsaEncoding: 'ieee-p1363'`; EdDSA: `crypto.verify(null, ...)`): no parsing, no claims. " +
      "*Distinct* cycles the token pool after every contender has verified 1000 other tokens, as a server that has been up a while: scopeguard's token cache (1000 entries) is then full, admits a token on its second verification only, and with a pool twice its size never hits; " +
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
      ...micro.settings.algs.flatMap((a) =>
        mode === 'distinct'
          ? [`${a} CPU / verify`, `${a} beside the signature`, `${a} vs floor`]
          : [`${a} CPU / verify`, `${a} vs floor`],
      ),
      'verified / refused',
    ]
    const rows = contenders.map((c) => {
      const mine = c.startsWith('scopeguard')
      const bold = (text) => (mine ? `**${text}**` : text)
      const cells = [bold(c)]
      const checks = []
      for (const alg of micro.settings.algs) {
        const r = find(micro.rows, { alg, mode, contender: c })
        const perCall = r ? `${(1e6 / r.opsPerSec).toFixed(mode === 'distinct' ? 1 : 2)} µs` : 'n/a'
        if (mode === 'distinct') {
          cells.push(
            perCall,
            r?.besideUs === undefined ? 'n/a' : bold(us(r.besideUs)),
            r ? pct(r.ratio) : 'n/a',
          )
        } else cells.push(perCall, r ? bold(pct(r.ratio)) : 'n/a')
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
    `autocannon on loopback, ${http.settings.connections} connections, interleaved rounds of ${http.settings.durationSec} s per server after a ${http.settings.warmupSec} s warm-up: ${http.settings.rounds} with the same token, ${http.settings.distinctRounds ?? http.settings.rounds} with distinct tokens. ` +
      ((http.settings.copies ?? 1) > 1
        ? `With the same token every server runs as ${http.settings.copies} processes that take the rounds in turn, and its figure is the lowest of their medians (the processes' medians are in the targets table): two processes of one server settle, by how they happened to start, into steady states up to 2x apart with their rounds within a few percent (bench/RESOLUTION.md), and such a state only ever adds cost. `
        : '') +
      "In each round a framework's servers (bare included) run back to back in a rotated order; *vs bare* is the median of the per-round ratios (range in brackets), req/s the median of the rounds; " +
      'each server in its own child process (the load generator never shares its event loop). One route, `GET /photos`, answering a small JSON body; ' +
      'with auth it requires `photos.read`. Keys come from one loopback key server in the bench process. *Same* sends one RS256 token on every request; ' +
      `*distinct* cycles ${int(http.settings.pool)} tokens, after every server has answered 1000 other tokens (so scopeguard's full token cache never admits the pool and never hits). Bare servers get the same headers. ` +
      'Before measuring, each auth server answered 200 to the token and 401 to a tampered token, a forged payload and no token; `non-2xx` counts any other answer during measurement. ' +
      "*Server CPU / request* is the server process's own CPU time (user + system) over the requests it answered in a round (median of the rounds, their range in brackets); *vs bare (CPU)* is bare's CPU per request over this server's (median of the per-round ratios): the req/s ratio the two would show if each had a core to itself, which does not depend on how the load generator is scheduled. Both swing from round to round on this shared 2-core machine (see the ranges); the targets are judged on CPU, the steadier of the two. " +
      "Every server process calls `process.nextTick` 200,000 times before its app starts: without it, some servers (decided by how the process started, not by the code each request runs) spent 5-7% of their CPU inside Node's `nextTick` where the others spent under 1% (`warmNextTick` in bench/http/server.mjs; both ways in bench/RESOLUTION.md). " +
      "Every server process also runs with V8's allocation-site pretenuring off: with it, about 2% of processes (bare ones included; 7 of 375 traced) settled for good into a state where each request's garbage went to the old generation, a concurrent mark-compact ran every ~170 ms and the process spent 2-3x the CPU per request of its twin; with it off, none of 153 did (`SERVER_V8_FLAGS` in bench/lib/servers.mjs; `BENCH_PRETENURING=1` runs V8's default). " +
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
      .map((r) => {
        const mine = r.contender.startsWith('scopeguard')
        const bold = (text) => (mine ? `**${text}**` : text)
        const cpuRange =
          r.cpuByProcessUs !== undefined
            ? ` (processes ${perProcess(r.cpuByProcessUs)})`
            : r.cpuSamples === undefined
              ? ''
              : ` (${Math.min(...r.cpuSamples).toFixed(1)}-${Math.max(...r.cpuSamples).toFixed(1)})`
        return [
          r.mode,
          bold(r.contender),
          r.cpuPerRequestUs === undefined ? 'n/a' : `${bold(us(r.cpuPerRequestUs))}${cpuRange}`,
          r.cpuRatio === undefined ? 'n/a' : pct(r.cpuRatio),
          int(r.reqPerSec),
          `${pct(r.ratio)}${r.ratioMin === undefined || r.contender === 'bare' ? '' : ` (${pct(r.ratioMin)}-${pct(r.ratioMax)})`}`,
          `${r.latencyP50} ms`,
          String(r.non2xx + r.errors),
        ]
      })
    s.push(
      table(
        [
          'tokens',
          'server',
          'server CPU / request (rounds, or processes)',
          'vs bare (CPU)',
          'req/s',
          'vs bare (req/s, rounds)',
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
      "express-jwt `expressjwt({ secret: jwksRsa.expressJwtSecret({ cache: true, rateLimit: true }), algorithms, issuer })`, koa-jwt with `jwksRsa.koaJwtSecret({ cache: true })`, fastify-jwt-jwks `{ jwksUrl, issuer }`, hono/jwk `jwk({ jwks_uri, alg: ['RS256'], verification: { iss } })` (these four + a one-line `client_id`/`token_use`/scope check). hono/jwk fetches the key set on every request (it has no key cache), which is its cost here.",
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
            'Fastify + scopeguard, same token: revocation on (10,000 entries) vs off, server CPU per request',
            r.cpuOnUs === undefined
              ? 'not measured'
              : `${us(r.cpuOnUs)} vs ${us(r.cpuOffUs)}: ${signed(r.cpuRatio - 1)} (rounds ${signed(r.cpuRatioMin - 1)} to ${signed(r.cpuRatioMax - 1)})`,
          ],
          [
            'the same, req/s',
            `${int(r.on)} vs ${int(r.off)}: ${pct(r.ratio)} (${pct(r.ratioMin)}-${pct(r.ratioMax)})`,
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
