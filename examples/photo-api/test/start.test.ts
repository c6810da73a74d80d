import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_CLIENTS } from '../src/dev-issuer.js'
import { formatWalkthrough, walkthroughSteps } from '../src/walkthrough.js'
import { tempDataDir } from './fixtures.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import { accessToken, call } from './harness.js'

const entry = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

/** Runs the built entry (`npm start` runs it after `tsc -b`) and collects its output. */
function run(env: Record<string, string>) {
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run "npx tsc -b" (npm test's pretest does)`)
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const printed = async (text: RegExp): Promise<RegExpExecArray> => {
    // Up to 25 s: a busy machine can take that long to start Node, Nest and the dev issuer.
    for (let i = 0; i < 500; i++) {
      const match = text.exec(stdout)
      if (match !== null) return match
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`not printed: ${String(text)}\n${stdout}\n${stderr}`)
  }
  return { child, exited, printed, output: () => ({ stdout, stderr }) }
}

describe('the built entry (npm start)', () => {
  it.each(E2E_FRAMEWORKS)(
    'starts %s from the tsc output with the dev issuer, prints the walk-through, serves, and stops on SIGTERM',
    async (framework) => {
      const data = await tempDataDir()
      try {
        const app = run({
          PORT: '0',
          DEV_ISSUER_PORT: '0',
          DATA_DIR: data.dir,
          FRAMEWORK: framework,
        })
        const [, url] = await app.printed(/listening on (http:\/\/\S+)\n/)
        const [, issuer] = await app.printed(
          /development issuer \(no ISSUER set\) at (http:\/\/\S+)\n/,
        )
        await app.printed(/Gone: 404\n.*\n/)
        expect(app.output().stdout).toContain(formatWalkthrough(walkthroughSteps(url!, issuer!)))
        expect((await call(`${url}/health`)).status).toBe(200)
        const token = await accessToken(issuer!, DEMO_CLIENTS.reader)
        const list = await call(`${url}/photos`, token)
        expect([list.status, await list.json()]).toEqual([200, { items: [], nextCursor: null }])
        app.child.kill('SIGTERM')
        expect(await app.exited).toBe(0)
        expect(app.output().stdout).toContain('SIGTERM: stopping')
      } finally {
        await data.cleanup()
      }
    },
    60_000,
  )

  it('stops at once with a message when ISSUER is set without AUDIENCE or CLIENT_ID', async () => {
    const app = run({ ISSUER: 'https://issuer.example', PORT: '0' })
    expect(await app.exited).toBe(1)
    expect(app.output().stderr).toBe(
      'photo-api: configuration error: ISSUER is set but neither AUDIENCE nor CLIENT_ID is: set AUDIENCE (the aud your tokens carry) or CLIENT_ID (the app clients allowed, e.g. for Cognito access tokens)\n',
    )
  })
  it.each([
    [{ DPOP: 'maybe' }, 'DPOP=maybe is unknown: use one of off, allowed, required'],
    [
      { DPOP: 'required', DPOP_NONCE_SECRET: 'too-short' },
      'DPOP_NONCE_SECRET is 9 characters long: use a random secret of at least 32 characters (e.g. openssl rand -base64 32)',
    ],
    [
      { TLS_CERT: '/nonexistent/server.pem', TLS_KEY: '/nonexistent/server-key.pem' },
      'TLS_CERT=/nonexistent/server.pem cannot be read (ENOENT): give the path of a PEM file',
    ],
  ])('stops at once with a message for %j', async (env, message) => {
    const app = run({ PORT: '0', DEV_ISSUER_PORT: '0', ...env })
    expect(await app.exited).toBe(1)
    expect(app.output()).toEqual({
      stdout: '',
      stderr: `photo-api: configuration error: ${message}\n`,
    })
  })
})
