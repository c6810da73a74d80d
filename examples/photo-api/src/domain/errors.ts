/**
 * The photo domain's errors: a small closed set of kinds, each with the HTTP status every server
 * answers with.
 *
 * @module
 */

/** What went wrong, as a machine-readable kind. */
export type PhotoErrorKind =
  'bad_request' | 'not_found' | 'payload_too_large' | 'unsupported_media_type'

const STATUS: Readonly<Record<PhotoErrorKind, number>> = {
  bad_request: 400,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
}

/**
 * A refused photo request. `status` is the HTTP status every server answers with; `message` is
 * safe to show to the client (it never echoes request data).
 *
 * @throws Never (the constructor).
 * @example
 * ```ts
 * throw new PhotoError('not_found', 'No photo has this id')
 * ```
 */
export class PhotoError extends Error {
  override readonly name = 'PhotoError'
  /** The machine-readable kind. */
  readonly kind: PhotoErrorKind
  /** The HTTP status: 400, 404, 413 or 415. */
  readonly status: number

  /**
   * @param kind - What went wrong.
   * @param message - A fixed sentence for the client.
   */
  constructor(kind: PhotoErrorKind, message: string) {
    super(message)
    this.kind = kind
    this.status = STATUS[kind]
  }

  /** The JSON body servers answer with: `{ error, message }`. */
  toJSON(): { error: PhotoErrorKind; message: string } {
    return { error: this.kind, message: this.message }
  }
}

/**
 * Whether a value is a {@link PhotoError} (also across module copies).
 *
 * @throws Never.
 * @example
 * ```ts
 * if (isPhotoError(err)) res.status(err.status).json(err.toJSON())
 * ```
 */
export function isPhotoError(value: unknown): value is PhotoError {
  return value instanceof PhotoError
}
