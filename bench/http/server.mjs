/**
 * Child-process entry of one benchmark server: `node bench/http/server.mjs` forked with IPC,
 * the app name and settings in `BENCH_APP` / `BENCH_SETTINGS` (JSON). Answers `{ port }` (or
 * `{ error }`) on the IPC channel once listening, answers `'cpu'` with `{ cpu }` (its CPU time in
 * microseconds), and closes on `'close'` or disconnect.
 */
import { APPS } from './apps.mjs'

const name = process.env.BENCH_APP ?? ''
const settings = JSON.parse(process.env.BENCH_SETTINGS ?? '{}')
const start = APPS[name]

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
