/**
 * Cold start: many concurrent first requests against a verifier that has no keys yet. The loopback
 * key server answers after a delay, so every request arrives while the first fetch is in flight;
 * it counts its hits. Target: exactly one fetch, and every request succeeds.
 *
 * Checked on the core (both signature backends, `verify()` with distinct tokens) and over HTTP on
 * each framework: scopeguard's adapters (with `warmup()` skipped) and, for comparison, the peers.
 *
 * CLI: `node bench/cold-start.mjs`; writes bench/results/cold-start.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { FRAMEWORKS } from './http.mjs'
import { loadCreateVerifier } from './lib/cores.mjs'
import { startJwksServer } from './lib/jwks-server.mjs'
import { startServer } from './lib/servers.mjs'
import { CLIENT_ID, ISSUER, SCOPE, generateKeys, jwksOf, mintTokens } from './lib/tokens.mjs'

/**
 * @param {{ concurrency: number, delayMs: number, createVerifier?: Record<'node' | 'webcrypto', typeof import('@scopeguard/core').createVerifier>, http?: boolean, log?: (line: string) => void }} config
 */
export async function runColdStart(config) {
  const log = config.log ?? (() => undefined)
  const keys = generateKeys(['RS256'])
  const tokens = mintTokens(keys.RS256, config.concurrency)
  const rows = []
  const report = (row) => {
    rows.push(row)
    log(
      `${row.target.padEnd(40)} ${row.requests} concurrent first requests: ${row.fetches} key fetch(es), ${row.failed} failed`,
    )
  }

  for (const backend of /** @type {const} */ (['node', 'webcrypto'])) {
    const createVerifier = config.createVerifier?.[backend] ?? (await loadCreateVerifier(backend))
    const jwks = await startJwksServer(jwksOf(keys), { delayMs: config.delayMs })
    try {
      const verifier = createVerifier({
        issuer: ISSUER,
        clientId: CLIENT_ID,
        tokenUse: 'access',
        jwksUri: jwks.url,
      })
      const results = await Promise.allSettled(tokens.map((token) => verifier.verify(token)))
      report({
        target: `@scopeguard/core verify() (${backend})`,
        scopeguard: true,
        requests: tokens.length,
        fetches: jwks.hits(),
        failed: results.filter((r) => r.status === 'rejected').length,
      })
    } finally {
      await jwks.close()
    }
  }

  if (config.http !== false) {
    for (const app of Object.values(FRAMEWORKS).flat()) {
      if (app.endsWith('/bare') || app.endsWith('(control)')) continue
      const jwks = await startJwksServer(jwksOf(keys), { delayMs: config.delayMs })
      const settings = {
        jwksUrl: jwks.url,
        issuer: ISSUER,
        clientId: CLIENT_ID,
        scope: SCOPE,
        warmup: false,
      }
      const server = await startServer(app, settings)
      try {
        const statuses = await Promise.all(
          tokens.map(async (token) => {
            const response = await globalThis.fetch(server.url, {
              headers: { authorization: `Bearer ${token}` },
            })
            await response.arrayBuffer()
            return response.status
          }),
        )
        report({
          target: app,
          scopeguard: app.includes('/scopeguard'),
          requests: tokens.length,
          fetches: jwks.hits(),
          failed: statuses.filter((s) => s !== 200).length,
        })
      } finally {
        await server.stop()
        await jwks.close()
      }
    }
  }
  return { settings: { concurrency: config.concurrency, delayMs: config.delayMs }, rows }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runColdStart({ concurrency: 50, delayMs: 100, log: (l) => console.log(l) })
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}cold-start.json`, JSON.stringify(result, null, 2))
}
