/**
 * `@scopeguard/opentelemetry`: a scopeguard verifier's events as OpenTelemetry metrics
 * (`scopeguard_verifications_total`, `scopeguard_verification_duration_seconds`,
 * `scopeguard_jwks_fetches_total`, `scopeguard_jwks_fetch_duration_seconds`,
 * `scopeguard_introspections_total`, `scopeguard_dpop_replays_total`) and span events.
 *
 * @packageDocumentation
 */
export { instrumentVerifier, openTelemetryListener, INSTRUMENTATION_SCOPE } from './instrument.js'
export type { OpenTelemetryOptions } from './instrument.js'
export { METRIC_NAMES } from './metrics.js'
