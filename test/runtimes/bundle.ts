/**
 * Bundles a runtime entry point from the workspace sources into one ES module (as wrangler does
 * for a Worker), with the package conditions that runtime resolves: workerd gets the core's Web
 * Crypto backend, Bun and Deno the `node:crypto` one (both resolve the `node` condition).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url))

/** A runtime's package conditions and the core backend they select. */
const RUNTIMES = {
  workerd: {
    conditions: ['workerd', 'worker', 'browser', 'import', 'default'],
    backend: 'webcrypto',
  },
  bun: { conditions: ['bun', 'node', 'import', 'default'], backend: 'node' },
  deno: { conditions: ['deno', 'node', 'import', 'default'], backend: 'node' },
} as const

export type Runtime = keyof typeof RUNTIMES

/** A bundle on disk; `remove()` deletes its folder. */
export interface Bundle {
  dir: string
  file: string
  remove(): Promise<void>
}

/**
 * Bundles `entry` (a path relative to this folder) for `runtime` into a fresh temporary folder.
 *
 * @example
 * ```ts
 * const bundle = await bundleFor('workerd', 'worker.ts')
 * try { ... } finally { await bundle.remove() }
 * ```
 */
export async function bundleFor(runtime: Runtime, entry: string): Promise<Bundle> {
  const { conditions, backend } = RUNTIMES[runtime]
  const dir = await mkdtemp(join(tmpdir(), `scopeguard-${runtime}-`))
  const remove = () => rm(dir, { recursive: true, force: true })
  // A plugin rather than `resolve.alias`: the alias does not take `#crypto-backend` away from the
  // core's package.json `imports` map (which would pick the dist files, or none).
  const sources: Record<string, string> = {
    '#crypto-backend': root(`packages/core/src/crypto/${backend}-backend.ts`),
    '@scopeguard/core': root('packages/core/src/index.ts'),
    '@scopeguard/hono': root('packages/hono/src/index.ts'),
  }
  try {
    const build = await rolldown({
      input: fileURLToPath(new URL(entry, import.meta.url)),
      platform: 'neutral',
      external: [/^node:/],
      logLevel: 'warn',
      resolve: {
        conditionNames: [...conditions],
        mainFields: ['module', 'main'],
      },
      plugins: [{ name: 'workspace-sources', resolveId: (id) => sources[id] ?? null }],
    })
    await build.write({ dir, format: 'esm', entryFileNames: 'entry.js' })
    await build.close()
  } catch (error) {
    await remove()
    throw error
  }
  return { dir, file: join(dir, 'entry.js'), remove }
}
