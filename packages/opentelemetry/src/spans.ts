/**
 * The core's events on the active span: a verification sets `scopeguard.*` attributes on the span
 * of the request it belongs to, and every event is added as a span event. Nothing here starts a
 * span; without an active (recording) span an event reaches metrics only.
 *
 * @module
 */
import { trace, type Attributes } from '@opentelemetry/api'
import type { ScopeguardEvent } from '@scopeguard/core'

/** The attributes of an event: configuration-level facts only, as the core reports them. */
export function attributesOf(event: ScopeguardEvent): Attributes {
  switch (event.type) {
    case 'verification':
      return {
        'scopeguard.stage': event.stage,
        'scopeguard.outcome': event.outcome,
        'scopeguard.reason': event.reason,
        'scopeguard.scheme': event.scheme,
        'scopeguard.issuer': event.issuer,
        'scopeguard.algorithm': event.algorithm,
        'scopeguard.token_cache_hit': event.cached,
        'http.response.status_code': event.status,
      }
    case 'jwks_fetch':
      return {
        'url.full': event.url,
        'scopeguard.result': event.result,
        'http.response.status_code': event.status,
        'scopeguard.key_count': event.keyCount,
        'scopeguard.duration_ms': event.durationMs,
      }
    case 'jwks_refresh_failed':
      return {
        'url.full': event.url,
        'scopeguard.result': event.result,
        'scopeguard.serving_stale': event.servingStale,
        'scopeguard.retry_after_s': event.retryAfterSeconds,
      }
    case 'introspection':
      return {
        'scopeguard.result': event.result,
        'http.response.status_code': event.status,
        'scopeguard.duration_ms': event.durationMs,
      }
    case 'revocation':
      return { 'scopeguard.revoked_by': event.by, 'scopeguard.issuer': event.issuer }
    case 'dpop_replay':
      return { 'scopeguard.issuer': event.issuer }
  }
}

/** Adds `event` to the active span; a verification also sets its attributes on the span. */
export function recordOnActiveSpan(event: ScopeguardEvent): void {
  const span = trace.getActiveSpan()
  if (span === undefined || !span.isRecording()) return
  const attributes = attributesOf(event)
  if (event.type === 'verification') span.setAttributes(attributes)
  span.addEvent(`scopeguard.${event.type}`, attributes)
}
