import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Tests import every workspace package from its sources, so no build is needed to run them. */
const sources = (backend: 'node' | 'webcrypto') => ({
  '#crypto-backend': here(`./packages/core/src/crypto/${backend}-backend.ts`),
  '@scopeguard/core': here('./packages/core/src/index.ts'),
  '@scopeguard/express': here('./packages/express/src/index.ts'),
  '@scopeguard/koa': here('./packages/koa/src/index.ts'),
  '@scopeguard/fastify': here('./packages/fastify/src/index.ts'),
  '@scopeguard/nestjs': here('./packages/nestjs/src/index.ts'),
  '@scopeguard/hono': here('./packages/hono/src/index.ts'),
  '@scopeguard/redis': here('./packages/redis/src/index.ts'),
  '@scopeguard/opentelemetry': here('./packages/opentelemetry/src/index.ts'),
})

export default defineConfig({
  test: {
    watch: false,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        'packages/core/src/**/*.ts': { lines: 95, branches: 95 },
      },
    },
    // Type tests (`*.test-d.ts`) are compile-time assertions: `npm run typecheck` (tsc over
    // tsconfig.test.json, which includes every test folder) fails on any of them.
    projects: [
      {
        resolve: { alias: sources('node') },
        test: {
          name: 'unit',
          environment: 'node',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['packages/core/test/edge/**'],
        },
      },
      {
        resolve: { alias: sources('webcrypto') },
        test: {
          name: 'edge',
          environment: 'edge-runtime',
          include: ['packages/core/test/edge/**/*.test.ts'],
        },
      },
      {
        resolve: { alias: sources('node') },
        test: {
          name: 'integration',
          environment: 'node',
          include: ['test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
})
