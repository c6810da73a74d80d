/**
 * Key names. Every key starts with the configured prefix. Keys that one script or transaction
 * touches together (the revocation set and its version counter) share a Redis Cluster hash tag, so
 * they live in one slot; per-token keys (replay, introspection) carry no tag and spread over the
 * cluster.
 *
 * @module
 */
import { ConfigurationError } from '@scopeguard/core'

/** The default key prefix. */
export const DEFAULT_PREFIX = 'scopeguard:'

/**
 * Checks a key prefix: printable, without braces (a brace would change the hash slot), at most 64
 * characters.
 *
 * @throws `ConfigurationError` with a sentence that says what a prefix may hold.
 */
export function checkPrefix(prefix: unknown = DEFAULT_PREFIX): string {
  if (typeof prefix !== 'string' || !/^[\x21-\x7a|~]{0,64}$/.test(prefix)) {
    throw new ConfigurationError(
      '"prefix" must be up to 64 printable ASCII characters without spaces or braces, e.g. "myapp:scopeguard:"',
    )
  }
  return prefix
}

/** The revocation keys and channel under a prefix. */
export function revocationKeys(prefix: string): {
  entries: string
  version: string
  channel: string
} {
  // Both keys carry the tag {revocations}: one slot, so one script may touch them together.
  return {
    entries: `${prefix}{revocations}:entries`,
    version: `${prefix}{revocations}:version`,
    channel: `${prefix}revocations`,
  }
}
