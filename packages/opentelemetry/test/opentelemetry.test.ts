import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { createVerifier, type ScopeguardEvent, type Verifier } from '@scopeguard/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mswIssuer } from '../../../test/support/msw-issuer.js'
import { sign, cognitoAccess, nowSec } from '../../../test/support/tokens.js'
import {
  instrumentVerifier,
  INSTRUMENTATION_SCOPE,
  METRIC_NAMES,
  openTelemetryListener,
} from '../src/index.js'

const idp = mswIssuer('eu-west-1_Otel', 'ES256', 503)

const contextManager = new AsyncLocalStorageContextManager()
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
})
afterAll(() => {
  context.disable()
})

/** A real SDK pipeline: a MeterProvider whose reader exports into memory on demand. */
function meterPipeline() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  /** Every metric the SDK holds now, by name. */
  const read = async (): Promise<Map<string, MetricData>> => {
    exporter.reset()
    await reader.forceFlush()
    const byName = new Map<string, MetricData>()
    for (const resource of exporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        expect(scope.scope.name).toBe(INSTRUMENTATION_SCOPE)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric)
      }
    }
    return byName
  }
  return { meterProvider, read, close: () => meterProvider.shutdown() }
}

/** The data points of a counter as `label=value,...` → count. */
function counts(metric: MetricData | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const point of metric?.dataPoints ?? []) {
    const labels = Object.entries(point.attributes)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(',')
    out[labels] = point.value as number
  }
  return out
}

function histogramCount(metric: MetricData | undefined): number {
  expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM)
  return (metric?.dataPoints ?? []).reduce(
    (sum, point) => sum + (point.value as Histogram).count,
    0,
  )
}

const request = (authorization?: string) => ({
  method: 'GET',
  url: '/photos',
  headers: authorization === undefined ? {} : { authorization },
})

const newVerifier = (): Verifier =>
  createVerifier({ issuer: idp.issuer, clientId: 'app', tokenUse: 'access' })

describe('metrics through a real MeterProvider', () => {
  it('counts verifications by outcome, reason and scheme, and times the token checks', async () => {
    const { meterProvider, read, close } = meterPipeline()
    const verifier = newVerifier()
    instrumentVerifier(verifier, { meterProvider })
    const token = await idp.token('photos.read')
    const auth = await verifier.authenticate(request(`Bearer ${token}`))
    await verifier.authenticate(request(`Bearer ${token}`))
    const expired = await sign(
      idp.key,
      cognitoAccess(idp.issuer, 'app', 'photos.read', { exp: nowSec() - 60 }),
    )
    await verifier.authenticate(request(`Bearer ${expired}`)).catch(() => undefined)
    await verifier.authenticate(request()).catch(() => undefined)
    expect(() => verifier.requireScopes(auth, ['photos.write'])).toThrow()

    const metric = await read()
    expect(counts(metric.get('scopeguard_verifications'))).toEqual({
      'outcome=accepted,reason=none,scheme=bearer': 2,
      'outcome=refused,reason=expired,scheme=bearer': 1,
      'outcome=refused,reason=missing_token,scheme=none': 1,
      'outcome=refused,reason=insufficient_scope,scheme=bearer': 1,
    })
    const duration = metric.get('scopeguard_verification_duration_seconds')
    expect(duration?.descriptor.unit).toBe('s')
    expect(histogramCount(duration)).toBe(4)
    await close()
  })

  it('counts key-set fetches by result and times them', async () => {
    const { meterProvider, read, close } = meterPipeline()
    const verifier = newVerifier()
    instrumentVerifier(verifier, { meterProvider })
    idp.down = true
    const error = await verifier
      .authenticate(request(`Bearer ${await idp.token('')}`))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 503 })
    idp.down = false
    const fresh = newVerifier()
    instrumentVerifier(fresh, { meterProvider })
    await fresh.warmup()

    const metric = await read()
    expect(counts(metric.get('scopeguard_jwks_fetches'))).toEqual({
      'result=http_error': 1,
      'result=ok': 1,
    })
    expect(counts(metric.get('scopeguard_verifications'))).toEqual({
      'outcome=unavailable,reason=jwks_unavailable,scheme=bearer': 1,
    })
    expect(histogramCount(metric.get('scopeguard_jwks_fetch_duration_seconds'))).toBe(2)
    await close()
  })

  it('stops counting once detached', async () => {
    const { meterProvider, read, close } = meterPipeline()
    const verifier = newVerifier()
    const detach = instrumentVerifier(verifier, { meterProvider })
    await verifier.authenticate(request()).catch(() => undefined)
    detach()
    await verifier.authenticate(request()).catch(() => undefined)
    expect(counts((await read()).get('scopeguard_verifications'))).toEqual({
      'outcome=refused,reason=missing_token,scheme=none': 1,
    })
    await close()
  })

  it('uses the globally registered MeterProvider by default', async () => {
    const { meterProvider, read, close } = meterPipeline()
    metrics.setGlobalMeterProvider(meterProvider)
    try {
      const verifier = newVerifier()
      instrumentVerifier(verifier)
      await verifier.authenticate(request()).catch(() => undefined)
      expect(counts((await read()).get('scopeguard_verifications'))).toEqual({
        'outcome=refused,reason=missing_token,scheme=none': 1,
      })
    } finally {
      metrics.disable()
      await close()
    }
  })

  it('refuses something that is not a MeterProvider at once', () => {
    expect(() => openTelemetryListener({ meterProvider: {} as never })).toThrow(TypeError)
  })
})

describe('the Prometheus names', () => {
  it('shows exactly the documented metric names through the Prometheus exporter', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true })
    const meterProvider = new MeterProvider({ readers: [exporter] })
    const listen = openTelemetryListener({ meterProvider, spans: false })
    const verifier = newVerifier()
    verifier.subscribe(listen)
    await verifier.authenticate(request(`Bearer ${await idp.token('photos.read')}`))
    // Introspection and DPoP replays come from features of their own; their events are mapped
    // the same way whichever part of the verifier sends them.
    const more: ScopeguardEvent[] = [
      { type: 'introspection', result: 'active', status: 200, durationMs: 12 },
      { type: 'introspection', result: 'error', status: 503, durationMs: 40 },
      { type: 'dpop_replay', issuer: idp.issuer },
      { type: 'revocation', by: 'jti', issuer: idp.issuer },
      {
        type: 'jwks_refresh_failed',
        url: undefined,
        result: 'discovery',
        servingStale: true,
        retryAfterSeconds: 5,
      },
    ]
    for (const event of more) listen(event)

    const server = createServer((req, res) => exporter.getMetricsRequestHandler(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    server.close()
    await meterProvider.shutdown()

    const typed = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({
      name,
      type,
    }))
    expect(typed).toEqual(
      expect.arrayContaining([
        { name: METRIC_NAMES.verifications, type: 'counter' },
        { name: METRIC_NAMES.verificationDuration, type: 'histogram' },
        { name: METRIC_NAMES.jwksFetches, type: 'counter' },
        { name: METRIC_NAMES.jwksFetchDuration, type: 'histogram' },
        { name: METRIC_NAMES.introspections, type: 'counter' },
        { name: METRIC_NAMES.dpopReplays, type: 'counter' },
      ]),
    )
    expect(typed.filter(({ name }) => name?.startsWith('scopeguard_'))).toHaveLength(6)
    expect(Object.values(METRIC_NAMES)).toEqual([
      'scopeguard_verifications_total',
      'scopeguard_verification_duration_seconds',
      'scopeguard_jwks_fetches_total',
      'scopeguard_jwks_fetch_duration_seconds',
      'scopeguard_introspections_total',
      'scopeguard_dpop_replays_total',
    ])
    expect(text).toMatch(
      /^scopeguard_verifications_total\{outcome="accepted",reason="none",scheme="bearer",otel_scope_name="@scopeguard\/opentelemetry"\} 1$/m,
    )
    expect(text).toMatch(/^scopeguard_introspections_total\{result="error",[^}]*\} 1$/m)
    expect(text).toMatch(/^scopeguard_dpop_replays_total\{[^}]*\} 1$/m)
  })
})

describe('span attributes and events on the active span', () => {
  function tracing() {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    })
    return { tracer: provider.getTracer('test'), exporter }
  }

  it('sets the verification attributes on the request span and adds one event per event', async () => {
    const { tracer, exporter } = tracing()
    const { meterProvider, close } = meterPipeline()
    const verifier = newVerifier()
    instrumentVerifier(verifier, { meterProvider })
    const token = await idp.token('photos.read')
    await tracer.startActiveSpan('GET /photos', async (span) => {
      await verifier.authenticate(request(`Bearer ${token}`))
      span.end()
    })
    const [span] = exporter.getFinishedSpans()
    expect(span?.attributes).toEqual({
      'scopeguard.stage': 'token',
      'scopeguard.outcome': 'accepted',
      'scopeguard.scheme': 'bearer',
      'scopeguard.issuer': idp.issuer,
      'scopeguard.algorithm': 'ES256',
      'scopeguard.token_cache_hit': false,
      'http.response.status_code': 200,
    })
    expect(span?.events.map((event) => event.name)).toEqual([
      'scopeguard.jwks_fetch',
      'scopeguard.verification',
    ])
    expect(span?.events[0]?.attributes).toMatchObject({
      'url.full': `${idp.issuer}/.well-known/jwks.json`,
      'scopeguard.result': 'ok',
      'http.response.status_code': 200,
      'scopeguard.key_count': 1,
    })
    const everything = JSON.stringify({ attributes: span?.attributes, events: span?.events })
    for (const part of token.split('.')) expect(everything).not.toContain(part.slice(0, 16))
    await close()
  })

  it('reports a refusal on the span without marking the span as failed', async () => {
    const { tracer, exporter } = tracing()
    const { meterProvider, close } = meterPipeline()
    const verifier = newVerifier()
    instrumentVerifier(verifier, { meterProvider })
    await tracer.startActiveSpan('GET /photos', async (span) => {
      await verifier.authenticate(request('Bearer not.a.jwt')).catch(() => undefined)
      span.end()
    })
    const [span] = exporter.getFinishedSpans()
    expect(span?.attributes).toMatchObject({
      'scopeguard.outcome': 'refused',
      'scopeguard.reason': 'malformed',
      'http.response.status_code': 401,
    })
    expect(span?.status.code).toBe(0)
    await close()
  })

  it('leaves spans alone with spans: false, and works without any active span', async () => {
    const { tracer, exporter } = tracing()
    const { meterProvider, read, close } = meterPipeline()
    const verifier = newVerifier()
    instrumentVerifier(verifier, { meterProvider, spans: false })
    await tracer.startActiveSpan('GET /photos', async (span) => {
      await verifier.authenticate(request()).catch(() => undefined)
      span.end()
    })
    const quiet = newVerifier()
    instrumentVerifier(quiet, { meterProvider })
    await quiet.authenticate(request()).catch(() => undefined)
    expect(trace.getActiveSpan()).toBeUndefined()
    const [span] = exporter.getFinishedSpans()
    expect(span?.attributes).toEqual({})
    expect(span?.events).toEqual([])
    expect(counts((await read()).get('scopeguard_verifications'))).toEqual({
      'outcome=refused,reason=missing_token,scheme=none': 2,
    })
    await close()
  })
})
