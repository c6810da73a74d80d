/**
 * The one app every adapter driver serves, so the conformance table applies to all of them.
 *
 * | route | guard |
 * |---|---|
 * | GET /public | none |
 * | GET /optional | optional authentication |
 * | GET /read | photos.read |
 * | GET /all | photos.read and photos.write |
 * | GET /any | photos.read or photos.write |
 * | GET, POST, DELETE /resource | per method: read -> photos.read, write -> photos.write |
 * | POST /form | photos.read, with a form-body parser mounted before authentication |
 * | GET <verifier.resourceMetadata.path> | the RFC 9728 document (when configured) |
 *
 * Every handler answers 200 with what it saw ({@link HandlerProbe.answer}), and counts its runs.
 */
import type { AuthInfo, MethodScopeMap, TokenBinding, Verifier } from '@scopeguard/core'

export const READ = 'photos.read'
export const WRITE = 'photos.write'
/** The per-method map of `/resource` (create it once: the core compiles it once per object). */
export const RESOURCE_MAP: MethodScopeMap = { read: READ, write: WRITE }

/** The auth result a handler was handed, as the suite compares it. */
export interface SeenAuth {
  sub: string | undefined
  clientId: string | undefined
  scopes: string[]
  /** The scheme the token came with (the suite expects `bearer` when a row leaves it out). */
  scheme?: 'bearer' | 'dpop'
  /** The proven binding of a sender-constrained token; absent for a plain bearer token. */
  binding?: TokenBinding
}

/** What a handler answers: proof it ran, and the auth result it was handed. */
export type HandlerAnswer = { ran: true; auth: null } | ({ ran: true } & SeenAuth)

/** Counts handler runs and renders their answers; one per running app. */
export interface HandlerProbe {
  /** Handler runs so far. */
  readonly runs: number
  /** The last answer rendered (what the last handler run saw). */
  readonly last: HandlerAnswer | undefined
  /** Records a run and returns the JSON body to answer with. */
  answer(auth: AuthInfo | undefined): HandlerAnswer
}

/**
 * A fresh probe for one app.
 *
 * @example
 * ```ts
 * const probe = createProbe()
 * app.get('/read', auth, requireScopes(READ), (req, res) => res.json(probe.answer(req.auth)))
 * ```
 */
export function createProbe(): HandlerProbe {
  let runs = 0
  let last: HandlerAnswer | undefined
  return {
    get runs() {
      return runs
    },
    get last() {
      return last
    },
    answer(auth) {
      runs++
      last =
        auth === undefined
          ? { ran: true, auth: null }
          : {
              ran: true,
              sub: auth.subject,
              clientId: auth.clientId,
              scopes: [...auth.scopes],
              scheme: auth.scheme,
              ...(auth.binding === undefined ? {} : { binding: { ...auth.binding } }),
            }
      return last
    },
  }
}

/** A running app. */
export interface RunningApp {
  /** Base URL, `http://127.0.0.1:<port>` (`https:` when started with TLS). */
  url: string
  /** Handler runs so far (the metadata route is not counted). */
  runs(): number
  /** What the last handler run saw (also for HEAD requests, which carry no body). */
  lastAnswer(): HandlerAnswer | undefined
  close(): Promise<void>
}

/** The TLS a driver serves with: its certificate and key, and the CA of client certificates. */
export interface DriverTls {
  cert: string
  key: string
  ca: string
}

/**
 * The `node:https` options every driver serves TLS with: a client certificate is asked for but
 * not required, and not checked against the CA (the verifier checks it against the token, RFC
 * 8705 §3; a self-signed client certificate is legitimate there).
 *
 * @example
 * ```ts
 * https.createServer(tlsServerOptions(tls), app)
 * ```
 */
export function tlsServerOptions(tls: DriverTls) {
  return { ...tls, requestCert: true, rejectUnauthorized: false }
}

/** Builds the app for one framework (and major) around a shared verifier and serves it. */
export interface Driver {
  name: string
  /** The framework hands requests over as Fetch API `Headers` (repeated fields joined). */
  fetchHeaders?: true
  /** Serves over plain HTTP, or over HTTPS asking for client certificates when `tls` is given. */
  start(verifier: Verifier, tls?: DriverTls): Promise<RunningApp>
}

/**
 * Parses an `application/x-www-form-urlencoded` body (for frameworks without a parser package).
 *
 * @example
 * ```ts
 * parseForm('a=1&a=2&b=3') // { a: ['1', '2'], b: '3' }
 * ```
 */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = out[name]
    out[name] = previous === undefined ? value : [...[previous].flat(), value]
  }
  return out
}
