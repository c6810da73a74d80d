/**
 * Types `req.auth` on Express's `Request` (Express 4 and 5 typings both merge the global
 * `Express.Request` interface into theirs).
 *
 * @module
 */
import type { AuthInfo } from '@scopeguard/core'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token, set by `authenticate()`; undefined for anonymous requests. */
      auth?: AuthInfo | undefined
    }
  }
}

export {}
