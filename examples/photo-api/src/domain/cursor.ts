/**
 * Opaque pagination cursors and the `limit` parameter.
 *
 * @module
 */
import { PhotoError } from './errors.js'

/** The position after which the next page starts (newest-first order). */
export interface CursorPosition {
  /** `createdAt` of the last item returned. */
  createdAt: string
  /** `id` of the last item returned. */
  id: string
}

/** The default page size. */
export const DEFAULT_LIMIT = 20
/** The largest page size. */
export const MAX_LIMIT = 100

/**
 * Encodes a position as an opaque base64url cursor.
 *
 * @throws Never.
 * @example
 * ```ts
 * encodeCursor({ createdAt: '2026-01-01T00:00:00.000Z', id: 'a' })
 * ```
 */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url')
}

/**
 * Decodes a cursor from the query string; `undefined` means "first page".
 *
 * @throws {@link PhotoError} `bad_request` for anything that is not a cursor this API made.
 * @example
 * ```ts
 * decodeCursor(req.query.cursor)
 * ```
 */
export function decodeCursor(value: unknown): CursorPosition | undefined {
  if (value === undefined) return undefined
  const bad = new PhotoError('bad_request', 'cursor is not a cursor this API returned')
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,512}$/.test(value)) throw bad
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
  } catch {
    throw bad
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    Number.isNaN(Date.parse(parsed[0]))
  ) {
    throw bad
  }
  return { createdAt: parsed[0], id: parsed[1] }
}

/**
 * Parses `limit` from the query string: absent means {@link DEFAULT_LIMIT}; otherwise a decimal
 * integer from 1 to {@link MAX_LIMIT}.
 *
 * @throws {@link PhotoError} `bad_request` for anything else (repeated, signed, fractional, 0, 101).
 * @example
 * ```ts
 * parseLimit('50') // 50
 * ```
 */
export function parseLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT
  const limit = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : NaN
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw new PhotoError('bad_request', `limit must be an integer from 1 to ${MAX_LIMIT}`)
  }
  return limit
}
