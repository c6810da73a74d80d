/** Benchmark servers in child processes (bench/http/server.mjs), one per app. */
import { execFileSync, fork } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

const serverEntry = fileURLToPath(new URL('../http/server.mjs', import.meta.url))

/** `taskset`'s path, when this Linux machine has it. */
function tasksetPath() {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).trim() || undefined
    )
  } catch {
    return undefined
  }
}

/**
 * Where servers run once {@link pinLoadGenerator} has pinned this process.
 *
 * @type {{ taskset: string, core: string, all: string } | undefined}
 */
let serverCore

/**
 * Pins this process (the load generator, every thread) to all cores but the last, and every server
 * started after it to the last core. Unpinned, the scheduler places each long-lived server process
 * where it likes, and one that shares a core with the load generator for a run pays for it in CPU
 * per request; pinned, every server runs on the same core in turn. This removes one variable from
 * the server rows, not every one: the revocation on/off pair, 16-19% apart in some sets of runs,
 * stayed apart in one pinned set too. No-op without `taskset`, on one core, or with BENCH_PIN=0.
 *
 * @returns {string | undefined} the servers' core, when pinned
 */
export function pinLoadGenerator() {
  const cores = availableParallelism()
  const taskset = tasksetPath()
  if (process.env.BENCH_PIN === '0' || cores < 2 || taskset === undefined) return undefined
  execFileSync(taskset, ['-a', '-cp', `0-${cores - 2}`, String(process.pid)], { stdio: 'ignore' })
  // `all`: availableParallelism() counts the cores this process may use, one once it is pinned.
  serverCore = { taskset, core: String(cores - 1), all: `0-${cores - 1}` }
  return serverCore.core
}

/**
 * Gives this process every core again, and servers started after it run unpinned: for the steps
 * that measure processes of their own (memory, cold start) or this one alone (micro-benchmarks),
 * where a core taken away only slows the run down.
 */
export function unpinLoadGenerator() {
  if (serverCore === undefined) return
  execFileSync(serverCore.taskset, ['-a', '-cp', serverCore.all, String(process.pid)], {
    stdio: 'ignore',
  })
  serverCore = undefined
}

/** The suffix of an app name that runs the same app in a process of its own (an A/A copy). */
export const AA_COPY = ' (A/A copy)'

/** The name of process `k` (0-based) of `app`: the app itself, then its A/A copy, then `(copy 3)`... */
export function copyName(app, k) {
  return k === 0 ? app : k === 1 ? `${app}${AA_COPY}` : `${app} (copy ${k + 1})`
}

/** The app an A/A copy (`<app> (A/A copy)`, `<app> (copy 3)`) runs; any other name is itself. */
export function baseApp(name) {
  return name.replace(/ \((?:A\/A copy|copy \d+)\)$/, '')
}

/**
 * V8 flags of every benchmark server process, whatever it serves (bare, control, peer or
 * scopeguard). `--no-allocation-site-pretenuring` leaves out a state that about 2% of server
 * processes fell into here, bare ones included (7 of 375 traced), and stayed in for the rest of
 * their life: a concurrent mark-compact every ~170 ms under load (the old generation refilled by
 * each request's garbage), V8's worker threads using 3-4x their CPU, and 2-3x the CPU per request
 * of the same server in another process. That is what V8's allocation-site pretenuring does when it
 * decides, for good, to allocate a per-request object literal straight in the old generation (it
 * does so when a full-size scavenge finds 85% of at least 100 of them alive); with the flag none of
 * 153 processes fell into it, and the others cost what they did. A production server under steady
 * load can meet the same state; a benchmark row should measure the code it names, not one process's
 * lot. BENCH_PRETENURING=1 runs V8's default.
 */
export const SERVER_V8_FLAGS =
  process.env.BENCH_PRETENURING === '1' ? [] : ['--no-allocation-site-pretenuring']

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
      // `taskset -c <core> node ...`: the IPC channel and environment pass through taskset's exec.
      ...(serverCore === undefined
        ? { execArgv: [...process.execArgv, ...SERVER_V8_FLAGS] }
        : {
            execPath: serverCore.taskset,
            execArgv: [
              '-c',
              serverCore.core,
              process.execPath,
              ...process.execArgv,
              ...SERVER_V8_FLAGS,
            ],
          }),
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
