/**
 * ID tokens (`tokenUse: 'id'`) against the core and every adapter driver: the app client of an ID
 * token is its `aud`, never a `client_id` claim (OIDC Core 3.1.3.7). A token that names the client
 * only in `client_id`, or whose `aud` also names a party the API does not trust, is refused with
 * 401 `bad_audience`, whatever else it carries. Exact status and whole challenge per row; the
 * token never comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier } from '@scopeguard/core'
import { startIssuer, type IssuerServer } from '../support/issuer-server.js'
import { answerOf, CLIENT, READ, type Refusal } from './attacks.js'
import { craft, craftKey, type CraftKey } from './craft.js'
import { targets, type Running } from './targets.js'

let issuer: IssuerServer
let key: CraftKey

beforeAll(async () => {
  key = craftKey('rsa', 'id-1', { alg: 'RS256', use: 'sig' })
  issuer = await startIssuer([key.jwk], 'us-east-1_IdTokens')
})
afterAll(() => issuer.close())

const now = () => Math.floor(Date.now() / 1000)

/**
 * A Cognito-shaped ID token for the route (it carries `photos.read` so an accepted one reaches
 * the handler), with `extra` merged over it (`undefined` drops a claim).
 */
function idToken(extra: Record<string, unknown>): string {
  const claims = {
    iss: issuer.issuer,
    sub: 'user-1',
    aud: CLIENT,
    token_use: 'id',
    scope: READ,
    iat: now(),
    exp: now() + 600,
    ...extra,
  }
  return craft({ alg: 'RS256', kid: 'id-1' }, claims, { alg: 'RS256', key })
}

const rows: { name: string; extra: Record<string, unknown>; expected: Refusal | 'ok' }[] = [
  { name: 'aud naming the app client', extra: {}, expected: 'ok' },
  {
    name: 'aud a one-member array naming the app client',
    extra: { aud: [CLIENT] },
    expected: 'ok',
  },
  {
    name: 'aud naming the client, a client_id claim naming another',
    extra: { client_id: 'client-b' },
    expected: 'ok',
  },
  {
    name: 'no aud, a client_id claim naming the client',
    extra: { aud: undefined, client_id: CLIENT },
    expected: 'bad_audience',
  },
  {
    name: 'an empty aud array, client_id naming the client',
    extra: { aud: [], client_id: CLIENT },
    expected: 'bad_audience',
  },
  {
    name: 'aud naming another client, client_id ours',
    extra: { aud: 'client-b', client_id: CLIENT },
    expected: 'bad_audience',
  },
  {
    name: 'aud naming the client and an untrusted party',
    extra: { aud: [CLIENT, 'client-b'] },
    expected: 'bad_audience',
  },
  {
    name: 'aud naming the client and a number',
    extra: { aud: [CLIENT, 1] },
    expected: 'bad_audience',
  },
  {
    name: 'aud as an object naming the client',
    extra: { aud: { 0: CLIENT } },
    expected: 'bad_audience',
  },
  {
    name: 'aud naming the client in another case',
    extra: { aud: CLIENT.toUpperCase() },
    expected: 'bad_audience',
  },
  {
    name: 'azp naming the client, aud another',
    extra: { aud: 'client-b', azp: CLIENT },
    expected: 'bad_audience',
  },
  {
    name: 'an access token (client_id and aud both the client)',
    extra: { token_use: 'access', client_id: CLIENT },
    expected: 'bad_token_use',
  },
  { name: 'no token_use', extra: { token_use: undefined }, expected: 'bad_token_use' },
]

describe.each(targets)('ID tokens on $name', (target) => {
  let running: Running

  beforeAll(async () => {
    running = await target.start(
      createVerifier({ issuer: issuer.issuer, clientId: CLIENT, tokenUse: 'id' }),
    )
  })
  afterAll(() => running.close())

  it.each(rows)('answers an ID token with $name: $expected', async ({ extra, expected }) => {
    const token = idToken(extra)
    const answer = await running.answer({ authorization: `Bearer ${token}` })
    expect({ status: answer.status, challenge: answer.challenge }).toEqual(answerOf(expected))
    for (const piece of token.split('.')) expect(answer.echo).not.toContain(piece)
  })
})
