/** The Cloudflare Workers entry point (workerd through miniflare): config from the bindings. */
import type { Hono } from 'hono'
import { createRuntimeApp, type RuntimeAppConfig } from './app.js'

let app: Hono | undefined

export default {
  fetch(request: Request, env: RuntimeAppConfig): Response | Promise<Response> {
    app ??= createRuntimeApp(env)
    return app.fetch(request)
  },
}
