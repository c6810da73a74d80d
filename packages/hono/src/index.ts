/**
 * `@scopeguard/hono`: filled in by its issue.
 *
 * @packageDocumentation
 */
export {}
