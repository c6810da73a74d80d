/**
 * Child-process entry of one benchmark server: `node bench/http/server.mjs` forked with IPC,
 * the app name and settings in `BENCH_APP` / `BENCH_SETTINGS` (JSON). Answers `{ port }` (or
 * `{ error }`) on the IPC channel once listening, answers `'cpu'` with `{ cpu }` (its CPU time in
 * microseconds), and closes on `'close'` or disconnect.
 */
import { baseApp } from '../lib/servers.mjs'
import { APPS } from './apps.mjs'

/**
 * Runs `process.nextTick` 200,000 times before the app starts, in every server alike. Why: under
 * load, some servers spend 5-7% of their CPU inside Node's own `nextTick` (on the lines that build
 * each tick object, node:internal/process/task_queues 125-130; 0.3-0.7% in the others), and which
 * ones do is decided by how the process started, not by its per-request code: the same
 * scopeguard server with an unused route `config` object, or with 10,000 revocation entries built
 * first, falls into it, and two processes of one app agree. With nextTick warmed first, none of the
 * profiled servers did (see bench/RESOLUTION.md). BENCH_TICK_WARMUP=0 turns it off.
 */
async function warmNextTick() {
  if (process.env.BENCH_TICK_WARMUP === '0') return
  const calls = 200_000
  let done = 0
  await new Promise((resolve) => {
    const tick = () => {
      if (++done === calls) resolve(undefined)
    }
    for (let i = 0; i < calls; i++) process.nextTick(tick)
  })
}

await warmNextTick()
const name = process.env.BENCH_APP ?? ''
const settings = JSON.parse(process.env.BENCH_SETTINGS ?? '{}')
// `<app> (A/A copy)` runs <app>: how far two identical servers drift apart (bench/resolution.mjs).
const start = APPS[baseApp(name)]

try {
  if (start === undefined) throw new Error(`unknown app ${name}`)
  const app = await start(settings)
  const stop = () => {
    void app.close().finally(() => process.exit(0))
  }
  process.on('message', (message) => {
    if (message === 'close') stop()
    // The server's own CPU time (user + system, microseconds), read around each measurement.
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage()
      process.send?.({ cpu: user + system })
    }
  })
  process.on('disconnect', stop)
  process.send?.({ port: app.port })
} catch (error) {
  process.send?.({ error: String(error instanceof Error ? error.stack : error) })
  process.exit(1)
}
