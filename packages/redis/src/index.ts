/**
 * `@scopeguard/redis`: filled in by its issue.
 *
 * @packageDocumentation
 */
export {}
