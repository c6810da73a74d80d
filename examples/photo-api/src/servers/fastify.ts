/**
 * The photo API on Fastify 5 with `@scopeguard/fastify`, using the declarative route `config`
 * (authentication runs at `onRequest`, before any body is read).
 *
 * @module
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { protectedResourceMetadata, scopeguard } from '@scopeguard/fastify'
import { MAX_PHOTO_BYTES } from '../domain/content-type.js'
import { METRICS_PATH } from '../metrics.js'
import type { TlsServerOptions } from '../tls-config.js'
import type { AppDeps, StartServer } from './app-deps.js'
import { errorAnswer } from './error-answer.js'

type ById = { Params: { id: string } }

/**
 * The Fastify application: the same routes and answers as the other servers.
 *
 * @throws ConfigurationError when the verifier has no resource metadata.
 * @example
 * ```ts
 * const app = await createFastifyApp({ photos, verifier, metrics })
 * await app.listen({ port: 3000 })
 * ```
 */
export async function createFastifyApp(
  { photos, verifier, metrics }: AppDeps,
  tls?: TlsServerOptions,
): Promise<FastifyInstance> {
  // Fastify types an HTTPS instance apart from an HTTP one; the routes below use neither's own API.
  const app =
    tls === undefined
      ? Fastify({ bodyLimit: MAX_PHOTO_BYTES })
      : (Fastify({ bodyLimit: MAX_PHOTO_BYTES, https: tls }) as unknown as FastifyInstance)
  await app.register(scopeguard, { verifier })
  app.setErrorHandler((error, _request, reply) => {
    const { status, headers, body } = errorAnswer(error)
    if (status === 500) app.log.error(error)
    return reply.code(status).headers(headers).send(body)
  })
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'No such route' }),
  )

  app.get('/health', () => ({ status: 'ok' }))
  app.get(METRICS_PATH, (request, reply) => {
    reply.hijack() // the exporter's handler writes the Node response itself
    metrics.handle(request.raw, reply.raw)
  })
  app.get(verifier.resourceMetadata!.path, protectedResourceMetadata(verifier))

  const read = { config: { scopes: ['photos.read'] } }
  app.get<{ Querystring: { limit?: unknown; cursor?: unknown } }>('/photos', read, (request) =>
    photos.list(request.query),
  )
  app.get<ById>('/photos/:id', read, (request) => photos.get(request.params.id))
  app.get<ById>('/photos/:id/content', read, async (request, reply) => {
    const { metadata, bytes } = await photos.content(request.params.id)
    return reply.header('x-content-type-options', 'nosniff').type(metadata.contentType).send(bytes)
  })
  app.delete<ById>(
    '/photos/:id',
    { config: { scopes: ['photos.write'] } },
    async (request, reply) => {
      await photos.delete(request.params.id)
      return reply.code(204).send()
    },
  )
  await app.register((uploads, _options, done) => {
    // Uploads are raw bytes of any declared type; the domain checks the type against the bytes.
    uploads.removeAllContentTypeParsers()
    uploads.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => {
      next(null, body)
    })
    uploads.post('/photos', { config: { scopes: ['photos.write'] } }, async (request, reply) => {
      const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const photo = await photos.create(bytes, request.headers['content-type'], {
        owner: request.auth?.subject,
        clientId: request.auth?.clientId,
      })
      return reply.code(201).header('location', `/photos/${photo.id}`).send(photo)
    })
    done()
  })
  return app
}

/**
 * Serves the Fastify app.
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await startFastify(deps, { port: 3000, host: '127.0.0.1' })
 * ```
 */
export const startFastify: StartServer = async (deps, { port, host, tls }) => {
  const app = await createFastifyApp(deps, tls)
  await app.listen({ port, host })
  const address = app.server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () => app.close(),
  }
}
