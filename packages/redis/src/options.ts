/**
 * Defaults and checks shared by the stores' options.
 *
 * @module
 */
import { ConfigurationError } from '@scopeguard/core'

/** The default time limit of a command on the request path, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 250

/**
 * Checks a time limit in milliseconds.
 *
 * @throws `ConfigurationError` when it is not a positive finite number.
 */
export function checkTimeout(value: unknown, fallback: number, name = 'commandTimeout'): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`"${name}" must be a positive number of milliseconds`)
  }
  return value
}
