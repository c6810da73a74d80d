import { readdir } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_PHOTO_BYTES } from '../src/domain/content-type.js'
import { DEMO_CLIENTS } from '../src/dev-issuer.js'
import { GIF, JPEG, PNG } from './fixtures.js'
import { accessToken, call, devToken, startExample, type Harness } from './harness.js'
import { E2E_FRAMEWORKS } from './frameworks.js'

describe.each(E2E_FRAMEWORKS)('photo API on %s with the development issuer', (framework) => {
  let app: Harness
  let writer: string
  let reader: string
  let challenge: string
  const upload = (bytes: Uint8Array, type: string | undefined, token = writer): Promise<Response> =>
    call(`${app.url}/photos`, token, {
      method: 'POST',
      body: bytes as Uint8Array<ArrayBuffer>,
      headers: type === undefined ? {} : { 'content-type': type },
    })

  // On Nest the adapter's exception filter answers OAuth errors in Nest's shape (with statusCode).
  const missingToken = {
    ...(framework === 'nestjs' ? { statusCode: 401 } : {}),
    error: 'missing_token',
    message: 'Bearer token required',
  }

  beforeAll(async () => {
    app = await startExample({ FRAMEWORK: framework })
    writer = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.writer)
    reader = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.reader)
    challenge = `Bearer resource_metadata="${app.url}/.well-known/oauth-protected-resource"`
  })
  afterAll(() => app.stop())

  it('answers /health and the RFC 9728 document without a token', async () => {
    const health = await call(`${app.url}/health`)
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }])
    const metadata = await call(`${app.url}/.well-known/oauth-protected-resource`)
    expect(metadata.status).toBe(200)
    expect(await metadata.json()).toEqual({
      resource: app.url,
      authorization_servers: [app.devIssuerUrl],
      scopes_supported: ['photos.read', 'photos.write'],
      bearer_methods_supported: ['header'],
    })
  })

  it('refuses every photo route without a token: 401 with the exact challenge', async () => {
    for (const [method, path] of [
      ['GET', '/photos'],
      ['POST', '/photos'],
      ['GET', '/photos/x'],
      ['GET', '/photos/x/content'],
      ['DELETE', '/photos/x'],
    ] as const) {
      const response = await call(`${app.url}${path}`, undefined, { method })
      expect([method, path, response.status, response.headers.get('www-authenticate')]).toEqual([
        method,
        path,
        401,
        challenge,
      ])
      expect(await response.json()).toEqual(missingToken)
    }
  })

  it('refuses a malformed token with 401 invalid_token and a token sent twice with 400', async () => {
    const bad = await call(`${app.url}/photos`, 'not.a.jwt')
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="The access token is malformed", resource_metadata="${app.url}/.well-known/oauth-protected-resource"`,
    )
    const twice = await fetch(`${app.url}/photos`, {
      headers: [
        ['authorization', `Bearer ${writer}`],
        ['authorization', `Bearer ${writer}`],
      ],
    })
    expect(twice.status).toBe(400)
  })

  it('lets the read-only client read but not write: 403 insufficient_scope with the exact challenge', async () => {
    expect((await call(`${app.url}/photos`, reader)).status).toBe(200)
    const refused = await upload(PNG, 'image/png', reader)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="photos.write"',
    )
    expect((await call(`${app.url}/photos/x`, reader, { method: 'DELETE' })).status).toBe(403)
  })

  it('uploads, serves metadata and bytes, and deletes', async () => {
    const created = await upload(JPEG, 'image/jpeg')
    expect(created.status).toBe(201)
    const photo = (await created.json()) as { id: string }
    expect(created.headers.get('location')).toBe(`/photos/${photo.id}`)
    expect(photo).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      contentType: 'image/jpeg',
      size: JPEG.length,
      createdAt: expect.any(String),
      owner: DEMO_CLIENTS.writer.id,
      clientId: DEMO_CLIENTS.writer.id,
    })
    const metadata = await call(`${app.url}/photos/${photo.id}`, reader)
    expect([metadata.status, await metadata.json()]).toEqual([200, photo])
    const content = await call(`${app.url}/photos/${photo.id}/content`, reader)
    expect(content.status).toBe(200)
    expect(content.headers.get('content-type')).toBe('image/jpeg')
    expect(Buffer.from(await content.arrayBuffer())).toEqual(JPEG)
    expect((await call(`${app.url}/photos/${photo.id}`, writer, { method: 'DELETE' })).status).toBe(
      204,
    )
    for (const path of [`/photos/${photo.id}`, `/photos/${photo.id}/content`]) {
      const gone = await call(`${app.url}${path}`, reader)
      expect([gone.status, await gone.json()]).toEqual([
        404,
        { error: 'not_found', message: 'No photo has this id' },
      ])
    }
    expect((await call(`${app.url}/photos/${photo.id}`, writer, { method: 'DELETE' })).status).toBe(
      404,
    )
  })

  it('refuses a chunked upload (no Content-Length) once it passes 5 MB with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${app.url}/photos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'image/png' },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write(PNG)
      const chunk = Buffer.alloc(1024 * 1024)
      for (let i = 0; i < 6; i++) req.write(chunk)
      req.end()
    })
    expect(status).toBe(413)
    expect(await readdir(join(app.dataDir, 'tmp'))).toEqual([])
  })

  it('refuses bad uploads with 415, 400 and 413 and writes nothing', async () => {
    const before = await readdir(join(app.dataDir, 'photos'))
    const cases: [Uint8Array, string | undefined, number, string][] = [
      [PNG, 'image/jpeg', 415, 'unsupported_media_type'],
      [PNG, 'text/plain', 415, 'unsupported_media_type'],
      [PNG, undefined, 415, 'unsupported_media_type'],
      [Buffer.from('{"a":1}'), 'application/json', 415, 'unsupported_media_type'],
      [new Uint8Array(0), 'image/png', 400, 'bad_request'],
      [Buffer.concat([GIF, Buffer.alloc(MAX_PHOTO_BYTES)]), 'image/gif', 413, 'payload_too_large'],
    ]
    for (const [bytes, type, status, error] of cases) {
      const response = await upload(bytes, type)
      expect([
        type,
        bytes.length,
        response.status,
        ((await response.json()) as { error: string }).error,
      ]).toEqual([type, bytes.length, status, error])
    }
    expect(await readdir(join(app.dataDir, 'photos'))).toEqual(before)
    expect(await readdir(join(app.dataDir, 'tmp'))).toEqual([])
  })

  it('lists newest first with limit and cursor, and refuses a bad limit or cursor with 400', async () => {
    const ids: string[] = []
    for (const [bytes, type] of [
      [PNG, 'image/png'],
      [GIF, 'image/gif'],
      [JPEG, 'image/jpeg'],
    ] as const) {
      ids.push(((await (await upload(bytes, type)).json()) as { id: string }).id)
    }
    const first = (await (await call(`${app.url}/photos?limit=2`, reader)).json()) as {
      items: { id: string }[]
      nextCursor: string
    }
    expect(first.items.map((p) => p.id)).toEqual([ids[2], ids[1]])
    const next = await call(`${app.url}/photos?limit=2&cursor=${first.nextCursor}`, reader)
    const second = (await next.json()) as { items: { id: string }[]; nextCursor: string | null }
    expect(second.items[0]?.id).toBe(ids[0])
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=1&limit=2',
      'cursor=nope!',
      'cursor=e30',
    ]) {
      const response = await call(`${app.url}/photos?${query}`, reader)
      expect([query, response.status]).toEqual([query, 400])
    }
  })

  it('answers an unknown route with 404', async () => {
    expect((await call(`${app.url}/nothing-here`)).status).toBe(404)
  })
})

describe('the development issuer', () => {
  let app: Harness
  beforeAll(async () => {
    app = await startExample({ RESOURCE_SERVER: 'https://photos.example.com' })
  })
  afterAll(() => app.stop())

  it('refuses unknown clients, wrong secrets, other grants and scopes the client may not have', async () => {
    const issuer = app.devIssuerUrl!
    expect((await devToken(issuer, { id: 'stranger', secret: 'x' })).status).toBe(401)
    expect((await devToken(issuer, { id: DEMO_CLIENTS.writer.id, secret: 'wrong' })).status).toBe(
      401,
    )
    const widen = await devToken(
      issuer,
      DEMO_CLIENTS.reader,
      'https://photos.example.com/photos.write',
    )
    expect([widen.status, await widen.json()]).toEqual([400, { error: 'invalid_scope' }])
    const password = await fetch(`${issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'u', password: 'p' }),
    })
    expect([password.status, await password.json()]).toEqual([
      400,
      { error: 'unsupported_grant_type' },
    ])
  })

  it('issues Cognito-shaped access tokens with prefixed scopes that the API accepts', async () => {
    const response = await devToken(app.devIssuerUrl!, {
      id: DEMO_CLIENTS.writer.id,
      secret: DEMO_CLIENTS.writer.secret,
    })
    const body = (await response.json()) as { access_token: string }
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type'])
    const claims = JSON.parse(
      Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>
    expect(claims).toMatchObject({
      iss: app.devIssuerUrl,
      sub: DEMO_CLIENTS.writer.id,
      client_id: DEMO_CLIENTS.writer.id,
      token_use: 'access',
      scope: 'https://photos.example.com/photos.read https://photos.example.com/photos.write',
    })
    expect(claims).not.toHaveProperty('aud')
    const created = await call(`${app.url}/photos`, body.access_token, {
      method: 'POST',
      body: PNG,
      headers: { 'content-type': 'image/png' },
    })
    expect(created.status).toBe(201)
    const reader = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.reader)
    const refused = await call(`${app.url}/photos`, reader, {
      method: 'POST',
      body: PNG,
      headers: { 'content-type': 'image/png' },
    })
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="https://photos.example.com/photos.write"',
    )
    const metadata = (await (
      await call(`${app.url}/.well-known/oauth-protected-resource`)
    ).json()) as Record<string, unknown>
    expect(metadata.scopes_supported).toEqual([
      'https://photos.example.com/photos.read',
      'https://photos.example.com/photos.write',
    ])
  })

  it('keeps photos across a restart on the same DATA_DIR', async () => {
    const token = await accessToken(app.devIssuerUrl!, DEMO_CLIENTS.writer)
    const before = (await (await call(`${app.url}/photos`, token)).json()) as unknown
    const again = await startExample({ DATA_DIR: app.dataDir, FRAMEWORK: 'koa' })
    try {
      const token2 = await accessToken(again.devIssuerUrl!, DEMO_CLIENTS.reader)
      expect(await (await call(`${again.url}/photos`, token2)).json()).toEqual(before)
    } finally {
      await again.close()
    }
  })
})
