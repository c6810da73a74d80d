/**
 * A redis-server for the fleet benchmark: a free loopback port, no persistence, stopped after.
 * Needs the `redis-server` binary (Debian/Ubuntu: apt-get install redis-server; macOS: brew
 * install redis).
 */
import { spawn } from 'node:child_process'
import { connect, createServer } from 'node:net'

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
  await new Promise((resolve) => server.close(() => resolve(undefined)))
  return port
}

function pong(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => resolve(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
  })
}

/** Starts redis-server; resolves `{ url, stop }` once it answers PING. */
export async function startRedis() {
  const port = await freePort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const failed = new Promise((_, reject) =>
    child.once('error', (error) => reject(new Error(`redis-server: ${error.message}`))),
  )
  const ready = (async () => {
    for (let i = 0; i < 200 && !(await pong(port)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  await Promise.race([ready, failed])
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(undefined))
        child.kill('SIGTERM')
      }),
  }
}
