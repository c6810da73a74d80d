/**
 * The request as Nest hands it to guards: an Express `Request` (an `IncomingMessage`) on
 * platform-express, a `FastifyRequest` (with the `IncomingMessage` in `raw`) on platform-fastify.
 * This file turns either into the core's `AuthRequest` and carries the result on `request.auth`.
 *
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { nodeAuthRequest, type AuthInfo, type AuthRequest } from '@scopeguard/core'

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
  // On platform-fastify the `IncomingMessage` (headers, socket) is `raw`; on platform-express it
  // is the request itself.
  return nodeAuthRequest(request.raw ?? request, request.originalUrl ?? request.url, request)
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
