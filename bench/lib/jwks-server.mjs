/**
 * One loopback key server for every contender: `GET /jwks.json` answers the key set, and every
 * hit is counted (the cold-start check needs exactly one).
 */
import { createServer } from 'node:http'

/**
 * Starts the key server on 127.0.0.1 with an ephemeral port.
 *
 * @param {{ keys: unknown[] }} jwks
 * @param {{ delayMs?: number }} [options] delay before answering (cold start: keeps many first
 *   requests waiting on one fetch)
 * @returns {Promise<{ url: string, hits: () => number, reset: () => void, close: () => Promise<void> }>}
 */
export async function startJwksServer(jwks, options = {}) {
  const body = JSON.stringify(jwks)
  let hits = 0
  const server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end()
      return
    }
    hits++
    const answer = () =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' })
        .end(body)
    if (options.delayMs) setTimeout(answer, options.delayMs)
    else answer()
  })
  server.keepAliveTimeout = 1000
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    url: `http://127.0.0.1:${address.port}/jwks.json`,
    hits: () => hits,
    reset: () => {
      hits = 0
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve(undefined))
      }),
  }
}
