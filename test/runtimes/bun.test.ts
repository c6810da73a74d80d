/** Bun: the same Hono app served by `Bun.serve` in the real `bun` binary of the `bun` npm package. */
import { fileURLToPath } from 'node:url'
import { describe } from 'vitest'
import { bundleFor } from './bundle.js'
import { startServer } from './process.js'
import { runtimeScenario } from './scenario.js'

const BUN = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url))

describe('Bun', () => {
  runtimeScenario({ runtime: /^Bun\/1\./, backend: 'node' }, async (config) => {
    const bundle = await bundleFor('bun', 'bun-server.ts')
    try {
      const server = await startServer(BUN, ['run', bundle.file, JSON.stringify(config)], 30_000)
      return {
        url: server.url,
        close: async () => {
          await server.stop()
          await bundle.remove()
        },
      }
    } catch (error) {
      await bundle.remove()
      throw error
    }
  })
})
