/**
 * The photo API on Koa 3 with `@koa/router` and `@scopeguard/koa`. `ctx.state.auth` is typed by the
 * adapter's augmentation of Koa's `DefaultState`: no cast needed.
 *
 * @module
 */
import Router from '@koa/router'
import Koa from 'koa'
import { authenticate, protectedResourceMetadata, requireScopes } from '@scopeguard/koa'
import { METRICS_PATH } from '../metrics.js'
import type { AppDeps, StartServer } from './app-deps.js'
import { errorAnswer } from './error-answer.js'
import { serveNodeHttp } from './node-http.js'
import { readBody } from './read-body.js'

/**
 * The Koa application: the same routes and answers as the other servers.
 *
 * @throws ConfigurationError when the verifier has no resource metadata.
 * @example
 * ```ts
 * const app = createKoaApp({ photos, verifier, metrics })
 * ```
 */
export function createKoaApp({ photos, verifier, metrics }: AppDeps): Koa {
  const auth = authenticate(verifier)
  const read = requireScopes('photos.read')
  const write = requireScopes('photos.write')
  const router = new Router()

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' }
  })
  router.get(METRICS_PATH, (ctx) => {
    ctx.respond = false // the exporter's handler writes the Node response itself
    metrics.handle(ctx.req, ctx.res)
  })
  router.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))

  router.get('/photos', auth, read, async (ctx) => {
    ctx.body = await photos.list({ limit: ctx.query.limit, cursor: ctx.query.cursor })
  })
  router.post('/photos', auth, write, async (ctx) => {
    const photo = await photos.create(
      await readBody(ctx.req),
      ctx.get('content-type') || undefined,
      {
        owner: ctx.state.auth?.subject,
        clientId: ctx.state.auth?.clientId,
      },
    )
    ctx.status = 201
    ctx.set('Location', `/photos/${photo.id}`)
    ctx.body = photo
  })
  router.get('/photos/:id', auth, read, async (ctx) => {
    ctx.body = await photos.get(ctx.params.id ?? '')
  })
  router.get('/photos/:id/content', auth, read, async (ctx) => {
    const { metadata, bytes } = await photos.content(ctx.params.id ?? '')
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.type = metadata.contentType
    ctx.body = bytes
  })
  router.delete('/photos/:id', auth, write, async (ctx) => {
    await photos.delete(ctx.params.id ?? '')
    ctx.status = 204
  })

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
  app.use(router.routes())
  app.use((ctx) => {
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
export const startKoa: StartServer = (deps, listen) => {
  const handle = createKoaApp(deps).callback()
  return serveNodeHttp((req, res) => void handle(req, res), listen)
}
