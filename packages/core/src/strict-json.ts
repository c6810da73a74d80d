/**
 * JSON parsing for token headers and claim sets: `JSON.parse` silently keeps the last of two
 * members with the same name, which lets a token say two things at once. This module parses with
 * `JSON.parse` and then scans the text once for duplicate member names and excessive nesting.
 *
 * @module
 */

/** Deepest nesting of objects and arrays accepted in a token header or claim set. */
export const MAX_JSON_DEPTH = 32

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Decodes strict UTF-8 and parses a JSON object with no duplicate member names at any depth.
 * Returns `undefined` for invalid UTF-8, invalid JSON, a non-object, a duplicate name, or nesting
 * deeper than {@link MAX_JSON_DEPTH}. Member names such as `__proto__` stay plain data.
 *
 * @throws Never: every failure is `undefined`.
 * @example
 * ```ts
 * parseJsonObject(new TextEncoder().encode('{"a":1,"a":2}')) // undefined
 * ```
 */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    return undefined
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  return hasDuplicatesOrDeepNesting(text) ? undefined : (value as Record<string, unknown>)
}

interface Frame {
  keys: Set<string> | undefined
  expectKey: boolean
}

/** Scans JSON text that `JSON.parse` has already accepted. */
function hasDuplicatesOrDeepNesting(text: string): boolean {
  const stack: Frame[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      const start = i + 1
      let escaped = false
      i++
      while (text.charCodeAt(i) !== 0x22) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true
          i++
        }
        i++
      }
      const top = stack[stack.length - 1]
      if (top?.keys !== undefined && top.expectKey) {
        const raw = text.slice(start, i)
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw
        if (top.keys.has(key)) return true
        top.keys.add(key)
        top.expectKey = false
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_JSON_DEPTH) return true
      stack.push({ keys: c === 0x7b ? new Set() : undefined, expectKey: c === 0x7b })
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop()
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1]
      if (top?.keys !== undefined) top.expectKey = true
    }
  }
  return false
}
