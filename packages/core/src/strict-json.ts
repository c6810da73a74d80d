/**
 * JSON parsing for token headers and claim sets: `JSON.parse` silently keeps the last of two
 * members with the same name, which lets a token say two things at once. This module parses with
 * `JSON.parse`, then compares the member names written in the text with the members the parsed
 * value holds: any difference is a duplicate name. Text without backslashes is checked by
 * counting quotes (strings = names + string values); text with escapes has its names counted one
 * by one. The walk over the value also bounds its nesting and freezes it.
 *
 * @module
 */
import { codec } from '#crypto-backend'

/** Deepest nesting of objects and arrays accepted in a token header or claim set. */
export const MAX_JSON_DEPTH = 32

/**
 * Decodes strict UTF-8 and parses a JSON object with no duplicate member names at any depth.
 * Returns `undefined` for invalid UTF-8, invalid JSON, a non-object, a duplicate name, or nesting
 * deeper than {@link MAX_JSON_DEPTH}. Member names such as `__proto__` stay plain data. The
 * object returned, and every object and array in it, is frozen.
 *
 * Every failure is `undefined`, never an exception.
 */
export function parseJsonObject(bytes: Uint8Array): Readonly<Record<string, unknown>> | undefined {
  const text = codec.decodeUtf8(bytes)
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  stringValues = 0
  const members = freezeAndCount(value, 1)
  if (members === -1) return undefined
  // Without a backslash every quote delimits a string, and the strings are the member names plus
  // the string values: any duplicate name (with its dropped value) makes the count exceed.
  const names =
    text.indexOf('\\') === -1 ? countQuotes(text) / 2 - stringValues : countMemberNames(text)
  return names === members ? (value as Record<string, unknown>) : undefined
}

/**
 * String values met by the current {@link freezeAndCount} walk: a module-level counter rather than
 * a second return value, so the walk allocates nothing. Safe to share: {@link parseJsonObject}
 * resets it and reads it within one synchronous call.
 */
let stringValues = 0

/** The number of `"` characters in `text`. */
function countQuotes(text: string): number {
  let quotes = 0
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) quotes++
  return quotes
}

/**
 * Freezes a parsed value and counts the members of its objects, at every depth (and, in
 * {@link stringValues}, its string values); -1 when it nests deeper than {@link MAX_JSON_DEPTH}.
 */
function freezeAndCount(value: object, depth: number): number {
  if (depth > MAX_JSON_DEPTH) return -1
  Object.freeze(value)
  const array = Array.isArray(value)
  const items: unknown[] = array ? value : Object.values(value)
  let count = array ? 0 : items.length
  for (const item of items) {
    if (typeof item === 'string') stringValues++
    else if (typeof item === 'object' && item !== null) {
      const inner = freezeAndCount(item, depth + 1)
      if (inner === -1) return -1
      count += inner
    }
  }
  return count
}

/**
 * Counts the member names in JSON text that `JSON.parse` has accepted: the strings followed by a
 * colon. Outside strings, valid JSON has no quotes, so each string is found with `indexOf`.
 */
function countMemberNames(text: string): number {
  let names = 0
  let open = text.indexOf('"')
  while (open !== -1) {
    let close = text.indexOf('"', open + 1)
    while (isEscaped(text, close)) close = text.indexOf('"', close + 1)
    let next = close + 1
    while (isJsonWhitespace(text.charCodeAt(next))) next++
    if (text.charCodeAt(next) === 0x3a /* : */) names++
    open = text.indexOf('"', next)
  }
  return names
}

/** True when the quote at `index` follows an odd run of backslashes. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0
  while (text.charCodeAt(index - 1 - backslashes) === 0x5c /* \ */) backslashes++
  return backslashes % 2 === 1
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
}
