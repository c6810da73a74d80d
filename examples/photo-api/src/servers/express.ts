/**
 * The photo API on Express 5 with `@scopeguard/express`.
 *
 * @module
 */
import express, { type ErrorRequestHandler } from 'express'
import { authenticate, protectedResourceMetadata, requireScopes } from '@scopeguard/express'
import { MAX_PHOTO_BYTES } from '../domain/content-type.js'
import { METRICS_PATH } from '../metrics.js'
import type { AppDeps, StartServer } from './app-deps.js'
import { errorAnswer } from './error-answer.js'
import { serveNodeHttp } from './node-http.js'

/**
 * The Express application: public `/health`, `/metrics` and metadata document, then `/photos` behind
 * `authenticate` and per-route scope guards.
 *
 * @throws ConfigurationError when the verifier has no resource metadata.
 * @example
 * ```ts
 * const app = createExpressApp({ photos, verifier, metrics })
 * ```
 */
export function createExpressApp({ photos, verifier, metrics }: AppDeps): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })
  app.get(METRICS_PATH, (req, res) => metrics.handle(req, res))
  app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))

  app.use('/photos', authenticate(verifier))
  app.get('/photos', requireScopes('photos.read'), async (req, res) => {
    const query = req.query as Record<string, unknown>
    res.json(await photos.list({ limit: query.limit, cursor: query.cursor }))
  })
  app.post(
    '/photos',
    requireScopes('photos.write'),
    express.raw({ type: () => true, limit: MAX_PHOTO_BYTES }),
    async (req, res) => {
      const body: unknown = req.body
      const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0)
      const photo = await photos.create(bytes, req.get('content-type'), {
        owner: req.auth?.subject,
        clientId: req.auth?.clientId,
      })
      res.status(201).location(`/photos/${photo.id}`).json(photo)
    },
  )
  app.get('/photos/:id', requireScopes('photos.read'), async (req, res) => {
    res.json(await photos.get(req.params.id))
  })
  app.get('/photos/:id/content', requireScopes('photos.read'), async (req, res) => {
    const { metadata, bytes } = await photos.content(req.params.id)
    res.set('X-Content-Type-Options', 'nosniff').type(metadata.contentType).send(bytes)
  })
  app.delete('/photos/:id', requireScopes('photos.write'), async (req, res) => {
    await photos.delete(req.params.id)
    res.status(204).end()
  })

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'No such route' })
  })
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const { status, headers, body } = errorAnswer(error)
    if (status === 500) console.error(error)
    res.status(status).set(headers).json(body)
  }
  app.use(onError)
  return app
}

/**
 * Serves the Express app.
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await startExpress(deps, { port: 3000, host: '127.0.0.1' })
 * ```
 */
export const startExpress: StartServer = (deps, listen) =>
  serveNodeHttp(createExpressApp(deps), listen)
