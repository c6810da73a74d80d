/**
 * Runs one in-process benchmark in a fresh Node process. The verify micro-benchmarks time code in
 * the bench's own process; run there after other steps (or after a whole earlier run, with
 * BENCH_RUNS=3), they inherit a large heap whose collections land on whichever contender runs at
 * the time, and module copies loaded by an earlier run (same URLs) with their type feedback. In a
 * fresh process each run measures what it would measure first.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const RESULT = 'BENCH_ISOLATED_RESULT '

/**
 * Calls `exported(config)` of the bench module `file` (a path relative to bench/) in a child
 * process; its log lines are handed to `log` once it is done.
 *
 * @param {string} file e.g. 'micro.mjs'
 * @param {string} exported e.g. 'runMicro'
 * @param {Record<string, unknown>} config plain data (no functions; `log` is replaced)
 * @param {(line: string) => void} [log]
 */
export async function runIsolated(file, exported, config, log = () => undefined) {
  const { log: _dropped, ...data } = config
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [fileURLToPath(import.meta.url), file, exported],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, BENCH_ISOLATED_CONFIG: JSON.stringify(data) },
    },
  )
  let result
  for (const line of stdout.split('\n')) {
    if (line.startsWith(RESULT)) result = JSON.parse(line.slice(RESULT.length))
    else if (line !== '') log(line)
  }
  if (result === undefined) throw new Error(`${file} ${exported}: no result from the child process`)
  return result
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, exported] = process.argv.slice(2)
  const module = await import(
    pathToFileURL(fileURLToPath(new URL(`../${file}`, import.meta.url))).href
  )
  const config = JSON.parse(process.env.BENCH_ISOLATED_CONFIG ?? '{}')
  const result = await module[exported]({ ...config, log: (line) => console.log(line) })
  console.log(`${RESULT}${JSON.stringify(result)}`)
}
