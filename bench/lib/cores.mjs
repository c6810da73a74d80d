/**
 * Both signature backends of the built core, side by side in one Node process.
 *
 * `@scopeguard/core` picks its backend through the `#crypto-backend` conditional import
 * (`node` -> node:crypto, `default` -> Web Crypto), so under Node the package always gets the
 * node:crypto one. The Web Crypto build is the same `dist/` with that one import mapped to
 * `dist/crypto/webcrypto-backend.js`: this module copies `packages/core/dist` to
 * `bench/.out/core-webcrypto/dist` with a package.json whose `imports` say so, and imports the
 * copy. Nothing in the core is changed; `verifier.backend` reports which backend a verifier uses.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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

/**
 * The `createVerifier` (node backend) of the core as it was at git commit `ref`: its sources are
 * taken out of git into `node_modules/.cache/scopeguard-bench/core-<commit>` (out of reach of lint
 * and typecheck, and `jose` still resolves) and compiled there once, so a benchmark can compare
 * today's core with an older one in the same process and the same run.
 *
 * @param {string} ref a commit, tag or branch of this repository
 * @returns {Promise<{ commit: string, createVerifier: typeof import('@scopeguard/core').createVerifier }>}
 */
export async function loadCoreAt(ref) {
  const root = join(here, '..', '..')
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], {
    cwd: root,
    encoding: 'utf8',
  }).trim()
  const dir = join(root, 'node_modules', '.cache', 'scopeguard-bench', `core-${commit}`)
  const entry = join(dir, 'packages', 'core', 'dist', 'index.js')
  if (!existsSync(entry)) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const archive = execFileSync(
      'git',
      ['archive', commit, 'packages/core', 'tsconfig.base.json'],
      {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      },
    )
    execFileSync('tar', ['-x', '-C', dir], { input: archive })
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'packages', 'core')], { stdio: 'inherit' })
  }
  const mod = /** @type {typeof import('@scopeguard/core')} */ (
    await import(pathToFileURL(entry).href)
  )
  return { commit, createVerifier: mod.createVerifier }
}
