/**
 * The photo API on NestJS 11 (placeholder until `@scopeguard/nestjs` lands).
 *
 * @module
 */
import type { StartServer } from './app-deps.js'

/**
 * Serves the NestJS app.
 *
 * @throws Error always, until the NestJS adapter exists.
 * @example
 * ```ts
 * await startNest(deps, { port: 3000, host: '127.0.0.1' })
 * ```
 */
export const startNest: StartServer = () =>
  Promise.reject(
    new Error('FRAMEWORK=nestjs is not available yet: @scopeguard/nestjs is still being built'),
  )
