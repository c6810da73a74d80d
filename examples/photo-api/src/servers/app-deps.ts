/**
 * What every server is built from, and what a started server offers.
 *
 * @module
 */
import type { Verifier } from '@scopeguard/core'
import type { PhotoService } from '../domain/photo-service.js'
import type { AppMetrics } from '../metrics.js'
import type { TlsServerOptions } from '../tls-config.js'

/** The shared parts: the photo service, the app's one verifier and its metrics. */
export interface AppDeps {
  /** The photo domain. */
  photos: PhotoService
  /** The one verifier (it owns the key cache). */
  verifier: Verifier
  /** The verifier's events as Prometheus text, served on `GET /metrics`. */
  metrics: AppMetrics
}

/** A listening server. */
export interface RunningServer {
  /** The bound port. */
  port: number
  /** Stops accepting and closes. */
  close(): Promise<void>
}

/** Where a server listens: plain HTTP, or HTTPS with `tls`. */
export interface ListenOptions {
  /** The port (0 picks a free one). */
  port: number
  /** The address. */
  host: string
  /** HTTPS (and client certificates) when set. */
  tls?: TlsServerOptions | undefined
}

/** Starts a server for one framework. */
export type StartServer = (deps: AppDeps, listen: ListenOptions) => Promise<RunningServer>
