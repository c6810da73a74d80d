/**
 * A loopback RFC 7662 introspection endpoint (real HTTP on 127.0.0.1, port 0) for fault injection:
 * it checks client_secret_basic credentials, answers each token with what `answer` says, and can
 * be switched to fail in every way an endpoint can (down, 5xx, 429, garbage, huge, slow, a body
 * that stalls). It counts the calls it received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** What the endpoint does instead of answering normally. */
export type IntrospectionFault =
  | 'none'
  | 'down'
  | 'error500'
  | 'throttled'
  | 'invalid-json'
  | 'html'
  | 'huge'
  | 'slow'
  | 'stalled-body'

export interface IntrospectionServer {
  /** The endpoint URL, `http://127.0.0.1:<port>/introspect`. */
  endpoint: string
  /** The client id and secret the endpoint accepts (client_secret_basic). */
  clientId: string
  clientSecret: string
  fault: IntrospectionFault
  /** Calls received (faulty ones included). */
  calls: number
  close(): Promise<void>
}

const CLIENT_ID = 'resource-server'
const CLIENT_SECRET = 'resource-server-secret'

/**
 * Starts an introspection endpoint; `answer` gives the RFC 7662 response of a token.
 *
 * @example
 * ```ts
 * const server = await startIntrospectionServer((token) => ({ active: token === 'good' }))
 * server.fault = 'down' // the next call fails
 * ```
 */
export async function startIntrospectionServer(
  answer: (token: string) => Record<string, unknown>,
): Promise<IntrospectionServer> {
  const sockets = new Set<Socket>()
  const state = { fault: 'none' as IntrospectionFault, calls: 0 }
  const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      state.calls++
      const json = { 'content-type': 'application/json' }
      switch (state.fault) {
        case 'down':
          req.socket.destroy()
          return
        case 'error500':
          res.writeHead(500).end('oops')
          return
        case 'throttled':
          res.writeHead(429, { 'retry-after': '7' }).end()
          return
        case 'invalid-json':
          res.writeHead(200, json).end('{"active": tr')
          return
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>')
          return
        case 'huge':
          res.writeHead(200, json).end(`{"active": true, "pad": "${'x'.repeat(200_000)}"}`)
          return
        case 'slow':
          setTimeout(() => {
            if (!res.destroyed) res.writeHead(200, json).end('{"active":false}')
          }, 5_000).unref()
          return
        case 'stalled-body':
          res.writeHead(200, json)
          res.write('{"active": true, ')
          return
        default:
      }
      if (req.method !== 'POST' || req.headers.authorization !== expected) {
        res.writeHead(401, json).end('{"error":"invalid_client"}')
        return
      }
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('token') ?? ''
      res.writeHead(200, json).end(JSON.stringify(answer(token)))
    })
  }
  const server = createServer(handler)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`
  return Object.defineProperties(
    {
      endpoint,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resolve())
        }),
    },
    {
      fault: {
        get: () => state.fault,
        set: (v: IntrospectionFault) => (state.fault = v),
        enumerable: true,
      },
      calls: { get: () => state.calls, set: (v: number) => (state.calls = v), enumerable: true },
    },
  ) as IntrospectionServer
}
