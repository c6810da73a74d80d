import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const project = fileURLToPath(new URL('./with-fastify-jwt/tsconfig.json', import.meta.url))

describe('@scopeguard/fastify types under a namespace', () => {
  // A program of its own: declaring the namespace changes FastifyInstance for a whole program.
  it('types fastify.<namespace> and frees the default names for the app and @fastify/jwt', async () => {
    const run = promisify(execFile)(process.execPath, [tsc, '-p', project, '--noEmit'])
    await expect(run).resolves.toMatchObject({ stdout: '' })
  }, 120_000)
})
