/**
 * The photo service: the API's behaviour, free of any web framework. Every server calls these
 * functions and maps {@link PhotoError}s to their status.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { checkUpload } from './content-type.js'
import { decodeCursor, encodeCursor, parseLimit } from './cursor.js'
import { PhotoError } from './errors.js'
import { createPhotoStore, type PhotoMetadata } from './photo-store.js'

export type { PhotoMetadata } from './photo-store.js'

/** One page of the newest-first listing. */
export interface PhotoPage {
  /** Up to `limit` photos, newest first. */
  items: PhotoMetadata[]
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** Who uploads: taken from the verified token. */
export interface Uploader {
  /** The token's `sub`. */
  owner: string | undefined
  /** The token's `client_id`. */
  clientId: string | undefined
}

/** The photo operations. */
export interface PhotoService {
  /** Lists newest first; `limit` and `cursor` are the raw query values. */
  list(query: { limit?: unknown; cursor?: unknown }): Promise<PhotoPage>
  /** One photo's metadata. */
  get(id: string): Promise<PhotoMetadata>
  /** One photo's metadata and bytes. */
  content(id: string): Promise<{ metadata: PhotoMetadata; bytes: Buffer }>
  /** Stores an upload after checking type, size and magic number. */
  create(bytes: Uint8Array, contentType: string | undefined, by: Uploader): Promise<PhotoMetadata>
  /** Deletes a photo. */
  delete(id: string): Promise<void>
}

const newestFirst = (a: PhotoMetadata, b: PhotoMetadata): number =>
  a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1

const notFound = (): PhotoError => new PhotoError('not_found', 'No photo has this id')

/**
 * Opens the photo service over a data folder (created when missing). Photos written by an earlier
 * run are served again.
 *
 * @throws Error when the data folder cannot be created.
 * @example
 * ```ts
 * const photos = await createPhotoService({ dataDir: '.data' })
 * const page = await photos.list({ limit: '10' })
 * ```
 */
export async function createPhotoService(options: {
  dataDir: string
  now?: () => Date
}): Promise<PhotoService> {
  const store = await createPhotoStore(options.dataDir)
  const now = options.now ?? (() => new Date())
  let last = 0

  return {
    async list(query) {
      const limit = parseLimit(query.limit)
      const after = decodeCursor(query.cursor)
      const sorted = (await store.all()).sort(newestFirst)
      const index =
        after === undefined ? 0 : sorted.findIndex((m) => newestFirst(m, { ...m, ...after }) > 0)
      const start = index === -1 ? sorted.length : index
      const items = sorted.slice(start, start + limit)
      const lastItem = items.at(-1)
      const more = start + limit < sorted.length && lastItem !== undefined
      return { items, nextCursor: more ? encodeCursor(lastItem) : null }
    },
    async get(id) {
      return (await store.getMetadata(id)) ?? Promise.reject(notFound())
    },
    async content(id) {
      const metadata = await store.getMetadata(id)
      const bytes = metadata && (await store.getContent(id))
      if (metadata === undefined || bytes === undefined) throw notFound()
      return { metadata, bytes }
    },
    async create(bytes, contentType, by) {
      const type = checkUpload(bytes, contentType)
      // Unique, increasing creation times keep the newest-first order and cursors exact.
      last = Math.max(now().getTime(), last + 1)
      const metadata: PhotoMetadata = {
        id: randomUUID(),
        contentType: type,
        size: bytes.length,
        createdAt: new Date(last).toISOString(),
        owner: by.owner ?? null,
        clientId: by.clientId ?? null,
      }
      await store.put(metadata, bytes)
      return metadata
    },
    async delete(id) {
      if (!(await store.remove(id))) throw notFound()
    },
  }
}
