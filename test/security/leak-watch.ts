/**
 * Proves that no credential the security suite sends shows up in what the kit reports: every
 * event of every verifier the suite watches, every log line a framework logger writes (the Fastify
 * target logs through pino), and everything printed to the console or to stdout/stderr while the
 * file runs. Import it in a security test file: it registers its own hooks, and the file fails in
 * `afterAll` when a fragment of a sent token (any 16 characters of a segment) appears in any line.
 */
import { afterAll, beforeAll, expect } from 'vitest'
import type { Verifier } from '@scopeguard/core'

/** Every event (as JSON) and every log line seen while the file ran. */
const lines: string[] = []
/** Every credential sent (whole header values and bare tokens). */
const sent = new Set<string>()

/** Reports `verifier`'s events into the watch; returns it. */
export function watch(verifier: Verifier): Verifier {
  verifier.subscribe((event) => lines.push(JSON.stringify(event)))
  return verifier
}

/** Notes the credentials a request carries (header values, or a bare token). */
export function noteSent(credentials: string | Record<string, string | string[]>): void {
  if (typeof credentials === 'string') sent.add(credentials)
  else for (const value of Object.values(credentials).flat()) sent.add(value)
}

/** A log line written by a framework logger (the pino stream of the Fastify target). */
export function noteLogLine(line: string): void {
  lines.push(line)
}

/** Pieces of sent credentials long enough that finding one anywhere means a token leaked. */
function fragments(): Set<string> {
  const pieces = new Set<string>()
  for (const value of sent) {
    for (const piece of value.split(/[\s.,"=]+/)) {
      for (let start = 0; start + 16 <= piece.length; start += 16) {
        pieces.add(piece.slice(start, start + 16))
      }
    }
  }
  return pieces
}

type Write = typeof process.stdout.write

beforeAll(() => {
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
  const originals = methods.map((name) => [name, console[name]] as const)
  for (const [name, original] of originals) {
    console[name] = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '))
      original.apply(console, args)
    }
  }
  const streams = [process.stdout, process.stderr]
  const writes = streams.map((stream) => stream.write.bind(stream))
  streams.forEach((stream, index) => {
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      lines.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk as Uint8Array))
      return (writes[index] as (...args: unknown[]) => boolean)(chunk, ...rest)
    }
  })
  return () => {
    for (const [name, original] of originals) console[name] = original
    streams.forEach((stream, index) => {
      stream.write = writes[index] as Write
    })
  }
})

afterAll(() => {
  const pieces = fragments()
  let leaks = 0
  let first: string | undefined
  for (const line of lines) {
    for (const piece of pieces) {
      if (!line.includes(piece)) continue
      leaks++
      first ??= `a sent credential's fragment in: ${line.slice(0, 300)}`
    }
  }
  expect(first).toBeUndefined()
  expect(leaks).toBe(0)
  // The suite did watch something: events came, and credentials were sent.
  expect(lines.length).toBeGreaterThan(0)
  expect(pieces.size).toBeGreaterThan(0)
})
