/**
 * The request as Nest hands it to guards: an Express `Request` (an `IncomingMessage`) on
 * platform-express, a `FastifyRequest` (with the `IncomingMessage` in `raw`) on platform-fastify.
 * This file turns either into the core's `AuthRequest` and carries the result on `request.auth`.
 *
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import {
  nodeRequestHeaders,
  type AuthInfo,
  type AuthRequest,
  type RequestHeaders,
} from '@scopeguard/core'

/** The parts of a Nest request (either platform) the guard reads and writes. */
export interface NestLikeRequest {
  method: string
  url: string
  originalUrl?: string
  query?: unknown
  body?: unknown
  headers: IncomingHttpHeaders
  headersDistinct?: NodeJS.Dict<string[]>
  rawHeaders?: string[]
  raw?: IncomingMessage
  auth?: AuthInfo | undefined
}

/**
 * The core's view of a Nest request on either platform.
 *
 * @example
 * ```ts
 * await verifier.authenticate(toAuthRequest(context.switchToHttp().getRequest()))
 * ```
 */
export function toAuthRequest(request: NestLikeRequest): AuthRequest {
  return new NestAuthRequest(request)
}

/**
 * A class, not an object literal with a getter: V8 gives such literals a fresh hidden class each
 * time, which costs a full garbage collection now and then.
 */
class NestAuthRequest implements AuthRequest {
  readonly method: string
  readonly url: string
  readonly headers: RequestHeaders
  readonly body: unknown
  readonly socket: IncomingMessage['socket'] | undefined

  constructor(private readonly request: NestLikeRequest) {
    this.method = request.method
    this.url = request.originalUrl ?? request.url
    this.headers = nodeRequestHeaders(request.raw ?? request)
    this.body = request.body
    this.socket = (request.raw ?? (request as { socket?: IncomingMessage['socket'] })).socket
  }

  /** Read only when the query transport is enabled (Express 5 parses it on every read). */
  get query(): unknown {
    return this.request.query
  }
}

/**
 * The verified token the guard set on `request.auth`, if any.
 *
 * @example
 * ```ts
 * const auth = authOf(context.switchToHttp().getRequest())
 * ```
 */
export function authOf(request: object): AuthInfo | undefined {
  return (request as NestLikeRequest).auth
}
