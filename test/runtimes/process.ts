/**
 * Starts a runtime's server as a child process and waits, bounded in time, for the `{"port":N}`
 * line it prints once listening. `stop()` kills it (and is safe to call twice).
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** A running server process. */
export interface ServerProcess {
  url: string
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string
  stop(): Promise<void>
}

/**
 * Spawns `command args` and resolves once it printed its port, or rejects after `timeoutMs` (the
 * process is killed then).
 *
 * @example
 * ```ts
 * const server = await startServer(bunBinary, ['run', bundle.file, config], 20_000)
 * try { await send(`${server.url}/health`) } finally { await server.stop() }
 * ```
 */
export function startServer(
  command: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const stop = () => kill(child)
  return new Promise<ServerProcess>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer)
      void stop().then(() =>
        reject(
          new Error(`${command} ${args[0] ?? ''}: ${reason}\nstderr: ${stderr.slice(0, 4000)}`),
        ),
      )
    }
    const timer = setTimeout(() => fail(`no port printed within ${timeoutMs} ms`), timeoutMs)
    child.on('error', (error) => fail(error.message))
    child.on('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`))
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      const match = /\{"port":(\d+)\}/.exec(stdout)
      if (match === null) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      resolve({ url: `http://127.0.0.1:${match[1]}`, stderr: () => stderr, stop })
    })
  })
}

/** Kills `child` (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
