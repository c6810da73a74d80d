/**
 * Cloudflare Workers: the Hono app bundled for workerd (Web Crypto backend) and run by the real
 * workerd binary of the `workerd` npm package, through miniflare, on a loopback port.
 */
import { Miniflare } from 'miniflare'
import { describe } from 'vitest'
import { bundleFor } from './bundle.js'
import { runtimeScenario } from './scenario.js'

describe('workerd (miniflare)', () => {
  runtimeScenario({ runtime: /^Cloudflare-Workers$/, backend: 'webcrypto' }, async (config) => {
    const bundle = await bundleFor('workerd', 'worker.ts')
    let mf: Miniflare | undefined
    try {
      mf = new Miniflare({
        modules: true,
        scriptPath: bundle.file,
        modulesRoot: bundle.dir,
        compatibilityDate: '2026-04-26',
        bindings: { ...config },
        host: '127.0.0.1',
        port: 0,
      })
      const url = await mf.ready
      const running = mf
      return {
        url: url.origin,
        close: async () => {
          await running.dispose()
          await bundle.remove()
        },
      }
    } catch (error) {
      await mf?.dispose()
      await bundle.remove()
      throw error
    }
  })
})
