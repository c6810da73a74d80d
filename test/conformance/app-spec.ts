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
 * | GET <verifier.resourceMetadata.path> | the RFC 9728 document |
 *
 * Every handler answers 200 with {@link describeAuth} of what it saw.
 */
import type { AuthInfo, MethodScopeMap, Verifier } from '@scopeguard/core'

export const READ = 'photos.read'
export const WRITE = 'photos.write'
export const RESOURCE_MAP: MethodScopeMap = { read: READ, write: WRITE }

/** What a handler answers: proof it ran, and the auth result it was handed. */
export type HandlerAnswer =
  | { ran: true; auth: null }
  | { ran: true; auth: { sub: string | undefined; clientId: string | undefined; scopes: string[] } }

export function describeAuth(auth: AuthInfo | undefined): HandlerAnswer {
  if (auth === undefined) return { ran: true, auth: null }
  return {
    ran: true,
    auth: { sub: auth.subject, clientId: auth.clientId, scopes: [...auth.scopes] },
  }
}

/** A running app. */
export interface RunningApp {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string
  close(): Promise<void>
}

/** Builds the app for one framework (and major) around a shared verifier. */
export interface Driver {
  name: string
  start(verifier: Verifier): Promise<RunningApp>
}

/** Parses an `application/x-www-form-urlencoded` body (test apps without a parser package). */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = out[name]
    out[name] = previous === undefined ? value : [...[previous].flat(), value]
  }
  return out
}
