/**
 * The core's view of a Node.js request, for the adapters on Node's `http` (Express, Koa, Fastify,
 * NestJS): each hands over the `IncomingMessage`, the URL it routed, and the object that carries
 * its parsed query and body.
 *
 * @module
 */
import {
  nodeRequestHeaders,
  type AuthRequest,
  type NodeSocketLike,
  type RequestHeaders,
} from './bearer.js'

/** What is read of a Node.js `IncomingMessage` (the core imports no `node:` module). */
export interface NodeMessageLike {
  readonly method?: string | undefined
  readonly rawHeaders?: readonly string[] | undefined
  readonly headers?: RequestHeaders | undefined
  readonly socket?: NodeSocketLike | undefined
}

/** Where a framework keeps the parsed query and body: read only when a transport asks. */
export interface ParsedRequestParts {
  readonly query?: unknown
  readonly body?: unknown
}

/**
 * A class, not an object literal with getters: V8 gives such literals a fresh hidden class each
 * time, which costs a full garbage collection now and then.
 */
class NodeAuthRequest implements AuthRequest {
  readonly method: string | undefined
  readonly headers: RequestHeaders
  readonly socket: NodeSocketLike | undefined

  constructor(
    message: NodeMessageLike,
    readonly url: string | undefined,
    private readonly parts: ParsedRequestParts,
  ) {
    this.method = message.method
    this.headers = nodeRequestHeaders(message)
    this.socket = message.socket
  }

  /** Read only when the query transport is on: Express 5 parses the query string on every read. */
  get query(): unknown {
    return this.parts.query
  }

  get body(): unknown {
    return this.parts.body
  }
}

/**
 * The `AuthRequest` of a Node.js request: its method, every `Authorization` value (from
 * `rawHeaders`, so two headers stay two), its socket (peer address, client certificate), the
 * routed `url`, and the `query` and `body` of `parts`, read when a transport needs them.
 *
 * @param message - The `IncomingMessage` (`req` in Express, `ctx.req` in Koa, `request.raw` in
 * Fastify).
 * @param url - The request target as the framework routed it (`req.originalUrl` in Express).
 * @param parts - The object holding the parsed `query` and `body` (`req`, `ctx.request`, ...).
 * @example
 * ```ts
 * await verifier.authenticate(nodeAuthRequest(req, req.originalUrl ?? req.url, req))
 * ```
 */
export function nodeAuthRequest(
  message: NodeMessageLike,
  url: string | undefined,
  parts: ParsedRequestParts,
): AuthRequest {
  return new NodeAuthRequest(message, url, parts)
}
