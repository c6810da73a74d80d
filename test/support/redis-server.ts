/**
 * A real `redis-server` for tests: started on a free loopback port with no persistence, waited
 * for until it answers PING, and stopped (or killed, paused, resumed and restarted on the same port
 * for the fault tests). Needs the `redis-server` binary (Debian/Ubuntu: `apt-get install
 * redis-server`; macOS: `brew install redis`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'

/** A running redis-server of a test. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** SIGKILL: the process and its (unpersisted) data are gone. */
  kill(): Promise<void>
  /** SIGSTOP: connections stay open, nothing answers. */
  pause(): void
  /** SIGCONT after {@link RedisServer.pause}. */
  resume(): void
  /** Starts a fresh process on the same port (after {@link RedisServer.kill}). */
  restart(): Promise<void>
  /** Stops the process (SIGTERM, then SIGKILL). */
  stop(): Promise<void>
}

const TMP = process.env.TMPDIR ?? '/tmp'

/** A free loopback port: bind port 0, read the port, release it. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Sends one inline command over a fresh socket; the first chunk of the reply, or '' on failure. */
function inline(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(500, () => {
      socket.destroy()
      resolve('')
    })
    socket.on('error', () => resolve(''))
    socket.on('connect', () => socket.write(`${command}\r\n`))
    socket.on('data', (data) => {
      socket.destroy()
      resolve(data.toString())
    })
  })
}

/** Resolves once the server answers PING, within `timeoutMs`. */
async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if ((await inline(port, 'PING')).startsWith('+PONG')) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts `redis-server` on a free loopback port (`--save '' --appendonly no`). `extra` adds
 * arguments (e.g. `['--cluster-enabled', 'yes', ...]`).
 */
export async function startRedisServer(extra: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess
  const launch = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        TMP,
        '--loglevel',
        'warning',
        ...extra,
      ],
      { stdio: 'ignore' },
    )
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(new Error(`redis-server could not start (is it installed?): ${error.message}`)),
      )
    })
    await Promise.race([waitForPing(port), failed])
  }
  await launch()
  const kill = async (): Promise<void> => {
    child.kill('SIGCONT')
    child.kill('SIGKILL')
    await exited(child)
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    restart: launch,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGCONT')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited(child)
      clearTimeout(timer)
    },
  }
}

/**
 * A one-node Redis Cluster (cluster mode, every slot on the one node): enough for cluster clients
 * and for Redis's cross-slot checks, which apply whatever the number of nodes.
 */
export async function startRedisCluster(): Promise<RedisServer> {
  const configFile = `scopeguard-test-nodes-${process.pid}-${Date.now()}.conf`
  const server = await startRedisServer([
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    configFile,
    '--cluster-announce-ip',
    '127.0.0.1',
  ])
  await inline(server.port, 'CLUSTER ADDSLOTSRANGE 0 16383')
  const deadline = Date.now() + 10_000
  while (!(await inline(server.port, 'CLUSTER INFO')).includes('cluster_state:ok')) {
    if (Date.now() > deadline) throw new Error('the test cluster did not reach cluster_state:ok')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    ...server,
    async stop() {
      await server.stop()
      await rm(join(TMP, configFile), { force: true })
    },
  }
}

/**
 * A redis-server for the calling test file: started in `beforeAll`, stopped in `afterAll`.
 * `prefix()` gives each test a key prefix of its own (`<tag><n>:`), so tests share the server.
 */
export function redisForFile(tag: string): {
  readonly server: RedisServer
  readonly url: string
  prefix(): string
} {
  let started: RedisServer | undefined
  let n = 0
  beforeAll(async () => {
    started = await startRedisServer()
  }, 30_000)
  afterAll(() => started?.stop())
  return {
    get server() {
      if (started === undefined)
        throw new Error('redis-server starts in beforeAll: use it in a test')
      return started
    },
    get url() {
      return this.server.url
    },
    prefix: () => `${tag}${++n}:`,
  }
}
