/**
 * A loopback key server (real HTTP on 127.0.0.1, port 0) serving a Cognito-style issuer's
 * `/.well-known/jwks.json` (and its OpenID Connect discovery document), with switchable faults, a
 * switchable `Cache-Control: max-age` and a key-set request counter. The core allows plain http on
 * loopback, so the issuer URL (`http://127.0.0.1:PORT/us-east-1_Test`) works as it is.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { JWK } from 'jose'

/** What the key server does instead of answering normally. */
export type Fault =
  'none' | 'down' | 'error500' | 'invalid-json' | 'huge' | 'slow' | 'redirect-away'

export interface IssuerServer {
  /** `http://127.0.0.1:<port>/<poolId>`: use as the verifier's `issuer`. */
  issuer: string
  /** The key-set URL. */
  jwksUri: string
  origin: string
  keys: JWK[]
  fault: Fault
  /** `Cache-Control: max-age` of key-set answers, in seconds (default 300). */
  maxAge: number
  /** Requests received for the key set (the fetch counter), faulty ones included. */
  hits: number
  /** Other requests received (paths). */
  others: string[]
  close(): Promise<void>
}

/**
 * Starts a key server for pool `poolId` publishing `keys`; close it in `afterAll`.
 *
 * @example
 * ```ts
 * const server = await startIssuer([rsa.jwk])
 * const verifier = createVerifier({ issuer: server.issuer, clientId: 'client-a', tokenUse: 'access' })
 * server.fault = 'down' // the next key-set fetch fails
 * ```
 */
export async function startIssuer(keys: JWK[], poolId = 'us-east-1_Test'): Promise<IssuerServer> {
  const sockets = new Set<Socket>()
  const state = { keys, fault: 'none' as Fault, maxAge: 300, hits: 0, others: [] as string[] }
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === `/${poolId}/.well-known/openid-configuration`) {
      // OpenID Connect discovery (a loopback issuer is not a Cognito URL, so the core asks).
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${poolId}`
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json` }))
      return
    }
    if (req.url !== `/${poolId}/.well-known/jwks.json`) {
      state.others.push(req.url ?? '')
      res.writeHead(404).end()
      return
    }
    state.hits++
    switch (state.fault) {
      case 'down':
        req.socket.destroy()
        return
      case 'error500':
        res.writeHead(500).end('oops')
        return
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [')
        return
      case 'huge':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(`{"keys": [], "pad": "${'x'.repeat(200_000)}"}`)
        return
      case 'slow':
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(200).end(JSON.stringify({ keys: state.keys }))
        }, 5_000).unref()
        return
      case 'redirect-away':
        res.writeHead(302, { location: 'http://127.0.0.2:9/jwks.json' }).end()
        return
      default:
        res
          .writeHead(200, {
            'content-type': 'application/json',
            'cache-control': `max-age=${state.maxAge}`,
          })
          .end(JSON.stringify({ keys: state.keys }))
    }
  }
  const server: Server = createServer(handler)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuer = `${origin}/${poolId}`
  return Object.defineProperties(
    {
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      origin,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resolve())
        }),
    },
    {
      keys: { get: () => state.keys, set: (v: JWK[]) => (state.keys = v), enumerable: true },
      fault: { get: () => state.fault, set: (v: Fault) => (state.fault = v), enumerable: true },
      maxAge: { get: () => state.maxAge, set: (v: number) => (state.maxAge = v), enumerable: true },
      hits: { get: () => state.hits, set: (v: number) => (state.hits = v), enumerable: true },
      others: { get: () => state.others, enumerable: true },
    },
  ) as IssuerServer
}
