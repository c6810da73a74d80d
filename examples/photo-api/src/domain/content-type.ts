/**
 * Image content types the API accepts, recognised by their magic numbers.
 *
 * @module
 */
import { PhotoError } from './errors.js'

/** The accepted image types. */
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const

/** One accepted image type. */
export type ImageType = (typeof IMAGE_TYPES)[number]

/** The largest accepted upload: 5 MB (5 * 1024 * 1024 bytes). */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b)

/**
 * The image type the bytes' magic number says, or `undefined` when it is none of
 * {@link IMAGE_TYPES}.
 *
 * @throws Never.
 * @example
 * ```ts
 * sniffImageType(Buffer.from('89504e470d0a1a0a', 'hex')) // 'image/png'
 * ```
 */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39)) {
    if (bytes[5] === 0x61) return 'image/gif'
  }
  if (
    startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) &&
    startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)
  ) {
    return 'image/webp'
  }
  return undefined
}

/**
 * The media type of a `Content-Type` header value (lower-cased, parameters dropped) when it is one
 * of {@link IMAGE_TYPES}, else `undefined`.
 *
 * @throws Never.
 * @example
 * ```ts
 * declaredImageType('Image/PNG; charset=binary') // 'image/png'
 * ```
 */
export function declaredImageType(header: string | undefined): ImageType | undefined {
  if (typeof header !== 'string') return undefined
  const type = header.split(';', 1)[0]?.trim().toLowerCase()
  return IMAGE_TYPES.find((t) => t === type)
}

/**
 * Checks an upload: declared type accepted (415), body not empty (400), not over 5 MB (413), and
 * the magic number matching the declared type (415). Returns the type.
 *
 * @throws {@link PhotoError} as listed above.
 * @example
 * ```ts
 * checkUpload(bytes, req.headers['content-type']) // 'image/png'
 * ```
 */
export function checkUpload(bytes: Uint8Array, contentType: string | undefined): ImageType {
  if (bytes.length > MAX_PHOTO_BYTES) {
    throw new PhotoError('payload_too_large', 'A photo may be at most 5 MB')
  }
  const declared = declaredImageType(contentType)
  if (declared === undefined) {
    throw new PhotoError(
      'unsupported_media_type',
      'Content-Type must be image/jpeg, image/png, image/gif or image/webp',
    )
  }
  if (bytes.length === 0) throw new PhotoError('bad_request', 'The request body is empty')
  if (sniffImageType(bytes) !== declared) {
    throw new PhotoError('unsupported_media_type', 'The bytes are not of the declared Content-Type')
  }
  return declared
}
