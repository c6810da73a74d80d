/**
 * The "Logging refusals" recipes of the Express, Koa, Hono and NestJS READMEs, run as written on a
 * real server: each refusal (a tampered token, no token, a missing scope) gives one log line with
 * its status, code and reason, an accepted request gives none, and no line holds a piece of a
 * token that was sent. (The Fastify recipe runs in the security suite with pino.)
 */
import 'reflect-metadata'
import { createServer, type Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  Module,
  type LoggerService,
  type OnModuleInit,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import express, { type ErrorRequestHandler } from 'express'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import Koa from 'koa'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createVerifier, isOAuthError, type Verifier } from '@scopeguard/core'
import * as scopeguardExpress from '@scopeguard/express'
import * as scopeguardHono from '@scopeguard/hono'
import * as scopeguardKoa from '@scopeguard/koa'
import { RequireScopes, SCOPEGUARD_VERIFIER, ScopeguardModule } from '@scopeguard/nestjs'
import { send } from '../support/http-client.js'
import { closeAfterTest, serveForTest } from '../support/loopback.js'
import { mint, nowSec, signingKey, type SigningKey } from '../support/tokens.js'

const ISS = 'https://issuer.example'
let key: SigningKey
let good: string
let readOnly: string
let tampered: string

beforeAll(async () => {
  key = await signingKey('ES256', 'log-1')
  const claims = { iss: ISS, exp: nowSec() + 600, iat: nowSec(), sub: 'alice', jti: 'j-1' }
  good = await mint(key, { ...claims, scope: 'photos.read photos.write' })
  readOnly = await mint(key, { ...claims, scope: 'photos.read' })
  tampered = `${good.slice(0, -6)}AAAAAA`
})

const verifierFor = (): Verifier =>
  createVerifier({ issuer: ISS, audience: null, jwks: { keys: [key.jwk] }, jwksUri: null })

/** Sends an accepted request, then the three refusals; returns the statuses. */
async function exercise(url: string): Promise<number[]> {
  const statuses: number[] = []
  for (const token of [good, tampered, undefined, readOnly]) {
    const headers: Record<string, string> =
      token === undefined ? {} : { authorization: `Bearer ${token}` }
    statuses.push((await send(`${url}/photos`, { method: 'POST', headers })).status)
  }
  return statuses
}

/** Every 16 characters of every sent token's segments. */
function fragments(): string[] {
  return [good, readOnly, tampered].flatMap((token) =>
    token
      .split('.')
      .flatMap((part) =>
        Array.from({ length: Math.floor(part.length / 16) }, (_, i) =>
          part.slice(i * 16, i * 16 + 16),
        ),
      ),
  )
}

/** The three refusals of {@link exercise}, logged by the Express, Koa and Hono recipes. */
async function expectLogged(url: string, lines: string[]): Promise<void> {
  expect(await exercise(url)).toEqual([201, 401, 401, 403])
  expect(lines).toEqual([
    'POST /photos refused: 401 invalid_token (bad_signature)',
    'POST /photos refused: 401 missing_token (missing_token)',
    'POST /photos refused: 403 insufficient_scope (insufficient_scope)',
  ])
  expectNoToken(lines)
}

function expectNoToken(lines: string[]): void {
  const pieces = fragments()
  const leaks = lines.filter((line) => pieces.some((piece) => line.includes(piece)))
  expect(leaks).toEqual([])
}

/** The console.warn lines of the test (the recipes log with console.warn). */
function captureWarnings(): string[] {
  const lines: string[] = []
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '))
  })
  return lines
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the logging recipes of the READMEs', () => {
  it('Express: the error middleware logs each refusal by status, code and reason', async () => {
    const lines = captureWarnings()
    const { authenticate, requireScopes } = scopeguardExpress
    const app = express()
    app.post('/photos', authenticate(verifierFor()), requireScopes('photos.write'), (_req, res) => {
      res.status(201).json({ ok: true })
    })
    // The recipe, as the Express README shows it.
    const logRefusals: ErrorRequestHandler = (err, req, _res, next) => {
      if (isOAuthError(err)) {
        console.warn(`${req.method} ${req.path} refused: ${err.status} ${err.code} (${err.reason})`)
      }
      next(err)
    }
    app.use(logRefusals)
    const { url } = await serveForTest(app)
    await expectLogged(url, lines)
  })

  it('Koa: the top middleware logs each refusal and throws it on', async () => {
    const lines = captureWarnings()
    const { authenticate, requireScopes } = scopeguardKoa
    const app = new Koa()
    app.silent = true
    // The recipe, as the Koa README shows it.
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        if (isOAuthError(err)) {
          console.warn(
            `${ctx.method} ${ctx.path} refused: ${err.status} ${err.code} (${err.reason})`,
          )
        }
        throw err
      }
    })
    app.use(authenticate(verifierFor()))
    app.use(requireScopes('photos.write'))
    app.use((ctx) => {
      ctx.status = 201
      ctx.body = { ok: true }
    })
    const handle = app.callback()
    const { url } = await serveForTest(createServer((req, res) => void handle(req, res)))
    await expectLogged(url, lines)
  })

  it('Hono: onError logs the OAuthError behind the HTTPException and answers it', async () => {
    const lines = captureWarnings()
    const { authenticate, requireScopes } = scopeguardHono
    const app = new Hono()
    app.post('/photos', authenticate(verifierFor()), requireScopes('photos.write'), (c) =>
      c.json({ ok: true }, 201),
    )
    // The recipe, as the Hono README shows it.
    app.onError((err, c) => {
      if (err instanceof HTTPException && isOAuthError(err.cause)) {
        const { status, code, reason } = err.cause
        console.warn(`${c.req.method} ${c.req.path} refused: ${status} ${code} (${reason})`)
        return err.getResponse()
      }
      return c.json({ error: 'internal_error' }, 500)
    })
    const { url } = await serveForTest(createAdaptorServer({ fetch: app.fetch }) as Server)
    await expectLogged(url, lines)
  })

  it('NestJS: a provider subscribed to the verifier logs each refusal with Nest’s Logger', async () => {
    // The recipe, as the NestJS README shows it.
    @Injectable()
    class RefusalLogger implements OnModuleInit {
      private readonly logger = new Logger('Auth')

      constructor(@Inject(SCOPEGUARD_VERIFIER) private readonly verifier: Verifier) {}

      onModuleInit() {
        this.verifier.subscribe((event) => {
          if (event.type !== 'verification') return
          if (event.outcome === 'refused' || event.outcome === 'unavailable') {
            this.logger.warn(`refused: ${event.status} ${event.code} (${event.reason})`)
          }
        })
      }
    }

    @Controller('photos')
    class PhotosController {
      @Get()
      @RequireScopes('photos.write')
      list(): { ok: boolean } {
        return { ok: true }
      }
    }

    @Module({
      imports: [ScopeguardModule.forRoot({ verifier: verifierFor() }, { global: true })],
      controllers: [PhotosController],
      providers: [RefusalLogger],
    })
    class AppModule {}

    const lines: string[] = []
    const note = (message: unknown, ...rest: unknown[]) => {
      lines.push([message, ...rest].map(String).join(' '))
    }
    const logger: LoggerService = { log: note, error: note, warn: note, debug: note, verbose: note }
    const app = await NestFactory.create(AppModule, { logger })
    await app.listen(0, '127.0.0.1')
    closeAfterTest(() => app.close())
    const { port } = (app.getHttpServer() as Server).address() as { port: number }
    const statuses: number[] = []
    for (const token of [good, tampered, undefined, readOnly]) {
      const headers: Record<string, string> =
        token === undefined ? {} : { authorization: `Bearer ${token}` }
      statuses.push((await send(`http://127.0.0.1:${port}/photos`, { headers })).status)
    }
    expect(statuses).toEqual([200, 401, 401, 403])
    const refusals = lines.filter((line) => line.includes('refused'))
    expect(refusals).toEqual([
      'refused: 401 invalid_token (bad_signature) Auth',
      'refused: 401 missing_token (missing_token) Auth',
      'refused: 403 insufficient_scope (insufficient_scope) Auth',
    ])
    expectNoToken(lines)
  })
})
