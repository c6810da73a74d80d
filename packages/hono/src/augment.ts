/**
 * Types `c.get('auth')` and `c.var.auth` in every Hono app (Hono's `ContextVariableMap`), also
 * where the app's `Env` does not name {@link ScopeguardEnv}.
 *
 * @module
 */
import type { AuthInfo } from '@scopeguard/core'

declare module 'hono' {
  interface ContextVariableMap {
    /** The verified token, set by `authenticate()`; undefined for anonymous requests. */
    auth: AuthInfo | undefined
  }
}

export {}
