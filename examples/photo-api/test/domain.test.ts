import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_PHOTO_BYTES, sniffImageType } from '../src/domain/content-type.js'
import { createPhotoService, type PhotoService } from '../src/domain/photo-service.js'
import { GIF, JPEG, PNG, WEBP, tempDataDir } from './fixtures.js'

const by = { owner: 'user-1', clientId: 'client-1' }
let dir: string
let cleanup: () => Promise<void>
let photos: PhotoService

beforeEach(async () => {
  ;({ dir, cleanup } = await tempDataDir())
  photos = await createPhotoService({ dataDir: dir })
})
afterEach(() => cleanup())

const files = async (): Promise<string[]> => [
  ...(await readdir(join(dir, 'photos'))),
  ...(await readdir(join(dir, 'tmp'))),
]

describe('content-type sniffing', () => {
  it('recognises jpeg, png, gif and webp by magic number and nothing else', () => {
    expect(sniffImageType(JPEG)).toBe('image/jpeg')
    expect(sniffImageType(PNG)).toBe('image/png')
    expect(sniffImageType(GIF)).toBe('image/gif')
    expect(sniffImageType(WEBP)).toBe('image/webp')
    expect(sniffImageType(Buffer.from('GIF87a'))).toBe('image/gif')
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeUndefined()
    expect(sniffImageType(Buffer.from('hello world'))).toBeUndefined()
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined()
  })
})

describe('photo service', () => {
  it('stores an upload with its owner and client, and serves metadata and bytes', async () => {
    const created = await photos.create(PNG, 'image/png; charset=binary', by)
    expect(created).toMatchObject({
      contentType: 'image/png',
      size: PNG.length,
      owner: 'user-1',
      clientId: 'client-1',
    })
    expect(await photos.get(created.id)).toEqual(created)
    const { metadata, bytes } = await photos.content(created.id)
    expect(metadata).toEqual(created)
    expect(Buffer.compare(bytes, PNG)).toBe(0)
  })

  it('refuses bad uploads with typed errors and leaves no file behind', async () => {
    await expect(photos.create(PNG, 'image/jpeg', by)).rejects.toMatchObject({
      status: 415,
      kind: 'unsupported_media_type',
    })
    await expect(photos.create(PNG, 'text/plain', by)).rejects.toMatchObject({ status: 415 })
    await expect(photos.create(PNG, undefined, by)).rejects.toMatchObject({ status: 415 })
    await expect(photos.create(Buffer.alloc(0), 'image/png', by)).rejects.toMatchObject({
      status: 400,
      kind: 'bad_request',
    })
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_PHOTO_BYTES)])
    await expect(photos.create(big, 'image/png', by)).rejects.toMatchObject({ status: 413 })
    expect(await files()).toEqual([])
  })

  it('accepts exactly 5 MB', async () => {
    const exact = Buffer.concat([JPEG, Buffer.alloc(MAX_PHOTO_BYTES - JPEG.length)])
    await expect(photos.create(exact, 'image/jpeg', by)).resolves.toMatchObject({
      size: MAX_PHOTO_BYTES,
    })
  })

  it('answers 404 for unknown, malformed and deleted ids', async () => {
    const created = await photos.create(GIF, 'image/gif', by)
    await photos.delete(created.id)
    for (const id of [created.id, '../../etc/passwd', 'nope']) {
      await expect(photos.get(id)).rejects.toMatchObject({ status: 404, kind: 'not_found' })
      await expect(photos.content(id)).rejects.toMatchObject({ status: 404 })
      await expect(photos.delete(id)).rejects.toMatchObject({ status: 404 })
    }
    expect(await files()).toEqual([])
  })

  it('lists newest first, pages with an opaque cursor, and ends with nextCursor null', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await photos.create(PNG, 'image/png', by)).id)
    const newest = [...ids].reverse()
    const first = await photos.list({ limit: '2' })
    expect(first.items.map((p) => p.id)).toEqual(newest.slice(0, 2))
    const second = await photos.list({ limit: '2', cursor: first.nextCursor })
    expect(second.items.map((p) => p.id)).toEqual(newest.slice(2, 4))
    const third = await photos.list({ limit: '2', cursor: second.nextCursor })
    expect(third).toEqual({ items: [expect.objectContaining({ id: newest[4] })], nextCursor: null })
    expect((await photos.list({})).items.map((p) => p.id)).toEqual(newest)
    expect(await photos.list({ limit: '5' })).toMatchObject({ nextCursor: null })
  })

  it('keeps a cursor valid when its photo is deleted', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await photos.create(PNG, 'image/png', by)).id)
    const first = await photos.list({ limit: '1' })
    await photos.delete(ids[2]!)
    const next = await photos.list({ limit: '5', cursor: first.nextCursor })
    expect(next.items.map((p) => p.id)).toEqual([ids[1], ids[0]])
  })

  it('refuses a bad limit or cursor with 400', async () => {
    for (const limit of ['0', '101', '-1', '1.5', 'ten', '', ['1', '2']]) {
      await expect(photos.list({ limit })).rejects.toMatchObject({
        status: 400,
        message: 'limit must be an integer from 1 to 100',
      })
    }
    for (const cursor of [
      '!!',
      'e30',
      Buffer.from('["x","y"]').toString('base64url'),
      ['a', 'b'],
    ]) {
      await expect(photos.list({ cursor })).rejects.toMatchObject({
        status: 400,
        kind: 'bad_request',
      })
    }
    await expect(photos.list({ limit: '100' })).resolves.toEqual({ items: [], nextCursor: null })
  })

  it('keeps its photos across a restart and ignores half-written leftovers', async () => {
    const created = await photos.create(WEBP, 'image/webp', by)
    // A crash between the content and metadata renames leaves an orphan content file.
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(dir, 'photos', '00000000-0000-4000-8000-000000000000'), PNG)
    const reopened = await createPhotoService({ dataDir: dir })
    expect(await reopened.list({})).toEqual({ items: [created], nextCursor: null })
    expect(Buffer.compare((await reopened.content(created.id)).bytes, WEBP)).toBe(0)
  })
})
