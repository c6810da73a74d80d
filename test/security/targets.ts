/**
 * Where the security suites send their requests: the core itself, and every adapter driver of the
 * conformance suite (real servers on port 0, real HTTP), all serving `GET /read` (`photos.read`).
 */
import Fastify from 'fastify'
import { expect } from 'vitest'
import { isOAuthError, type Verifier } from '@scopeguard/core'
import { scopeguard } from '@scopeguard/fastify'
import { drivers } from '../conformance/drivers/index.js'
import { send } from '../support/http-client.js'
import { noteLogLine, noteSent, watch } from './leak-watch.js'

/** What one request got. */
export interface Answer {
  status: number
  challenge: string | null
  retryAfter: string | undefined
  /** Everything sent back (body and headers), to prove no token is echoed. */
  echo: string
}

/** One running target around one verifier. */
export interface Running {
  answer(headers: Record<string, string | string[]>): Promise<Answer>
  close(): Promise<void>
}

export interface Target {
  name: string
  /** The server reads Fetch API `Headers` (repeated fields joined with ", "). */
  fetchHeaders?: boolean
  start(verifier: Verifier): Promise<Running>
}

const core: Target = {
  name: 'core',
  start(verifier) {
    watch(verifier)
    return Promise.resolve({
      async answer(headers) {
        noteSent(headers)
        try {
          const auth = await verifier.authenticate({
            method: 'GET',
            url: '/read',
            headers: headers,
          })
          verifier.checkScopes(auth, { all: ['photos.read'] }, 'GET')
          return { status: 200, challenge: null, retryAfter: undefined, echo: '' }
        } catch (error) {
          if (!isOAuthError(error)) throw error
          return {
            status: error.status,
            challenge: error.headers['WWW-Authenticate'] ?? null,
            retryAfter: error.headers['Retry-After'],
            echo: `${error.message} ${JSON.stringify(error.headers)}`,
          }
        }
      },
      close: () => Promise.resolve(),
    })
  },
}

const adapters: Target[] = drivers.map((driver) => ({
  name: driver.name,
  fetchHeaders: driver.fetchHeaders === true,
  async start(verifier) {
    watch(verifier)
    const app = await driver.start(verifier)
    let inflight = 0
    return {
      async answer(headers) {
        noteSent(headers)
        const runs = app.runs()
        inflight++
        const alone = inflight === 1
        const response = await send(`${app.url}/read`, { headers }).finally(() => inflight--)
        // The handler runs exactly when the answer is 200 (checked when no other request overlaps).
        if (alone && inflight === 0) expect(app.runs() - runs).toBe(response.status === 200 ? 1 : 0)
        return {
          status: response.status,
          challenge: response.challenge,
          retryAfter: response.headers['retry-after'] as string | undefined,
          echo: `${response.body} ${JSON.stringify(response.headers)}`,
        }
      },
      close: () => app.close(),
    }
  },
}))

/**
 * Fastify with its pino logger on at the most verbose level, logging each refusal the way the
 * Fastify README shows (an `onError` hook with the reason and status): every log line goes to the
 * leak watch, so the recipe is proven not to write a token.
 */
const fastifyLogged: Target = {
  name: 'fastify with pino logging refusals',
  async start(verifier) {
    watch(verifier)
    const app = Fastify({
      logger: { level: 'trace', stream: { write: (line: string) => noteLogLine(line) } },
    })
    app.addHook('onError', async (request, _reply, error) => {
      if (isOAuthError(error)) {
        request.log.warn({ reason: error.reason, status: error.status }, 'request refused')
      }
    })
    await app.register(scopeguard, { verifier })
    app.get('/read', { config: { scopes: ['photos.read'] } }, () => Promise.resolve({ ok: true }))
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      async answer(headers) {
        noteSent(headers)
        const response = await send(`${url}/read`, { headers })
        return {
          status: response.status,
          challenge: response.challenge,
          retryAfter: response.headers['retry-after'] as string | undefined,
          echo: `${response.body} ${JSON.stringify(response.headers)}`,
        }
      },
      close: () => app.close(),
    }
  },
}

/** The core and every adapter (Express 4/5, Koa 2/3, Fastify hooks/config, NestJS x2, Hono). */
export const targets: Target[] = [core, ...adapters, fastifyLogged]
