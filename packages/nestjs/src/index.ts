/**
 * Placeholder until the adapter lands: re-exports the core so the package builds.
 *
 * @packageDocumentation
 */
export * from '@scopeguard/core'
