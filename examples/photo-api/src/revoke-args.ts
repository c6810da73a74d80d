/**
 * The revocation CLI's arguments: one of `--jti <jti>`, `--origin-jti <id>`, `--subject <sub>`.
 *
 * @module
 */
import type { RevocationKind } from '@scopeguard/core'
import { ConfigError } from './config.js'

const FLAGS: Record<string, RevocationKind> = {
  '--jti': 'jti',
  '--origin-jti': 'origin_jti',
  '--subject': 'sub',
}

/** How to call the CLI. */
export const REVOKE_USAGE =
  'usage: REDIS_URL=redis://... npm run revoke --workspace examples/photo-api -- --jti <jti> | --origin-jti <id> | --subject <sub>'

/**
 * The revocation the arguments ask for.
 *
 * @throws {@link ConfigError} with the usage line for anything but one flag and one value.
 * @example
 * ```ts
 * parseRevokeArgs(['--subject', 'user-1']) // { kind: 'sub', value: 'user-1' }
 * ```
 */
export function parseRevokeArgs(args: readonly string[]): { kind: RevocationKind; value: string } {
  const [flag, value, ...rest] = args
  const kind = flag === undefined ? undefined : FLAGS[flag]
  if (kind === undefined || value === undefined || value === '' || rest.length > 0) {
    throw new ConfigError(REVOKE_USAGE)
  }
  return { kind, value }
}
