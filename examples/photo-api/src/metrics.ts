/**
 * `GET /metrics`: the verifier's events as Prometheus text, through OpenTelemetry. An SDK
 * `MeterProvider` is read by the Prometheus exporter, whose own server is never started: its
 * request handler answers on the API's own port, from each framework's route. Only this example's
 * provider is used (no global registration), so tests can start several apps in one process.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import type { Verifier } from '@scopeguard/core'
import { instrumentVerifier } from '@scopeguard/opentelemetry'

/** The path every framework serves the metrics on. */
export const METRICS_PATH = '/metrics'

/** The metrics of one running example. */
export interface AppMetrics {
  /** Answers a scrape on a Node response: the exporter's own handler (Express, Koa, Fastify, Nest). */
  handle(request: IncomingMessage, response: ServerResponse): void
  /** The same answer as a Fetch API `Response`, for Web-standard frameworks (Hono). */
  response(): Promise<Response>
  /** Detaches the verifier and shuts the provider down. */
  close(): Promise<void>
}

/** The part of a Node `ServerResponse` the exporter's handler writes to. */
interface ScrapeSink {
  statusCode: number
  setHeader(name: string, value: string): void
  end(body?: string): void
}

/**
 * Reports `verifier`'s events as OpenTelemetry metrics and serves them in Prometheus text.
 *
 * @throws Never.
 * @example
 * ```ts
 * const metrics = createAppMetrics(verifier)
 * app.get('/metrics', (req, res) => metrics.handle(req, res))
 * ```
 */
export function createAppMetrics(verifier: Verifier): AppMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true })
  const meterProvider = new MeterProvider({ readers: [exporter] })
  // Metrics only: the example runs no tracing SDK, so there is no span to add events to.
  const detach = instrumentVerifier(verifier, { meterProvider, spans: false })
  return {
    handle: (request, response) => exporter.getMetricsRequestHandler(request, response),
    response() {
      // The handler writes status, content type and body into a Node response; this collects the
      // same three into a Fetch Response, so every framework answers exactly what the exporter says.
      return new Promise((resolve) => {
        const headers = new Headers()
        const sink: ScrapeSink = {
          statusCode: 200,
          setHeader: (name, value) => headers.set(name, value),
          end: (body) => resolve(new Response(body ?? '', { status: sink.statusCode, headers })),
        }
        exporter.getMetricsRequestHandler(
          undefined as unknown as IncomingMessage,
          sink as unknown as ServerResponse,
        )
      })
    },
    async close() {
      detach()
      await meterProvider.shutdown()
    },
  }
}
