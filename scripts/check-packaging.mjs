#!/usr/bin/env node
// Packaging checks, as a user meets the packages: publint and arethetypeswrong on every package's
// packed tarball, then a throw-away project that installs the tarballs and imports each one.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const packages = ['core', 'express', 'koa', 'fastify', 'nestjs', 'hono', 'redis', 'opentelemetry']
const bin = (name) => join(root, 'node_modules', '.bin', name)
const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts })

const work = mkdtempSync(join(tmpdir(), 'scopeguard-pack-'))
const tarballs = {}
let failed = 0
try {
  for (const name of packages) {
    const dir = join(root, 'packages', name)
    const out = run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: dir }).trim()
    const tarball = join(work, out.split('\n').pop())
    tarballs[name] = tarball
    for (const [tool, args] of [
      ['publint', ['run', '--strict', tarball]],
      ['attw', [tarball, '--profile', 'esm-only', '--format', 'ascii']],
    ]) {
      try {
        run(bin(tool), args, { cwd: dir })
        console.log(`ok   ${tool} @scopeguard/${name}`)
      } catch (error) {
        failed++
        console.error(
          `FAIL ${tool} @scopeguard/${name}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
        )
      }
    }
  }
  // A user's project: install the tarballs (dependencies from the registry cache) and import them.
  const app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module' }),
  )
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', ...Object.values(tarballs)],
    { cwd: app },
  )
  writeFileSync(
    join(app, 'check.mjs'),
    `import * as core from '@scopeguard/core'
import * as express from '@scopeguard/express'
import * as koa from '@scopeguard/koa'
import * as fastify from '@scopeguard/fastify'
import * as nestjs from '@scopeguard/nestjs'
import * as hono from '@scopeguard/hono'
const verifier = core.createVerifier({ issuer: 'https://issuer.example', audience: 'api', jwks: { keys: [] } })
if (verifier.backend !== 'node') throw new Error('expected the node backend under Node, got ' + verifier.backend)
for (const [name, mod] of Object.entries({ express, koa, fastify, nestjs, hono })) {
  if (mod.createVerifier !== core.createVerifier) throw new Error(name + ' does not re-export the core')
}
for (const [name, mod, exports] of [
  ['express', express, ['authenticate', 'requireScopes', 'requireAnyScope', 'requireScopesByMethod', 'protectedResourceMetadata']],
  ['koa', koa, ['authenticate', 'requireScopes', 'requireAnyScope', 'requireScopesByMethod', 'protectedResourceMetadata']],
  ['fastify', fastify, ['scopeguard', 'default', 'protectedResourceMetadata']],
  ['hono', hono, ['authenticate', 'requireScopes', 'requireAnyScope', 'requireScopesByMethod', 'protectedResourceMetadata', 'webRequestHeaders']],
  ['nestjs', nestjs, ['ScopeguardModule', 'ScopeguardGuard', 'ScopeguardExceptionFilter', 'RequireScopes', 'RequireAnyScope', 'ScopesByMethod', 'Public', 'OptionalAuth', 'RequireAuth', 'Auth']],
]) {
  for (const name2 of exports) {
    if (typeof mod[name2] !== 'function') throw new Error(name + ' lacks the export ' + name2)
  }
}
if (typeof nestjs.SCOPEGUARD_VERIFIER !== 'symbol') throw new Error('nestjs lacks SCOPEGUARD_VERIFIER')
const required = (await import('node:module')).createRequire(import.meta.url)('@scopeguard/core')
if (typeof required.createVerifier !== 'function') throw new Error('require() of the ESM package failed')
console.log('ok   packed tarballs import and require as a user would')
`,
  )
  try {
    console.log(run('node', ['check.mjs'], { cwd: app }).trim())
  } catch (error) {
    failed++
    console.error(`FAIL importing the packed tarballs\n${error.stdout ?? ''}${error.stderr ?? ''}`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
if (failed > 0) {
  console.error(`${failed} packaging check(s) failed`)
  process.exit(1)
}
console.log('packaging checks passed')
