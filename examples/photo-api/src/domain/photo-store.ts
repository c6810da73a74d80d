/**
 * Photo storage on disk: `<dataDir>/photos/<id>` holds the bytes and `<id>.json` the metadata.
 * Every write goes to `<dataDir>/tmp` first and is renamed into place, content first and metadata
 * last, so a photo exists only once both are complete; a crash leaves at most a stray temporary
 * file or an orphan content file, neither of which is ever listed.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The stored metadata of one photo. */
export interface PhotoMetadata {
  /** Random UUID. */
  id: string
  /** One of the accepted image types. */
  contentType: string
  /** Size in bytes. */
  size: number
  /** ISO 8601 creation time (unique and increasing within one store). */
  createdAt: string
  /** `sub` of the token that uploaded it, or null. */
  owner: string | null
  /** `client_id` of the token that uploaded it, or null. */
  clientId: string | null
}

/** The file-level operations the photo service uses. */
export interface PhotoStore {
  /** Writes content then metadata, each atomically. */
  put(metadata: PhotoMetadata, bytes: Uint8Array): Promise<void>
  /** Reads the metadata, or `undefined` when absent. */
  getMetadata(id: string): Promise<PhotoMetadata | undefined>
  /** Reads the bytes, or `undefined` when absent. */
  getContent(id: string): Promise<Buffer | undefined>
  /** Every stored photo's metadata, in no order. */
  all(): Promise<PhotoMetadata[]>
  /** Removes a photo (metadata first); false when it was absent. */
  remove(id: string): Promise<boolean>
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Whether a string has the shape of a photo id (so it is safe as a file name).
 *
 * @throws Never.
 * @example
 * ```ts
 * isPhotoId('../etc/passwd') // false
 * ```
 */
export function isPhotoId(id: string): boolean {
  return ID.test(id)
}

const isNotFound = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'

/**
 * Opens (and creates) a store under `dataDir`.
 *
 * @throws Error when the folders cannot be created.
 * @example
 * ```ts
 * const store = await createPhotoStore('/var/lib/photos')
 * ```
 */
export async function createPhotoStore(dataDir: string): Promise<PhotoStore> {
  const photos = join(dataDir, 'photos')
  const tmp = join(dataDir, 'tmp')
  await mkdir(photos, { recursive: true })
  await mkdir(tmp, { recursive: true })

  const writeAtomically = async (target: string, data: Uint8Array | string): Promise<void> => {
    const temporary = join(tmp, randomUUID())
    try {
      await writeFile(temporary, data, { flag: 'wx' })
      await rename(temporary, target)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
  }

  const getMetadata = async (id: string): Promise<PhotoMetadata | undefined> => {
    if (!isPhotoId(id)) return undefined
    try {
      return JSON.parse(await readFile(join(photos, `${id}.json`), 'utf8')) as PhotoMetadata
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  return {
    async put(metadata, bytes) {
      const content = join(photos, metadata.id)
      await writeAtomically(content, bytes)
      try {
        await writeAtomically(`${content}.json`, JSON.stringify(metadata, null, 2))
      } catch (error) {
        await rm(content, { force: true })
        throw error
      }
    },
    getMetadata,
    async getContent(id) {
      if (!isPhotoId(id)) return undefined
      try {
        return await readFile(join(photos, id))
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    },
    async all() {
      const names = await readdir(photos)
      const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5))
      const found = await Promise.all(ids.filter(isPhotoId).map(getMetadata))
      return found.filter((m): m is PhotoMetadata => m !== undefined)
    },
    async remove(id) {
      if (!isPhotoId(id)) return false
      const content = join(photos, id)
      try {
        await rm(`${content}.json`)
      } catch (error) {
        if (isNotFound(error)) return false
        throw error
      }
      await rm(content, { force: true })
      return true
    },
  }
}
