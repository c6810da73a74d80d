/** Benchmark servers in child processes (bench/http/server.mjs), one per app. */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const serverEntry = fileURLToPath(new URL('../http/server.mjs', import.meta.url))

/**
 * Forks one server; resolves `{ app, url, stop }` once it listens.
 *
 * @param {string} app a key of APPS in bench/http/apps.mjs
 * @param {import('../http/apps.mjs').AppSettings} settings
 * @returns {Promise<{ app: string, url: string, cpu: () => Promise<number>, stop: () => Promise<unknown> }>}
 */
export function startServer(app, settings) {
  return new Promise((resolve, reject) => {
    const child = fork(serverEntry, [], {
      env: { ...process.env, BENCH_APP: app, BENCH_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    child.once('message', (message) => {
      const m = /** @type {{ port?: number, error?: string }} */ (message)
      if (m.port === undefined) reject(new Error(`${app}: ${m.error}`))
      else
        resolve({
          app,
          url: `http://127.0.0.1:${m.port}/photos`,
          cpu: () =>
            new Promise((done) => {
              const onMessage = (/** @type {any} */ reply) => {
                if (typeof reply?.cpu !== 'number') return
                child.off('message', onMessage)
                done(reply.cpu)
              }
              child.on('message', onMessage)
              child.send('cpu')
            }),
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done(undefined))
              child.send('close')
            }),
        })
    })
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code}`)))
  })
}
