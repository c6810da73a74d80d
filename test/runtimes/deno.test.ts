/**
 * Deno: the same Hono app served by `Deno.serve` in the real `deno` binary of the `deno` npm
 * package, with network access only (no file, environment or remote-module permissions).
 */
import { fileURLToPath } from 'node:url'
import { describe } from 'vitest'
import { bundleFor } from './bundle.js'
import { startServer } from './process.js'
import { runtimeScenario } from './scenario.js'

const DENO = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url))

describe('Deno', () => {
  runtimeScenario({ runtime: /^Deno\/2\./, backend: 'node' }, async (config) => {
    const bundle = await bundleFor('deno', 'deno-server.ts')
    try {
      const args = ['run', '--allow-net=127.0.0.1', '--no-remote', '--no-prompt', bundle.file]
      const server = await startServer(DENO, [...args, JSON.stringify(config)], 30_000, {
        DENO_DIR: `${bundle.dir}/deno-dir`,
        DENO_NO_UPDATE_CHECK: '1',
      })
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
