/**
 * Starts the photo API with DPoP accepted next to Bearer (`dpop: { publicOrigin }`, the API's own
 * URL): the example's configuration and servers, with the DPoP option added to its verifier.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import { createVerifier } from '@scopeguard/core'
import { baseUrl, verifierOptions } from '../src/app-verifier.js'
import { loadConfig, type Framework } from '../src/config.js'
import { createPhotoService } from '../src/domain/photo-service.js'
import { createAppMetrics } from '../src/metrics.js'
import type { StartServer } from '../src/servers/app-deps.js'
import { startExpress } from '../src/servers/express.js'
import { startFastify } from '../src/servers/fastify.js'
import { startHono } from '../src/servers/hono.js'
import { startKoa } from '../src/servers/koa.js'
import { startNest } from '../src/servers/nestjs.js'
import { tempDataDir } from './fixtures.js'
import type { Harness } from './harness.js'

const servers: Record<Framework, StartServer> = {
  express: startExpress,
  koa: startKoa,
  fastify: startFastify,
  nestjs: startNest,
  hono: startHono,
}

/** A free loopback port: the verifier needs the API's origin before the server listens. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** Starts the example with `env` (an `ISSUER` is needed) and both Bearer and DPoP accepted. */
export async function startDpopExample(env: Record<string, string>): Promise<Harness> {
  const data = await tempDataDir()
  const config = loadConfig({ DATA_DIR: data.dir, ...env })
  const port = await freePort()
  const url = baseUrl(config, port)
  const { issuer = [], audience, clientId } = config
  const verifier = createVerifier({
    ...verifierOptions(config, { issuer, audience, clientId }, url),
    dpop: { publicOrigin: url },
  })
  const metrics = createAppMetrics(verifier)
  const photos = await createPhotoService({ dataDir: config.dataDir })
  const server = await servers[config.framework](
    { photos, verifier, metrics },
    { port, host: config.host },
  )
  const close = async () => {
    await server.close()
    await metrics.close()
  }
  return {
    framework: config.framework,
    url,
    devIssuerUrl: undefined,
    dataDir: data.dir,
    close,
    async stop() {
      await close()
      await data.cleanup()
    },
  }
}
