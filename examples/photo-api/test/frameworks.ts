/** The FRAMEWORK values the end-to-end suites loop over. */
import type { Framework } from '../src/config.js'

export const E2E_FRAMEWORKS: readonly Framework[] = ['express', 'koa', 'fastify', 'nestjs']
