/**
 * The core's events as OpenTelemetry metrics. Instrument names are chosen so that a Prometheus
 * exporter prints the names operators query: counters get their `_total` from the exporter (an
 * OpenTelemetry counter is named without it), and durations are histograms in seconds whose name
 * already ends in `_seconds`.
 *
 * @module
 */
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api'
import type { ScopeguardEvent } from '@scopeguard/core'

/** Bucket bounds of the verification histogram, in seconds (a cached token takes microseconds). */
const VERIFICATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]
/** Bucket bounds of the key-set fetch histogram, in seconds (the fetch timeout is 5 s by default). */
const FETCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The metric names, as Prometheus shows them once exported. */
export const METRIC_NAMES = {
  verifications: 'scopeguard_verifications_total',
  verificationDuration: 'scopeguard_verification_duration_seconds',
  jwksFetches: 'scopeguard_jwks_fetches_total',
  jwksFetchDuration: 'scopeguard_jwks_fetch_duration_seconds',
  introspections: 'scopeguard_introspections_total',
  dpopReplays: 'scopeguard_dpop_replays_total',
} as const

/** The OpenTelemetry name of a Prometheus counter name: the exporter adds `_total` back. */
const counterName = (name: string): string => name.slice(0, -'_total'.length)

/** The instruments of one meter, and how each event moves them. */
export interface EventMetrics {
  record(event: ScopeguardEvent): void
}

/** Creates the instruments on `meter`. */
export function createEventMetrics(meter: Meter): EventMetrics {
  const verifications: Counter = meter.createCounter(counterName(METRIC_NAMES.verifications), {
    description: 'Token verifications and scope refusals, by outcome, reason and scheme',
  })
  const verificationDuration: Histogram = meter.createHistogram(METRIC_NAMES.verificationDuration, {
    description: 'Time to verify a token (key fetches and custom validators included)',
    unit: 's',
    advice: { explicitBucketBoundaries: VERIFICATION_BUCKETS },
  })
  const jwksFetches: Counter = meter.createCounter(counterName(METRIC_NAMES.jwksFetches), {
    description: 'Key-set (JWKS) fetches, by result',
  })
  const jwksFetchDuration: Histogram = meter.createHistogram(METRIC_NAMES.jwksFetchDuration, {
    description: 'Time to fetch and parse a key set (JWKS)',
    unit: 's',
    advice: { explicitBucketBoundaries: FETCH_BUCKETS },
  })
  const introspections: Counter = meter.createCounter(counterName(METRIC_NAMES.introspections), {
    description: 'RFC 7662 token introspections, by result',
  })
  const dpopReplays: Counter = meter.createCounter(counterName(METRIC_NAMES.dpopReplays), {
    description: 'DPoP proofs refused because their jti was already used',
  })

  return {
    record(event) {
      switch (event.type) {
        case 'verification': {
          const labels: Attributes = {
            outcome: event.outcome,
            reason: event.reason ?? 'none',
            scheme: event.scheme,
          }
          verifications.add(1, labels)
          if (event.stage === 'token' && event.outcome !== 'anonymous') {
            verificationDuration.record(event.durationMs / 1000, { outcome: event.outcome })
          }
          break
        }
        case 'jwks_fetch':
          jwksFetches.add(1, { result: event.result })
          jwksFetchDuration.record(event.durationMs / 1000, { result: event.result })
          break
        case 'introspection':
          introspections.add(1, { result: event.result })
          break
        case 'dpop_replay':
          dpopReplays.add(1)
          break
        default:
          // Refresh failures and revocations are counted through the fetches and verifications
          // they come with; they reach traces as span events.
          break
      }
    },
  }
}
