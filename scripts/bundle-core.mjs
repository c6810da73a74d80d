#!/usr/bin/env node
// Bundles the core's compiled modules (packages/core/build, from `tsc -b`) into dist/: the core as
// one file (dist/index.js) and each signature backend as its own (dist/crypto/*-backend.js), which
// the package's `#crypto-backend` conditional import still picks at run time, plus a chunk of the
// few modules both sides use. Node resolves and links every ES module apart: importing the core's
// ~45 modules took ~25 ms, these five files ~12 ms. Comments are left out (the .d.ts files beside them
// keep every doc comment); names and layout are kept, so stack traces stay readable.
import { readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build } from 'rolldown'

const core = resolve(import.meta.dirname, '..', 'packages', 'core')
const compiled = resolve(core, 'build')
const dist = resolve(core, 'dist')

// Only declarations and the bundle belong in dist/: JavaScript left by an older build (which
// compiled every module into dist/) would ship beside it.
for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (entry.endsWith('.js')) rmSync(join(dist, entry))
}

await build({
  input: {
    index: join(compiled, 'index.js'),
    'crypto/node-backend': join(compiled, 'crypto', 'node-backend.js'),
    'crypto/webcrypto-backend': join(compiled, 'crypto', 'webcrypto-backend.js'),
  },
  // The backend is chosen by the runtime's package conditions, not here; jose stays a dependency.
  external: [/^node:/, 'jose', '#crypto-backend'],
  output: {
    dir: dist,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name].js',
    comments: false,
  },
  logLevel: 'warn',
})
