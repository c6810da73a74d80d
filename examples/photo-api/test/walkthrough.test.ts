import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DpopMode } from '../src/config.js'
import {
  DEMO_PHOTO,
  dpopCallArgv,
  formatWalkthrough,
  walkthroughSteps,
  type WalkthroughStep,
} from '../src/walkthrough.js'
import { startExample, type Harness } from './harness.js'
import { E2E_FRAMEWORKS } from './frameworks.js'

const repoRoot = new URL('../../../', import.meta.url)
const dpopCall = fileURLToPath(new URL('../dist/dpop-call.js', import.meta.url))
const run = promisify(execFile)

/** Runs a printed `npm run dpop-call` step as that script runs: a child process, from the root. */
async function performDpop(step: WalkthroughStep): Promise<{ status: number; text: string }> {
  const { stdout } = await run(process.execPath, [dpopCall, ...dpopCallArgv(step)], {
    cwd: fileURLToPath(repoRoot),
  })
  const exchanges = [...stdout.matchAll(/^[A-Z]+ http\S+: (\d{3})/gm)]
  return { status: Number(exchanges.at(-1)?.[1]), text: stdout }
}

/** Performs what a printed curl command does, with the shell variables of earlier steps. */
async function perform(step: WalkthroughStep, vars: Record<string, string>): Promise<Response> {
  const headers = new Headers()
  let body: BodyInit | undefined
  if (step.client !== undefined) {
    headers.set(
      'authorization',
      `Basic ${Buffer.from(`${step.client.id}:${step.client.secret}`).toString('base64')}`,
    )
    body = new URLSearchParams({ grant_type: 'client_credentials' })
  }
  if (step.token !== undefined) headers.set('authorization', `Bearer ${vars[step.token]}`)
  if (step.upload === true) {
    headers.set('content-type', 'image/png')
    body = await readFile(new URL(DEMO_PHOTO, repoRoot))
  }
  const url = step.url.replace('$PHOTO_ID', vars.PHOTO_ID ?? '')
  return fetch(url, { method: step.method, headers, body })
}

const MODES: readonly [string, DpopMode][] = E2E_FRAMEWORKS.flatMap((framework) =>
  (['off', 'allowed', 'required'] as const).map((mode): [string, DpopMode] => [framework, mode]),
)

describe.each(MODES)('the printed walk-through on %s with DPOP=%s', (framework, dpop) => {
  let app: Harness
  beforeAll(async () => {
    app = await startExample({ FRAMEWORK: framework, DPOP: dpop })
  })
  afterAll(() => app.stop())

  it('does what each step says, in order', async () => {
    const vars: Record<string, string> = {}
    const seen: [string, number][] = []
    for (const step of walkthroughSteps(app.url, app.devIssuerUrl!, dpop)) {
      if (step.dpop !== undefined) {
        const { status, text } = await performDpop(step)
        seen.push([step.title, status])
        expect(text).toContain('token_type DPoP: the token is bound to this key (cnf.jkt)')
        continue
      }
      const response = await perform(step, vars)
      seen.push([step.title, response.status])
      if (step.capture !== undefined) {
        const value = ((await response.json()) as Record<string, unknown>)[step.capture.member]
        expect(typeof value).toBe('string')
        vars[step.capture.variable] = value as string
      }
      if (step.metric !== undefined) {
        const lines = (await response.text())
          .split('\n')
          .filter((line) => line.startsWith(step.metric!))
        // What `grep` keeps: the 401 (no token) step counted once (twice with DPOP=required,
        // where a bearer token counts as no credentials), the DPoP calls by scheme.
        const missing = dpop === 'required' ? 2 : 1
        expect(lines).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^\\S+\\{outcome="refused",reason="missing_token",scheme="none".*\\} ${missing}$`,
            ),
          ),
        )
        if (dpop === 'off') {
          expect(lines).toContainEqual(
            expect.stringMatching(
              /^\S+\{outcome="refused",reason="insufficient_scope",scheme="bearer".*\} 1$/,
            ),
          )
        } else {
          expect(lines).toContainEqual(
            expect.stringMatching(/^\S+\{outcome="accepted",reason="none",scheme="dpop".*\} 2$/),
          )
        }
      }
      if (step.url.endsWith('/content')) {
        expect(response.headers.get('content-type')).toBe('image/png')
        expect(Buffer.from(await response.arrayBuffer())).toEqual(
          await readFile(new URL(DEMO_PHOTO, repoRoot)),
        )
      }
    }
    expect(seen).toEqual(
      walkthroughSteps(app.url, app.devIssuerUrl!, dpop).map((s) => [s.title, s.expectStatus]),
    )
  })
})

describe('the walk-through text', () => {
  it('is in the README exactly as printed with the default ports', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    expect(readme).toContain(
      formatWalkthrough(walkthroughSteps('http://127.0.0.1:3000', 'http://127.0.0.1:3001')),
    )
  })

  it('has the DPoP calls of DPOP=allowed and the DPOP=required walk-through in the README', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const api = 'http://127.0.0.1:3000'
    const issuer = 'http://127.0.0.1:3001'
    const dpopOnly = walkthroughSteps(api, issuer, 'allowed').filter((s) => s.dpop !== undefined)
    expect(readme).toContain(formatWalkthrough(dpopOnly))
    expect(readme).toContain(formatWalkthrough(walkthroughSteps(api, issuer, 'required')))
    expect(formatWalkthrough(dpopOnly)).toContain(
      'npm run -s dpop-call --workspace examples/photo-api -- --client reader GET "http://127.0.0.1:3000/photos?limit=10"',
    )
  })

  it('prints shell commands that capture tokens and ids and quote URLs with variables', () => {
    const text = formatWalkthrough(
      walkthroughSteps('http://127.0.0.1:3000', 'http://127.0.0.1:3001'),
    )
    expect(text.split('\n').filter((line) => !line.startsWith('#') && line !== '')).toContain(
      `curl -si -X DELETE -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:3000/photos/$PHOTO_ID"`,
    )
    expect(text).toContain(
      `export TOKEN=$(curl -s -u photo-demo-client:photo-demo-secret -d grant_type=client_credentials http://127.0.0.1:3001/token | node -pe "JSON.parse(require('fs').readFileSync(0, 'utf8')).access_token")`,
    )
  })
})
