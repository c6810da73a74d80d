/**
 * The photo API on Koa 3 with `@scopeguard/koa` (routing by hand: Koa has no router built in).
 *
 * @module
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa, { type Context } from 'koa'
import {
  authenticate,
  protectedResourceMetadata,
  requireScopes,
  type AuthInfo,
  type Middleware,
} from '@scopeguard/koa'
import type { AppDeps, StartServer } from './app-deps.js'
import { errorAnswer } from './error-answer.js'
import { closeServer } from './express.js'
import { readBody } from './read-body.js'

type Handler = (ctx: Context, id: string) => Promise<void>
interface Route {
  method: string
  path: RegExp
  guards: Middleware[]
  handler: Handler
}

const chain = async (
  ctx: Context,
  guards: Middleware[],
  last: () => Promise<void>,
): Promise<void> => {
  const run = (i: number): Promise<void> => {
    const guard = guards[i]
    return guard === undefined ? last() : guard(ctx, () => run(i + 1))
  }
  await run(0)
}

/**
 * The Koa application: the same routes and answers as the other servers.
 *
 * @throws ConfigurationError when the verifier has no resource metadata.
 * @example
 * ```ts
 * const app = createKoaApp({ photos, verifier })
 * ```
 */
export function createKoaApp({ photos, verifier }: AppDeps): Koa {
  const auth = authenticate(verifier)
  const read = [auth, requireScopes('photos.read')]
  const write = [auth, requireScopes('photos.write')]
  const metadataPath = verifier.resourceMetadata!.path
  const who = (ctx: Context): AuthInfo | undefined => (ctx.state as { auth?: AuthInfo }).auth
  const routes: Route[] = [
    {
      method: 'GET',
      path: /^\/health$/,
      guards: [],
      handler: (ctx) => {
        ctx.body = { status: 'ok' }
        return Promise.resolve()
      },
    },
    {
      method: 'GET',
      path: new RegExp(`^${metadataPath}$`),
      guards: [protectedResourceMetadata(verifier)],
      handler: () => Promise.resolve(),
    },
    {
      method: 'GET',
      path: /^\/photos$/,
      guards: read,
      handler: async (ctx) => {
        ctx.body = await photos.list({ limit: ctx.query.limit, cursor: ctx.query.cursor })
      },
    },
    {
      method: 'POST',
      path: /^\/photos$/,
      guards: write,
      handler: async (ctx) => {
        const photo = await photos.create(
          await readBody(ctx.req),
          ctx.get('content-type') || undefined,
          {
            owner: who(ctx)?.subject,
            clientId: who(ctx)?.clientId,
          },
        )
        ctx.status = 201
        ctx.set('Location', `/photos/${photo.id}`)
        ctx.body = photo
      },
    },
    {
      method: 'GET',
      path: /^\/photos\/([^/]+)$/,
      guards: read,
      handler: async (ctx, id) => void (ctx.body = await photos.get(id)),
    },
    {
      method: 'GET',
      path: /^\/photos\/([^/]+)\/content$/,
      guards: read,
      handler: async (ctx, id) => {
        const { metadata, bytes } = await photos.content(id)
        ctx.set('X-Content-Type-Options', 'nosniff')
        ctx.type = metadata.contentType
        ctx.body = bytes
      },
    },
    {
      method: 'DELETE',
      path: /^\/photos\/([^/]+)$/,
      guards: write,
      handler: async (ctx, id) => {
        await photos.delete(id)
        ctx.status = 204
      },
    },
  ]

  const app = new Koa()
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      const { status, headers, body } = errorAnswer(error)
      if (status === 500) console.error(error)
      ctx.status = status
      ctx.set(headers)
      ctx.body = body
    }
  })
  app.use(async (ctx) => {
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method
    for (const route of routes) {
      const match = route.method === method ? route.path.exec(ctx.path) : null
      if (match !== null) {
        const id = decodeURIComponent(match[1] ?? '')
        await chain(ctx, route.guards, () => route.handler(ctx, id))
        return
      }
    }
    ctx.status = 404
    ctx.body = { error: 'not_found', message: 'No such route' }
  })
  return app
}

/**
 * Serves the Koa app.
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await startKoa(deps, { port: 3000, host: '127.0.0.1' })
 * ```
 */
export const startKoa: StartServer = async (deps, { port, host }) => {
  const callback = createKoaApp(deps).callback()
  const server = createServer((req, res) => void callback(req, res))
  server.listen(port, host)
  await once(server, 'listening')
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) }
}
