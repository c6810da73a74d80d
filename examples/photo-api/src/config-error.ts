/**
 * The error of a configuration that cannot start.
 *
 * @module
 */

/** A configuration that cannot start; the message says what to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}
