/**
 * The photo API on Hono 4 with `@scopeguard/hono`, served on Node by `@hono/node-server`. The same
 * app runs unchanged on Workers, Bun and Deno (only the photo store here needs a file system).
 *
 * @module
 */
import { getRequestListener } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import {
  authenticate,
  isOAuthError,
  protectedResourceMetadata,
  requireScopes,
} from '@scopeguard/hono'
import { MAX_PHOTO_BYTES } from '../domain/content-type.js'
import { METRICS_PATH } from '../metrics.js'
import type { AppDeps, StartServer } from './app-deps.js'
import { errorAnswer } from './error-answer.js'
import { serveNodeHttp } from './node-http.js'

/** A query parameter as the other frameworks hand it over: a string, or every value when repeated. */
function queryValue(c: Context, name: string): string | string[] | undefined {
  const values = c.req.queries(name)
  return values?.length === 1 ? values[0] : values
}

/**
 * The Hono application: the same routes and answers as the other servers.
 *
 * @throws ConfigurationError when the verifier has no resource metadata.
 * @example
 * ```ts
 * const app = createHonoApp({ photos, verifier, metrics })
 * ```
 */
export function createHonoApp({ photos, verifier, metrics }: AppDeps): Hono {
  const read = requireScopes('photos.read')
  const write = requireScopes('photos.write')
  const app = new Hono()

  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get(METRICS_PATH, () => metrics.response())
  app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))

  // Hono's `/photos/*` matches `/photos` itself too: one middleware, so a request is verified once.
  app.use('/photos/*', authenticate(verifier))
  app.get('/photos', read, async (c) =>
    c.json(await photos.list({ limit: queryValue(c, 'limit'), cursor: queryValue(c, 'cursor') })),
  )
  app.post('/photos', write, bodyLimit({ maxSize: MAX_PHOTO_BYTES }), async (c) => {
    const bytes = Buffer.from(await c.req.arrayBuffer())
    const auth = c.get('auth')
    const photo = await photos.create(bytes, c.req.header('content-type'), {
      owner: auth?.subject,
      clientId: auth?.clientId,
    })
    c.header('Location', `/photos/${photo.id}`)
    return c.json(photo, 201)
  })
  app.get('/photos/:id', read, async (c) => c.json(await photos.get(c.req.param('id'))))
  app.get('/photos/:id/content', read, async (c) => {
    const { metadata, bytes } = await photos.content(c.req.param('id'))
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Content-Type', metadata.contentType)
    return c.body(new Uint8Array(bytes))
  })
  app.delete('/photos/:id', write, async (c) => {
    await photos.delete(c.req.param('id'))
    return c.body(null, 204)
  })

  app.notFound((c) => c.json({ error: 'not_found', message: 'No such route' }, 404))
  app.onError((error, c) => {
    // The adapter's HTTPException carries the core's OAuthError as its cause; Hono's own (the
    // body limit's 413) carries its status.
    const cause = error instanceof HTTPException && isOAuthError(error.cause) ? error.cause : error
    const { status, headers, body } = errorAnswer(cause)
    if (status === 500) console.error(error)
    return c.json(body, status as ContentfulStatusCode, headers)
  })
  return app
}

/**
 * Serves the Hono app on Node.
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await startHono(deps, { port: 3000, host: '127.0.0.1' })
 * ```
 */
export const startHono: StartServer = (deps, listen) => {
  const handle = getRequestListener(createHonoApp(deps).fetch)
  return serveNodeHttp((req, res) => void handle(req, res), listen)
}
