/**
 * Starts the whole example from a configuration: photo storage, the development issuer when no
 * `ISSUER` is set, the one verifier and its metrics, and the chosen framework's server.
 *
 * @module
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import { baseUrl, buildVerifier, publicOrigin, type TrustedIssuer } from './app-verifier.js'
import type { AppConfig, DpopMode, Framework } from './config.js'
import { DEMO_CLIENTS, startDevIssuer, type DevIssuer } from './dev-issuer.js'
import { createPhotoService } from './domain/photo-service.js'
import { connectFleetStores, type FleetStores } from './fleet-stores.js'
import { createAppMetrics, type AppMetrics } from './metrics.js'
import type { StartServer } from './servers/app-deps.js'
import { tlsServerOptions } from './tls-config.js'

/** A running example. */
export interface RunningApp {
  /** The framework serving it. */
  framework: Framework
  /** The API's base URL (as clients see it: `PUBLIC_URL`, `PUBLIC_ORIGIN` or the address). */
  url: string
  /** The port it listens on. */
  port: number
  /** The development issuer's URL, when it runs. */
  devIssuerUrl: string | undefined
  /** The `DPOP` mode it runs with. */
  dpop: DpopMode
  /** Stops the server and the development issuer. */
  close(): Promise<void>
}

const servers: Record<Framework, () => Promise<StartServer>> = {
  express: async () => (await import('./servers/express.js')).startExpress,
  koa: async () => (await import('./servers/koa.js')).startKoa,
  fastify: async () => (await import('./servers/fastify.js')).startFastify,
  nestjs: async () => (await import('./servers/nestjs.js')).startNest,
  hono: async () => (await import('./servers/hono.js')).startHono,
}

/** A port free right now on `host` (the API needs its port before the verifier is built). */
async function freePort(host: string): Promise<number> {
  const probe = createServer().listen(0, host)
  await once(probe, 'listening')
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return typeof address === 'object' && address !== null ? address.port : 0
}

/**
 * Starts the example. Port 0 (for `PORT` or `DEV_ISSUER_PORT`) picks a free port.
 *
 * @throws ConfigurationError (from the core) for inconsistent verifier options; Error when a port
 * is taken.
 * @example
 * ```ts
 * const app = await startApp(loadConfig(process.env))
 * console.log(app.url)
 * ```
 */
export async function startApp(config: AppConfig): Promise<RunningApp> {
  const photos = await createPhotoService({ dataDir: config.dataDir })
  let devIssuer: DevIssuer | undefined
  let trusted: TrustedIssuer
  if (config.issuer === undefined) {
    devIssuer = await startDevIssuer({
      port: config.devIssuerPort,
      resourceServer: config.resourceServer,
    })
    trusted = {
      issuer: [devIssuer.url],
      clientId: [DEMO_CLIENTS.writer.id, DEMO_CLIENTS.reader.id],
      tokenUse: 'access',
    }
  } else {
    const { issuer, jwksUri, audience, clientId } = config
    trusted = { issuer, jwksUri, audience, clientId }
  }
  let fleet: FleetStores | undefined
  let metrics: AppMetrics | undefined
  try {
    if (config.redisUrl !== undefined) fleet = await connectFleetStores(config.redisUrl)
    const port = config.port === 0 ? await freePort(config.host) : config.port
    const url = baseUrl(config, port)
    const verifier = buildVerifier(config, trusted, url, {
      origin: publicOrigin(config, port),
      fleet,
    })
    metrics = createAppMetrics(verifier)
    const start = await servers[config.framework]()
    const tls = config.tls === undefined ? undefined : tlsServerOptions(config.tls)
    const server = await start({ photos, verifier, metrics }, { port, host: config.host, tls })
    return {
      framework: config.framework,
      url,
      port: server.port,
      devIssuerUrl: devIssuer?.url,
      dpop: config.dpop,
      async close() {
        await server.close()
        await metrics?.close()
        await fleet?.close()
        await devIssuer?.stop()
      },
    }
  } catch (error) {
    await metrics?.close()
    await fleet?.close()
    await devIssuer?.stop()
    throw error
  }
}
