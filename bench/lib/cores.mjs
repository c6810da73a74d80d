/**
 * Both signature backends of the built core, side by side in one Node process.
 *
 * `@scopeguard/core` picks its backend through the `#crypto-backend` conditional import
 * (`node` -> node:crypto, `default` -> Web Crypto), so under Node the package always gets the
 * node:crypto one. The Web Crypto build is the same `dist/` with that one import mapped to
 * `dist/crypto/webcrypto-backend.js`: this module copies `packages/core/dist` to
 * `bench/.out/core-webcrypto/dist` with a package.json whose `imports` say so, and imports the
 * copy. Nothing in the core is changed; `verifier.backend` reports which backend a verifier uses.
 * The events benchmark also loads private copies of the core, one with its event checks compiled
 * out (below).
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, '..', '.out', 'core-webcrypto')

/**
 * The `createVerifier` of the built core with the given backend.
 *
 * @param {'node' | 'webcrypto'} backend
 * @returns {Promise<typeof import('@scopeguard/core').createVerifier>}
 */
export async function loadCreateVerifier(backend) {
  if (backend === 'node') return (await import('@scopeguard/core')).createVerifier
  const coreDist = dirname(fileURLToPath(import.meta.resolve('@scopeguard/core')))
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  cpSync(coreDist, join(outDir, 'dist'), { recursive: true })
  writeFileSync(
    join(outDir, 'package.json'),
    JSON.stringify({
      name: 'scopeguard-core-webcrypto-bench-copy',
      private: true,
      type: 'module',
      imports: { '#crypto-backend': './dist/crypto/webcrypto-backend.js' },
    }),
  )
  const url = pathToFileURL(join(outDir, 'dist', 'index.js')).href
  const mod = /** @type {typeof import('@scopeguard/core')} */ (await import(url))
  return mod.createVerifier
}

/** The hub checks of the built core: `events.active` (and `events?.active === true`). */
const HUB_CHECK = /\bevents(?:\?\.active === true|\.active)\b/g

/**
 * The `createVerifier` (node backend) of a private copy of the built core: the same `dist/` copied
 * to `node_modules/.cache/scopeguard-bench/<name>` (where `jose` still resolves), a module instance
 * of its own. V8 shares type feedback between the verifiers of one module instance, so a copy
 * measures a verifier as an app with one verifier runs it, untouched by the other contenders.
 * With `stripEvents`, every check of the event hub (`events.active`) is replaced by `false`, so
 * V8 drops the event branches entirely: against it, the core with no listener shows what the
 * checks cost. Throws when the core no longer has such checks (the copy would then prove nothing).
 *
 * @param {string} name
 * @param {{ stripEvents?: boolean }} [options]
 * @returns {Promise<{ checks: number, createVerifier: typeof import('@scopeguard/core').createVerifier }>}
 */
export async function loadCoreCopy(name, { stripEvents = false } = {}) {
  const coreDist = dirname(fileURLToPath(import.meta.resolve('@scopeguard/core')))
  const dir = join(here, '..', '..', 'node_modules', '.cache', 'scopeguard-bench', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  cpSync(coreDist, join(dir, 'dist'), { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: `scopeguard-bench-${name}`,
      private: true,
      type: 'module',
      imports: { '#crypto-backend': './dist/crypto/node-backend.js' },
    }),
  )
  let checks = 0
  if (stripEvents) {
    for (const file of readdirSync(join(dir, 'dist'))) {
      if (!file.endsWith('.js')) continue
      const path = join(dir, 'dist', file)
      const text = readFileSync(path, 'utf8')
      const stripped = text.replace(HUB_CHECK, () => {
        checks++
        return 'false'
      })
      if (stripped !== text) writeFileSync(path, stripped)
    }
    if (checks === 0) throw new Error('no event hub check found in the built core')
  }
  const url = pathToFileURL(join(dir, 'dist', 'index.js')).href
  const mod = /** @type {typeof import('@scopeguard/core')} */ (await import(url))
  return { checks, createVerifier: mod.createVerifier }
}
