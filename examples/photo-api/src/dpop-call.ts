/**
 * `npm run dpop-call --workspace examples/photo-api -- GET /photos`: calls the photo API the way a
 * DPoP client does (see dpop-client.ts) and prints each exchange, then the final answer's body.
 * curl cannot sign proofs; this script is the walk-through's DPoP step. It never prints the token.
 * Exit code: 0 for a 2xx answer, 1 for any other, 2 for a bad command line or no connection.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ConfigError } from './config-error.js'
import { DEMO_CLIENTS } from './demo-clients.js'
import { parseDpopCallArgs } from './dpop-call-args.js'
import { createDpopClient, type Exchange } from './dpop-client.js'

const line = ({ method, url, status, error }: Exchange): string =>
  `${method} ${url}: ${status}${error === undefined ? '' : ` ${error}`}`

// npm runs workspace scripts in the workspace folder; a --file path is relative to where npm ran.
const cwd = process.env.INIT_CWD ?? process.cwd()

try {
  const args = parseDpopCallArgs(process.argv.slice(2))
  const client = await createDpopClient(args.issuer, DEMO_CLIENTS[args.client])
  console.log(`new ES256 key, thumbprint (jkt) ${client.jkt}`)
  const token = await client.token()
  for (const exchange of token.exchanges)
    console.log(`${line(exchange)} (token request with a DPoP proof)`)
  if (!token.response.ok) {
    process.exitCode = 1
  } else {
    console.log(`token_type ${token.tokenType}: the token is bound to this key (cnf.jkt)`)
    const body =
      args.file === undefined
        ? undefined
        : new Uint8Array(await readFile(resolve(cwd, args.file.path)))
    const { response, exchanges } = await client.request(args.method, args.url, {
      body,
      contentType: args.file?.contentType,
    })
    for (const [i, exchange] of exchanges.entries()) {
      const retry = i > 0 ? ', retried with the server’s DPoP-Nonce' : ''
      console.log(`${line(exchange)} (fresh DPoP proof${retry})`)
    }
    const challenge = response.headers.get('www-authenticate')
    if (challenge !== null) console.log(`WWW-Authenticate: ${challenge}`)
    const text = await response.text()
    if (text !== '') console.log(text)
    process.exitCode = response.ok ? 0 : 1
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`dpop-call: ${error.message}`)
  } else {
    console.error(`dpop-call: ${error instanceof Error ? error.message : String(error)}`)
  }
  process.exitCode = 2
}
