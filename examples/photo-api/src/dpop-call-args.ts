/**
 * The command line of `npm run dpop-call`: `[--issuer URL] [--client writer|reader] [--file PATH]
 * METHOD URL`, where URL may be a path on `--api` (default `http://127.0.0.1:3000`).
 *
 * @module
 */
import { extname } from 'node:path'
import { ConfigError } from './config-error.js'
import type { DEMO_CLIENTS } from './demo-clients.js'

/** What to call, parsed. */
export interface DpopCallArgs {
  /** The development issuer (default `http://127.0.0.1:3001`). */
  issuer: string
  /** The demo client that gets the token. */
  client: keyof typeof DEMO_CLIENTS
  /** The HTTP method, upper case. */
  method: string
  /** The absolute URL. */
  url: string
  /** A photo to send as the body, with its content type from its extension. */
  file: { path: string; contentType: string } | undefined
}

/** The issuer `npm run dpop-call` asks when `--issuer` is not given: the default dev issuer. */
export const DEFAULT_DPOP_ISSUER = 'http://127.0.0.1:3001'

/** The usage line printed on a bad command line. */
export const DPOP_CALL_USAGE =
  'usage: npm run dpop-call --workspace examples/photo-api -- [--issuer URL] [--api URL] [--client writer|reader] [--file photo.png] METHOD URL-or-path'

const TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
}

/**
 * Parses the arguments after `--`.
 *
 * @throws {@link ConfigError} saying what is wrong, with the usage line.
 * @example
 * ```ts
 * parseDpopCallArgs(['GET', '/photos']) // { method: 'GET', url: 'http://127.0.0.1:3000/photos', ... }
 * ```
 */
export function parseDpopCallArgs(argv: readonly string[]): DpopCallArgs {
  const options: Record<string, string> = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const name = arg.slice(2)
    const value = argv[++i]
    if (!['issuer', 'api', 'client', 'file'].includes(name) || value === undefined) {
      throw new ConfigError(`${arg} is unknown or has no value\n${DPOP_CALL_USAGE}`)
    }
    options[name] = value
  }
  if (positional.length !== 2) throw new ConfigError(`give METHOD and URL\n${DPOP_CALL_USAGE}`)
  const method = positional[0]!.toUpperCase()
  if (!/^[A-Z]+$/.test(method)) throw new ConfigError(`${positional[0]} is not an HTTP method`)
  const client = options.client ?? 'writer'
  if (client !== 'writer' && client !== 'reader') {
    throw new ConfigError(`--client ${client} is unknown: use writer or reader`)
  }
  let url: string
  try {
    url = new URL(positional[1]!, options.api ?? 'http://127.0.0.1:3000').href
    new URL(options.issuer ?? DEFAULT_DPOP_ISSUER)
  } catch {
    throw new ConfigError(`a URL is not valid\n${DPOP_CALL_USAGE}`)
  }
  let file: DpopCallArgs['file']
  if (options.file !== undefined) {
    const contentType = TYPES[extname(options.file).toLowerCase()]
    if (contentType === undefined) {
      throw new ConfigError(`--file ${options.file}: send a .png, .jpg, .gif or .webp photo`)
    }
    file = { path: options.file, contentType }
  }
  return { issuer: options.issuer ?? DEFAULT_DPOP_ISSUER, client, method, url, file }
}
