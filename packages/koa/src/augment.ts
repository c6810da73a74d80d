/**
 * Types `ctx.state.auth` on Koa's default state (`@types/koa`, used by Koa 2 and 3 apps).
 *
 * @module
 */
import type { AuthInfo } from '@scopeguard/core'
import type * as koa from 'koa'

declare module 'koa' {
  interface DefaultState {
    /** The verified token, set by `authenticate()`; undefined for anonymous requests. */
    auth?: AuthInfo | undefined
  }
}

/** Koa's default state with `auth` (the same type `ctx.state` has in every Koa middleware). */
export type KoaStateWithAuth = koa.DefaultState
