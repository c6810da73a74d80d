import { describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH, parseJsonObject } from '../src/strict-json.js'

const parse = (text: string) => parseJsonObject(new TextEncoder().encode(text))

describe('parseJsonObject', () => {
  it('parses a plain object', () => {
    expect(parse('{"a":1,"b":[1,"x",{"c":null}]}')).toEqual({ a: 1, b: [1, 'x', { c: null }] })
  })

  it('refuses duplicate member names at the top level', () => {
    expect(parse('{"iss":"a","iss":"b"}')).toBeUndefined()
  })

  it('refuses duplicates however they are spelled (escapes, whitespace)', () => {
    expect(parse('{"iss":"a", "\\u0069ss" : "b"}')).toBeUndefined()
    expect(parse('{"a\\"b":1,"a\\"b":2}')).toBeUndefined()
  })

  it('refuses duplicates at any depth, in objects nested in objects and arrays', () => {
    expect(parse('{"a":{"b":1,"b":2}}')).toBeUndefined()
    expect(parse('{"a":[1,{"x":{"y":[{"z":1,"z":1}]}}]}')).toBeUndefined()
  })

  it('does not confuse the same name in sibling or nested objects with a duplicate', () => {
    expect(parse('{"a":{"b":1},"b":2,"c":[{"a":1},{"a":2}]}')).toEqual({
      a: { b: 1 },
      b: 2,
      c: [{ a: 1 }, { a: 2 }],
    })
    // A value equal to a member name is not a member name.
    expect(parse('{"a":"b","b":"a","s":"{\\"a\\":1,\\"a\\":2}"}')).toEqual({
      a: 'b',
      b: 'a',
      s: '{"a":1,"a":2}',
    })
  })

  it('keeps __proto__ and constructor as plain data, without touching any prototype', () => {
    const value = parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}')
    expect(value).toBeDefined()
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect((value as { admin?: unknown }).admin).toBeUndefined()
    expect(Object.hasOwn(value!, '__proto__')).toBe(true)
    expect(({} as { admin?: unknown }).admin).toBeUndefined()
    expect(parse('{"__proto__":1,"__proto__":2}')).toBeUndefined()
  })

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and refuses deeper`, () => {
    const nest = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1)
    expect(parse(nest(MAX_JSON_DEPTH))).toBeDefined()
    expect(parse(nest(MAX_JSON_DEPTH + 1))).toBeUndefined()
    expect(
      parse(`{"a":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`),
    ).toBeUndefined()
  })

  it('refuses invalid UTF-8 (overlong forms, lone continuation bytes, encoded surrogates)', () => {
    const withBytes = (...middle: number[]) =>
      parseJsonObject(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, ...middle, 0x22, 0x7d]))
    expect(withBytes(0x78)).toEqual({ a: 'x' })
    expect(withBytes(0xc0, 0xaf)).toBeUndefined()
    expect(withBytes(0x80)).toBeUndefined()
    expect(withBytes(0xed, 0xa0, 0x80)).toBeUndefined()
  })

  it('refuses a byte-order mark, invalid JSON and anything but an object', () => {
    expect(parse('\ufeff{"a":1}')).toBeUndefined()
    expect(parse('{"a":1')).toBeUndefined()
    expect(parse('{a:1}')).toBeUndefined()
    for (const text of ['[]', '"x"', '1', 'null', 'true']) expect(parse(text)).toBeUndefined()
  })

  it('finds member names after escaped backslashes and quotes, and inside arrays of objects', () => {
    expect(parse('{"a\\\\":1,"a\\\\":2}')).toBeUndefined() // the name a\ twice
    expect(parse('{"a\\\\":1,"b":"\\\\","c":"\\"\\\\"}')).toEqual({ 'a\\': 1, b: '\\', c: '"\\' })
    expect(parse('{"x":"\\\\\\"","x" : 2}')).toBeUndefined()
    expect(parse('{ "a" :\t1 ,\n "b"\r\n: [ {"c":1} , {"c":2} ] }')).toEqual({
      a: 1,
      b: [{ c: 1 }, { c: 2 }],
    })
  })

  it('counts strings right without escapes: names plus string values, in arrays and dropped values', () => {
    expect(parse('{"a":["x","y",["z"]],"b":{"c":"d","e":1},"f":"g"}')).toEqual({
      a: ['x', 'y', ['z']],
      b: { c: 'd', e: 1 },
      f: 'g',
    })
    expect(parse('{"a":{"x":"1","y":"2"},"a":"z"}')).toBeUndefined()
    expect(parse('{"a":["s","t"],"a":["s","t"]}')).toBeUndefined()
    expect(parse('{"a":1,"b":{"a":1,"a":1}}')).toBeUndefined()
    expect(parse('{"":"","x":[""]}')).toEqual({ '': '', x: [''] })
    expect(parse('{"":1,"":2}')).toBeUndefined()
  })

  it('returns deeply frozen objects', () => {
    const value = parse('{"a":{"b":[{"c":1}]},"d":[1,[2]]}') as {
      a: { b: object[] }
      d: unknown[][]
    }
    expect(Object.isFrozen(value)).toBe(true)
    expect(Object.isFrozen(value.a)).toBe(true)
    expect(Object.isFrozen(value.a.b)).toBe(true)
    expect(Object.isFrozen(value.a.b[0])).toBe(true)
    expect(Object.isFrozen(value.d[1])).toBe(true)
  })

  it('is not fooled by enumerable members of a polluted Object.prototype', () => {
    Object.defineProperty(Object.prototype, 'polluted', {
      value: 1,
      enumerable: true,
      configurable: true,
      writable: true,
    })
    try {
      expect(parse('{"a":1}')).toEqual({ a: 1 })
      expect(parse('{"a":1,"a":1}')).toBeUndefined()
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted
    }
  })
})
