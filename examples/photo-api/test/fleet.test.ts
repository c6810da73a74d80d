/**
 * A fleet: photo-API processes served by different frameworks, sharing one real redis-server
 * (`REDIS_URL`), all trusting one development issuer. A revocation stored with the example's CLI
 * reaches every process within the sync delay, and a process started afterwards refuses the token
 * from its first request.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../../test/support/redis-server.js'
import { DEMO_CLIENTS, startDevIssuer, type DevIssuer } from '../src/dev-issuer.js'
import { tempDataDir } from './fixtures.js'
import { accessToken, call } from './harness.js'

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url))
const children: ChildProcess[] = []
let redis: RedisServer
let issuer: DevIssuer
let data: Awaited<ReturnType<typeof tempDataDir>>

beforeAll(async () => {
  if (!existsSync(dist('revoke.js'))) {
    throw new Error(`${dist('revoke.js')} is missing: run "npx tsc -b" (npm test's pretest does)`)
  }
  redis = await startRedisServer()
  issuer = await startDevIssuer({ port: 0 })
  data = await tempDataDir()
}, 30_000)

afterAll(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  await issuer?.stop()
  await redis?.stop()
  await data?.cleanup()
})

/** Starts one photo API process on a free port; resolves its URL once it listens. */
async function startInstance(framework: string): Promise<string> {
  const child = spawn(process.execPath, [dist('main.js')], {
    env: {
      ...process.env,
      FRAMEWORK: framework,
      PORT: '0',
      DATA_DIR: data.dir,
      ISSUER: issuer.url,
      CLIENT_ID: `${DEMO_CLIENTS.writer.id},${DEMO_CLIENTS.reader.id}`,
      REDIS_URL: redis.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  for (let i = 0; i < 600; i++) {
    const match = /listening on (http:\/\/\S+)\n/.exec(output)
    if (match !== null) return match[1]!
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${framework} did not start:\n${output}`)
}

/** Runs the revocation CLI; resolves its exit code and output. */
function revoke(...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [dist('revoke.js'), ...args], {
    env: { ...process.env, REDIS_URL: redis.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })))
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, string>

const statuses = (urls: readonly string[], token: string) =>
  Promise.all(urls.map(async (url) => (await call(`${url}/photos`, token)).status))

describe('three photo APIs (Express, Koa, Fastify) sharing one Redis', () => {
  let urls: string[]
  beforeAll(async () => {
    urls = await Promise.all(['express', 'koa', 'fastify'].map(startInstance))
  }, 60_000)

  it('refuse a token on all three within the sync delay once the CLI revoked its jti', async () => {
    const token = await accessToken(issuer.url, DEMO_CLIENTS.reader)
    const other = await accessToken(issuer.url, DEMO_CLIENTS.reader)
    expect(await statuses(urls, token)).toEqual([200, 200, 200])
    const { code, output } = await revoke('--jti', claimsOf(token).jti!)
    expect(output).toMatch(/^revoked jti /)
    expect(code).toBe(0)
    const stored = Date.now()
    let answers = await statuses(urls, token)
    while (answers.some((status) => status !== 401) && Date.now() - stored < 1500) {
      answers = await statuses(urls, token)
    }
    const delay = Date.now() - stored
    expect(answers).toEqual([401, 401, 401])
    expect(delay).toBeLessThan(1500) // the 1 s bound, plus the requests' own time on a busy machine
    const refused = await call(`${urls[0]}/photos`, token)
    expect(refused.headers.get('www-authenticate')).toContain(
      'error_description="The access token was revoked"',
    )
    expect(await statuses(urls, other)).toEqual([200, 200, 200])
  }, 30_000)

  it('refuse every earlier token of a signed-out subject, and a process started afterwards refuses it from its first request', async () => {
    const token = await accessToken(issuer.url, DEMO_CLIENTS.writer)
    expect(await statuses(urls, token)).toEqual([200, 200, 200])
    // iat has a one-second resolution: a sign-out in the same second as the token covers it.
    const { code } = await revoke('--subject', claimsOf(token).sub!)
    expect(code).toBe(0)
    const late = await startInstance('nestjs')
    expect(await statuses([late], token)).toEqual([401])
    const deadline = Date.now() + 1500
    let answers = await statuses(urls, token)
    while (answers.some((status) => status !== 401) && Date.now() < deadline) {
      answers = await statuses(urls, token)
    }
    expect(answers).toEqual([401, 401, 401])
  }, 60_000)

  it('the CLI refuses bad arguments and an unreachable Redis with exit code 1', async () => {
    const usage = await revoke('--email', 'x')
    expect(usage.code).toBe(1)
    expect(usage.output).toContain('usage: REDIS_URL=redis://... npm run revoke')
    const child = spawn(process.execPath, [dist('revoke.js'), '--jti', 'x'], {
      env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: 'ignore',
    })
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1)
  }, 30_000)
})
