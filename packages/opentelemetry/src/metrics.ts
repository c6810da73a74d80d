/**
 * The core's events as OpenTelemetry metrics. Instrument names are chosen so that a Prometheus
 * exporter prints the names operators query: counters get their `_total` from the exporter (an
 * OpenTelemetry counter is named without it), and durations are histograms in seconds whose name
 * already ends in `_seconds`.
 *
 * @module
 */
import type { Attributes, Histogram, Meter, ObservableResult } from '@opentelemetry/api'
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

/**
 * Counts per attribute set, kept here and handed to an observable counter when the SDK collects:
 * a verification then costs a map update, not the SDK's per-call attribute hashing.
 */
class Tally {
  private readonly counts = new Map<string, { attributes: Attributes; value: number }>()

  add(key: string, attributes: () => Attributes): void {
    const entry = this.counts.get(key)
    if (entry === undefined) this.counts.set(key, { attributes: attributes(), value: 1 })
    else entry.value++
  }

  observe(result: ObservableResult): void {
    for (const { attributes, value } of this.counts.values()) result.observe(value, attributes)
  }
}

function observedCounter(meter: Meter, name: string, description: string): Tally {
  const tally = new Tally()
  meter
    .createObservableCounter(counterName(name), { description })
    .addCallback((result) => tally.observe(result))
  return tally
}

/** A histogram of durations in seconds, with the bucket boundaries of its kind of wait. */
function secondsHistogram(
  meter: Meter,
  name: string,
  description: string,
  buckets: number[],
): Histogram {
  return meter.createHistogram(name, {
    description,
    unit: 's',
    advice: { explicitBucketBoundaries: buckets },
  })
}

/** The instruments of one meter, and how each event moves them. */
export interface EventMetrics {
  record(event: ScopeguardEvent): void
}

const perMeter = new WeakMap<Meter, EventMetrics>()

/**
 * The instruments on `meter`, made once per meter: every verifier instrumented with one provider
 * adds to the same counts.
 */
export function eventMetricsOf(meter: Meter): EventMetrics {
  let metrics = perMeter.get(meter)
  if (metrics === undefined) perMeter.set(meter, (metrics = createEventMetrics(meter)))
  return metrics
}

function createEventMetrics(meter: Meter): EventMetrics {
  const verifications = observedCounter(
    meter,
    METRIC_NAMES.verifications,
    'Token verifications and scope refusals, by outcome, reason and scheme',
  )
  const verificationDuration = secondsHistogram(
    meter,
    METRIC_NAMES.verificationDuration,
    'Time to verify a token (key fetches and custom validators included)',
    VERIFICATION_BUCKETS,
  )
  const jwksFetches = observedCounter(
    meter,
    METRIC_NAMES.jwksFetches,
    'Key-set (JWKS) fetches, by result',
  )
  const jwksFetchDuration = secondsHistogram(
    meter,
    METRIC_NAMES.jwksFetchDuration,
    'Time to fetch and parse a key set (JWKS)',
    FETCH_BUCKETS,
  )
  const introspections = observedCounter(
    meter,
    METRIC_NAMES.introspections,
    'RFC 7662 token introspections, by result',
  )
  const dpopReplays = observedCounter(
    meter,
    METRIC_NAMES.dpopReplays,
    'DPoP proofs refused because their jti was already used',
  )
  /** One attributes object per outcome, made once. */
  const byOutcome = new Map<string, Attributes>()

  return {
    record(event) {
      switch (event.type) {
        case 'verification': {
          const { outcome, scheme } = event
          const reason = event.reason ?? 'none'
          verifications.add(`${outcome} ${reason} ${scheme}`, () => ({ outcome, reason, scheme }))
          if (event.stage === 'token' && outcome !== 'anonymous') {
            let attributes = byOutcome.get(outcome)
            if (attributes === undefined) byOutcome.set(outcome, (attributes = { outcome }))
            verificationDuration.record(event.durationMs / 1000, attributes)
          }
          break
        }
        case 'jwks_fetch': {
          const { result } = event
          jwksFetches.add(result, () => ({ result }))
          jwksFetchDuration.record(event.durationMs / 1000, { result })
          break
        }
        case 'introspection': {
          const { result } = event
          introspections.add(result, () => ({ result }))
          break
        }
        case 'dpop_replay':
          dpopReplays.add('', () => ({}))
          break
        default:
          // Refresh failures and revocations are counted through the fetches and verifications
          // they come with; they reach traces as span events.
          break
      }
    },
  }
}
