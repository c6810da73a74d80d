/**
 * `@scopeguard/opentelemetry`: filled in by its issue.
 *
 * @packageDocumentation
 */
export {}
