/** Starts the example in-process for a test, and talks to it (tokens from the dev issuer over HTTP). */
import { startApp, type RunningApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import type { DemoClient } from '../src/dev-issuer.js'
import { tempDataDir } from './fixtures.js'

export interface Harness extends RunningApp {
  dataDir: string
  stop(): Promise<void>
}

/** Starts the example on free ports with a fresh DATA_DIR; `env` adds or overrides variables. */
export async function startExample(env: Record<string, string> = {}): Promise<Harness> {
  const data = await tempDataDir()
  const app = await startApp(
    loadConfig({ PORT: '0', DEV_ISSUER_PORT: '0', DATA_DIR: data.dir, ...env }),
  )
  return {
    ...app,
    dataDir: data.dir,
    async stop() {
      await app.close()
      await data.cleanup()
    },
  }
}

/** A token for a demo client from the dev issuer's token endpoint (client credentials, Basic). */
export async function devToken(
  issuer: string,
  client: Pick<DemoClient, 'id' | 'secret'>,
  scope?: string,
): Promise<Response> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' })
  if (scope !== undefined) body.set('scope', scope)
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body,
  })
}

/** The access token for a demo client (fails the test when the issuer refuses). */
export async function accessToken(
  issuer: string,
  client: Pick<DemoClient, 'id' | 'secret'>,
): Promise<string> {
  const response = await devToken(issuer, client)
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`)
  return ((await response.json()) as { access_token: string }).access_token
}

/** fetch with an optional bearer token. */
export function call(url: string, token?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
  return fetch(url, { ...init, headers })
}
