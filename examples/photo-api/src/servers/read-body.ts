/**
 * Reads a raw request body up to a byte limit, for the frameworks without a raw body parser in
 * this example (Koa, NestJS).
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { MAX_PHOTO_BYTES } from '../domain/content-type.js'
import { PhotoError } from '../domain/errors.js'

/**
 * The request's bytes; refuses at once when `Content-Length` or the bytes read exceed the limit.
 *
 * @throws {@link PhotoError} `payload_too_large` (413) over the limit; the stream's error otherwise.
 * @example
 * ```ts
 * const bytes = await readBody(ctx.req)
 * ```
 */
export async function readBody(req: IncomingMessage, limit = MAX_PHOTO_BYTES): Promise<Buffer> {
  const tooLarge = new PhotoError('payload_too_large', 'A photo may be at most 5 MB')
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume()
    throw tooLarge
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      // Keep draining (not destroying) the request so the 413 answer still reaches the client.
      req.off('data', onData)
      req.resume()
      reject(tooLarge)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
  })
}
