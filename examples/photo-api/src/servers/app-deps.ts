/**
 * What every server is built from, and what a started server offers.
 *
 * @module
 */
import type { Verifier } from '@scopeguard/core'
import type { PhotoService } from '../domain/photo-service.js'

/** The shared parts: the photo service and the app's one verifier. */
export interface AppDeps {
  /** The photo domain. */
  photos: PhotoService
  /** The one verifier (it owns the key cache). */
  verifier: Verifier
}

/** A listening server. */
export interface RunningServer {
  /** The bound port. */
  port: number
  /** Stops accepting and closes. */
  close(): Promise<void>
}

/** Starts a server for one framework. */
export type StartServer = (
  deps: AppDeps,
  listen: { port: number; host: string },
) => Promise<RunningServer>
