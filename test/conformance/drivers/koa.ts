import { createServer } from 'node:http'
import Koa3 from 'koa'
import Koa2 from 'koa2'
import compose from 'koa-compose'
import {
  authenticate,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
  requireScopesByMethod,
  type Middleware,
} from '@scopeguard/koa'
import { describeAuth, parseForm, READ, RESOURCE_MAP, WRITE, type Driver } from '../app-spec.js'
import { listen } from './listen.js'

/** A form-body parser, mounted before authenticate on /form (Koa ships none). */
const formBody: Middleware = async (ctx, next) => {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
  ;(ctx.request as { body?: unknown }).body = parseForm(Buffer.concat(chunks).toString('utf8'))
  await next()
}

function koaDriver(name: string, Koa: typeof Koa3): Driver {
  return {
    name,
    start(verifier) {
      const app = new Koa()
      app.silent = true
      const auth = authenticate(verifier)
      const handler: Middleware = (ctx) => {
        ctx.body = describeAuth((ctx.state as { auth?: never }).auth)
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
      return listen(createServer((req, res) => void handle(req, res)))
    },
  }
}

export const koa3Driver = koaDriver('koa 3', Koa3)
export const koa2Driver = koaDriver('koa 2', Koa2)
