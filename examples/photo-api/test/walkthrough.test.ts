import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEMO_PHOTO,
  formatWalkthrough,
  walkthroughSteps,
  type WalkthroughStep,
} from '../src/walkthrough.js'
import { startExample, type Harness } from './harness.js'
import { E2E_FRAMEWORKS } from './frameworks.js'

const repoRoot = new URL('../../../', import.meta.url)

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

describe.each(E2E_FRAMEWORKS)('the printed walk-through on %s', (framework) => {
  let app: Harness
  beforeAll(async () => {
    app = await startExample({ FRAMEWORK: framework })
  })
  afterAll(() => app.stop())

  it('does what each step says, in order', async () => {
    const vars: Record<string, string> = {}
    const seen: [string, number][] = []
    for (const step of walkthroughSteps(app.url, app.devIssuerUrl!)) {
      const response = await perform(step, vars)
      seen.push([step.title, response.status])
      if (step.capture !== undefined) {
        const value = ((await response.json()) as Record<string, unknown>)[step.capture.member]
        expect(typeof value).toBe('string')
        vars[step.capture.variable] = value as string
      }
      if (step.metric !== undefined) {
        // What `grep` keeps: the 401 (no token) and the 403 (read-only upload) steps, counted once.
        const lines = (await response.text())
          .split('\n')
          .filter((line) => line.startsWith(step.metric!))
        expect(lines).toContainEqual(
          expect.stringMatching(
            /^\S+\{outcome="refused",reason="missing_token",scheme="none".*\} 1$/,
          ),
        )
        expect(lines).toContainEqual(
          expect.stringMatching(
            /^\S+\{outcome="refused",reason="insufficient_scope",scheme="bearer".*\} 1$/,
          ),
        )
      }
      if (step.url.endsWith('/content')) {
        expect(response.headers.get('content-type')).toBe('image/png')
        expect(Buffer.from(await response.arrayBuffer())).toEqual(
          await readFile(new URL(DEMO_PHOTO, repoRoot)),
        )
      }
    }
    expect(seen).toEqual(
      walkthroughSteps(app.url, app.devIssuerUrl!).map((s) => [s.title, s.expectStatus]),
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
