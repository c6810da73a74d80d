/** The conformance app on Koa (2 and 3 share it; see ../app-spec.ts for the routes). */
import { createServer, type RequestListener } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type Koa3 from 'koa'
import compose from 'koa-compose'
import {
  authenticate,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
  type Middleware,
  type ScopeguardState,
} from '@scopeguard/koa'
import {
  createProbe,
  parseForm,
  READ,
  RESOURCE_MAP,
  tlsServerOptions,
  WRITE,
  type Driver,
} from '../app-spec.js'
import { listen } from './listen.js'

/** A form-body parser, mounted before authenticate on /form (Koa ships none). */
const formBody: Middleware = async (ctx, next) => {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
  ;(ctx.request as { body?: unknown }).body = parseForm(Buffer.concat(chunks).toString('utf8'))
  await next()
}

/**
 * A driver for one Koa major. Routing is done by hand (no router package): each route is a
 * composed stack entered when method and path match.
 *
 * @example
 * ```ts
 * export const koa3Driver = koaDriver('koa 3', Koa)
 * ```
 */
export function koaDriver(name: string, Koa: typeof Koa3): Driver {
  return {
    name,
    start(verifier, tls) {
      const probe = createProbe()
      const app = new Koa()
      app.silent = true
      const auth = authenticate(verifier)
      const handler: Middleware = (ctx) => {
        ctx.body = probe.answer((ctx.state as ScopeguardState).auth)
        return Promise.resolve()
      }
      const routes: [string, string, Middleware[]][] = [
        ['GET', '/public', [handler]],
        ['GET', '/optional', [authenticate(verifier, { optional: true }), handler]],
        ['GET', '/read', [auth, requireScopes(READ), handler]],
        ['GET', '/all', [auth, requireScopes(READ, WRITE), handler]],
        ['GET', '/any', [auth, requireAnyScope(READ, WRITE), handler]],
        ['*', '/resource', [auth, requireScopesByMethod(RESOURCE_MAP), handler]],
        ['POST', '/form', [formBody, auth, requireScopes(READ), handler]],
      ]
      if (verifier.resourceMetadata !== undefined) {
        routes.push(['GET', verifier.resourceMetadata.path, [protectedResourceMetadata(verifier)]])
      }
      for (const [method, path, stack] of routes) {
        const run = compose(stack as never[]) as unknown as Middleware
        app.use(async (ctx, next) => {
          if (ctx.path === path && (method === '*' || ctx.method === method)) await run(ctx, next)
          else await next()
        })
      }
      const handle = app.callback()
      const listener: RequestListener = (req, res) => void handle(req, res)
      const server =
        tls === undefined
          ? createServer(listener)
          : createTlsServer(tlsServerOptions(tls), listener)
      return listen(server, probe)
    },
  }
}
