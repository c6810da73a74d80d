/** The FRAMEWORK values the end-to-end suites loop over: every framework the example serves. */
import { FRAMEWORKS, type Framework } from '../src/config.js'

export const E2E_FRAMEWORKS: readonly Framework[] = FRAMEWORKS
