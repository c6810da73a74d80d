import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { fetchJson, FetchFailure, parseMaxAge, type FetchLimits } from '../src/http-fetch.js'

const ORIGIN = 'https://keys.example'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  vi.useRealTimers()
})
afterAll(() => server.close())

const limits = (extra: Partial<FetchLimits> = {}): FetchLimits => ({
  fetch: (input, init) => globalThis.fetch(input, init),
  timeoutMs: 5000,
  maxBytes: 1024,
  ...extra,
})
const get = (path: string, extra?: Partial<FetchLimits>) =>
  fetchJson(new URL(path, ORIGIN), limits(extra))

/** The failure message of a rejected fetch (and that it is a FetchFailure). */
async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FetchFailure)
  return (error as FetchFailure).message
}

describe('fetchJson', () => {
  it('returns the JSON document and the max-age the server sent', async () => {
    server.use(
      http.get(`${ORIGIN}/jwks`, () =>
        HttpResponse.json({ keys: [] }, { headers: { 'cache-control': 'public, max-age=120' } }),
      ),
    )
    await expect(get('/jwks')).resolves.toEqual({ json: { keys: [] }, maxAge: 120, status: 200 })
  })

  it('sends a GET that asks for JSON and does not follow redirects by itself', async () => {
    const seen: RequestInit[] = []
    const fetch: typeof globalThis.fetch = (_input, init) => {
      seen.push(init ?? {})
      return Promise.resolve(Response.json({ ok: true }))
    }
    await get('/jwks', { fetch })
    expect(seen[0]).toMatchObject({
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
    })
    expect(seen[0]?.signal).toBeInstanceOf(AbortSignal)
  })

  it('calls fetch as a plain function, as Cloudflare Workers require (no other `this`)', async () => {
    const thisValues: unknown[] = []
    // Workers throw "Illegal invocation" when their fetch runs with another object as `this`.
    const fetch = function (this: unknown) {
      thisValues.push(this)
      if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation')
      return Promise.resolve(Response.json({ ok: true }))
    } as typeof globalThis.fetch
    await expect(get('/jwks', { fetch })).resolves.toEqual({
      json: { ok: true },
      maxAge: undefined,
      status: 200,
    })
    expect(thisValues).toEqual([undefined])
  })

  it('follows up to three same-origin redirects', async () => {
    for (const [from, to] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
    ] as const) {
      server.use(
        http.get(
          `${ORIGIN}/${from}`,
          () => new HttpResponse(null, { status: 302, headers: { location: `/${to}` } }),
        ),
      )
    }
    server.use(http.get(`${ORIGIN}/d`, () => HttpResponse.json({ keys: ['d'] })))
    await expect(get('/a')).resolves.toMatchObject({ json: { keys: ['d'] } })
  })

  it('refuses a fourth redirect', async () => {
    let hops = 0
    server.use(
      http.get(`${ORIGIN}/loop`, () => {
        hops++
        return new HttpResponse(null, { status: 301, headers: { location: '/loop' } })
      }),
    )
    expect(await failure(get('/loop'))).toBe(
      'https://keys.example/loop redirected to another origin or too often',
    )
    expect(hops).toBe(4)
  })

  it('refuses a redirect to another origin without following it', async () => {
    const other = vi.fn(() => HttpResponse.json({ keys: [] }))
    server.use(
      http.get(`${ORIGIN}/jwks`, () => HttpResponse.redirect('https://attacker.example/jwks', 307)),
      http.get('https://attacker.example/jwks', other),
    )
    expect(await failure(get('/jwks'))).toMatch(/redirected to another origin/)
    expect(other).not.toHaveBeenCalled()
  })

  it('refuses a redirect without a usable Location', async () => {
    server.use(
      http.get(`${ORIGIN}/none`, () => new HttpResponse(null, { status: 302 })),
      http.get(
        `${ORIGIN}/bad`,
        () => new HttpResponse(null, { status: 302, headers: { location: 'http://[::1' } }),
      ),
    )
    expect(await failure(get('/none'))).toMatch(/redirected/)
    expect(await failure(get('/bad'))).toMatch(/redirected/)
  })

  it('reports a non-2xx status without reading the body into the message', async () => {
    server.use(http.get(`${ORIGIN}/jwks`, () => new HttpResponse('secret body', { status: 500 })))
    expect(await failure(get('/jwks'))).toBe('https://keys.example/jwks answered 500')
  })

  it('reports invalid JSON', async () => {
    server.use(http.get(`${ORIGIN}/jwks`, () => new HttpResponse('{"keys": [', { status: 200 })))
    expect(await failure(get('/jwks'))).toBe('https://keys.example/jwks did not send valid JSON')
  })

  it('treats a missing body as an empty, invalid document', async () => {
    const fetch = () => Promise.resolve(new Response(null, { status: 200 }))
    expect(await failure(get('/jwks', { fetch }))).toMatch(/did not send valid JSON/)
  })

  it('refuses a body whose declared length exceeds the limit before reading it', async () => {
    server.use(
      http.get(
        `${ORIGIN}/jwks`,
        () => new HttpResponse('{}', { headers: { 'content-length': '5000' } }),
      ),
    )
    const fetch: typeof globalThis.fetch = () =>
      Promise.resolve(new Response('{}', { headers: { 'content-length': '5000' } }))
    expect(await failure(get('/jwks', { fetch }))).toBe(
      'https://keys.example/jwks sent more than 1024 bytes',
    )
  })

  it('stops reading a streamed body as soon as it passes the limit', async () => {
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(600).fill(32))
      },
    })
    const fetch = () => Promise.resolve(new Response(stream))
    expect(await failure(get('/jwks', { fetch }))).toMatch(/sent more than 1024 bytes/)
    expect(pulled).toBeLessThan(5)
  })

  it('joins a body sent in several chunks', async () => {
    const parts = ['{"ke', 'ys":', '[]}']
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift()
        if (part === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(part))
      },
    })
    const fetch = () => Promise.resolve(new Response(stream))
    await expect(get('/jwks', { fetch })).resolves.toEqual({
      json: { keys: [] },
      maxAge: undefined,
      status: 200,
    })
  })

  it('reports a body that breaks off', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"keys"'))
        controller.error(new Error('connection reset'))
      },
    })
    const fetch = () => Promise.resolve(new Response(stream))
    expect(await failure(get('/jwks', { fetch }))).toBe(
      'https://keys.example/jwks broke off its answer',
    )
  })

  it('reports a network error', async () => {
    server.use(http.get(`${ORIGIN}/jwks`, () => HttpResponse.error()))
    expect(await failure(get('/jwks'))).toBe('https://keys.example/jwks could not be fetched')
  })

  it('aborts a key server that does not answer within the timeout (fake timers)', async () => {
    vi.useFakeTimers()
    let signal: AbortSignal | undefined
    const fetch: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        signal = init?.signal ?? undefined
        signal?.addEventListener('abort', () => reject(new Error('aborted')))
      })
    const pending = failure(get('/jwks', { fetch, timeoutMs: 2000 }))
    await vi.advanceTimersByTimeAsync(1999)
    expect(signal?.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await pending).toBe('https://keys.example/jwks did not answer within 2000 ms')
  })

  it('aborts a body that trickles in past the timeout', async () => {
    vi.useFakeTimers()
    const fetch: typeof globalThis.fetch = (_input, init) => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{'))
          init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')))
        },
      })
      return Promise.resolve(new Response(stream))
    }
    const pending = failure(get('/jwks', { fetch, timeoutMs: 1000 }))
    await vi.advanceTimersByTimeAsync(1000)
    expect(await pending).toBe('https://keys.example/jwks did not answer within the time limit')
  })
})

describe('failure kinds (for events and metrics)', () => {
  const body = (start: (controller: ReadableStreamDefaultController<Uint8Array>) => void) =>
    new Response(new ReadableStream<Uint8Array>({ start }))
  it.each([
    ['http_error', 500, () => new Response(null, { status: 500 })],
    ['http_error', 302, () => new Response(null, { status: 302, headers: { location: '/' } })],
    ['invalid', 200, () => new Response('{', { status: 200 })],
    ['too_large', 200, () => new Response('{}', { headers: { 'content-length': '5000' } })],
    ['too_large', 200, () => body((c) => c.enqueue(new Uint8Array(2000)))],
    ['network_error', 200, () => body((c) => c.error(new Error('connection reset')))],
  ] as const)(
    'classifies a fetch that fails as %s, with status %s',
    async (kind, status, answer) => {
      const fetch = () => Promise.resolve(answer())
      const error = await get('/jwks', { fetch }).catch((e: unknown) => e)
      expect(error).toMatchObject({ kind, status })
    },
  )

  it('classifies a refused connection as network_error without a status', async () => {
    const fetch = () => Promise.reject(new TypeError('fetch failed'))
    const error = await get('/jwks', { fetch }).catch((e: unknown) => e)
    expect(error).toMatchObject({ kind: 'network_error', status: undefined })
  })

  it('classifies both timeouts (no answer, body too slow) as timeout', async () => {
    vi.useFakeTimers()
    const silent: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))
      })
    const slow: typeof globalThis.fetch = (_input, init) =>
      Promise.resolve(
        body((c) => init?.signal?.addEventListener('abort', () => c.error(new Error('aborted')))),
      )
    const pending = [silent, slow].map((fetch) =>
      get('/jwks', { fetch, timeoutMs: 1000 }).catch((e: unknown) => e),
    )
    await vi.advanceTimersByTimeAsync(1000)
    expect(await Promise.all(pending)).toMatchObject([
      { kind: 'timeout', status: undefined },
      { kind: 'timeout', status: 200 },
    ])
  })
})

describe('parseMaxAge', () => {
  it.each([
    [null, undefined],
    ['max-age=300', 300],
    ['public, Max-Age = 60, must-revalidate', 60],
    ['max-age="45"', 45],
    ['no-store', 0],
    ['max-age=600, no-cache', 0],
    ['public', undefined],
    ['max-age=abc', undefined],
  ])('reads %j as %j', (header, expected) => {
    expect(parseMaxAge(header)).toBe(expected)
  })
})
