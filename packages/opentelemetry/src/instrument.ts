/**
 * Attaches OpenTelemetry to a verifier through `@opentelemetry/api` only: the app's SDK (its
 * `MeterProvider`, its exporters, its context manager) decides where the data goes.
 *
 * @module
 */
import { metrics, type MeterProvider } from '@opentelemetry/api'
import type { EventListener, Verifier } from '@scopeguard/core'
import { eventMetricsOf } from './metrics.js'
import { recordOnActiveSpan } from './spans.js'

/** Options of {@link instrumentVerifier} and {@link openTelemetryListener}. */
export interface OpenTelemetryOptions {
  /**
   * Where the metrics go. Default: the global provider (`metrics.getMeterProvider()`), which is a
   * no-op until the app registers an SDK.
   */
  meterProvider?: MeterProvider
  /**
   * Add the events to the active span (attributes `scopeguard.*` on a verification, and one span
   * event per event). Default: true. False reports metrics only.
   */
  spans?: boolean
}

/** The name of the meter the instruments are created on (the `otel_scope_name` label). */
export const INSTRUMENTATION_SCOPE = '@scopeguard/opentelemetry'

/**
 * A verifier event listener that records metrics and span events; for {@link Verifier.subscribe}.
 *
 * @throws TypeError when `options.meterProvider` is not a meter provider.
 * @example
 * ```ts
 * const off = verifier.subscribe(openTelemetryListener({ meterProvider }))
 * ```
 */
export function openTelemetryListener(options: OpenTelemetryOptions = {}): EventListener {
  const provider = options.meterProvider ?? metrics.getMeterProvider()
  if (typeof (provider as Partial<MeterProvider>).getMeter !== 'function') {
    throw new TypeError('scopeguard: "meterProvider" must be an OpenTelemetry MeterProvider')
  }
  const recorder = eventMetricsOf(provider.getMeter(INSTRUMENTATION_SCOPE))
  const spans = options.spans !== false
  return (event) => {
    recorder.record(event)
    if (spans) recordOnActiveSpan(event)
  }
}

/**
 * Reports a verifier's events as OpenTelemetry metrics and span events. Returns the function that
 * detaches it again.
 *
 * @throws TypeError when `options.meterProvider` is not a meter provider.
 * @example
 * ```ts
 * import { instrumentVerifier } from '@scopeguard/opentelemetry'
 *
 * const verifier = createVerifier({ issuer, audience })
 * instrumentVerifier(verifier) // the globally registered MeterProvider
 * ```
 */
export function instrumentVerifier(
  verifier: Verifier,
  options: OpenTelemetryOptions = {},
): () => void {
  return verifier.subscribe(openTelemetryListener(options))
}
