import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CLIENTS } from '../src/dev-issuer.js'
import { E2E_FRAMEWORKS } from './frameworks.js'
import { accessToken, call, startExample, type Harness } from './harness.js'

/** The `scopeguard_verifications_total` samples of a scrape, keyed `outcome/reason/scheme`. */
function verifications(text: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^scopeguard_verifications_total\{([^}]*)\} (\d+)/.exec(line)
    if (match === null) continue
    const labels = Object.fromEntries(
      [...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, value]),
    )
    counts.set(`${labels.outcome}/${labels.reason}/${labels.scheme}`, Number(match[2]))
  }
  return counts
}

/** Every 16 characters of every segment of `tokens`: finding one in a scrape means a leak. */
function fragments(tokens: string[]): string[] {
  return tokens.flatMap((token) =>
    token
      .split('.')
      .flatMap((segment) =>
        Array.from({ length: Math.floor(segment.length / 16) }, (_, i) =>
          segment.slice(i * 16, i * 16 + 16),
        ),
      ),
  )
}

describe.each(E2E_FRAMEWORKS)('GET /metrics of the photo API on %s', (framework) => {
  let app: Harness
  let writer: string
  let reader: string
  const scrape = async (): Promise<{ status: number; type: string | null; text: string }> => {
    const response = await call(`${app.url}/metrics`)
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    }
  }

  beforeAll(async () => {
    app = await startExample({ FRAMEWORK: framework })
    writer = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.writer)
    reader = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.reader)
  })
  afterAll(() => app.stop())

  it('counts a 401 and a 403 in scopeguard_verifications_total by outcome and reason, and shows no token', async () => {
    expect((await call(`${app.url}/photos`, writer)).status).toBe(200) // the key set is fetched
    const before = await scrape()
    expect(before.status).toBe(200)
    expect(before.type).toMatch(/^text\/plain/)
    const counts = verifications(before.text)
    expect(counts.get('accepted/none/bearer')).toBe(1)

    const tampered = `${writer.slice(0, -4)}AAAA`
    expect((await call(`${app.url}/photos`, tampered)).status).toBe(401)
    expect((await call(`${app.url}/photos`)).status).toBe(401)
    const upload = await call(`${app.url}/photos`, reader, {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'image/png' },
    })
    expect(upload.status).toBe(403)

    const after = await scrape()
    const moved = verifications(after.text)
    const delta = (key: string): number => (moved.get(key) ?? 0) - (counts.get(key) ?? 0)
    expect({
      badSignature: delta('refused/bad_signature/bearer'),
      noToken: delta('refused/missing_token/none'),
      scope: delta('refused/insufficient_scope/bearer'),
      // The 403's token was itself accepted: a 403 counts as an accepted token plus a refusal.
      accepted: delta('accepted/none/bearer'),
    }).toEqual({ badSignature: 1, noToken: 1, scope: 1, accepted: 1 })
    expect(after.text).toMatch(
      /^scopeguard_verification_duration_seconds_count\{outcome="refused"/m,
    )
    expect(after.text).toMatch(/^scopeguard_jwks_fetches_total\{result="ok"[^}]*\} 1$/m)
    for (const piece of fragments([writer, reader, tampered])) {
      expect(after.text).not.toContain(piece)
    }
  })
})
