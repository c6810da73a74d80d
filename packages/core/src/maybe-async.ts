/**
 * Values that are ready now on Node (node:crypto answers synchronously) and later on Web Crypto.
 * Chaining them with `andThen` keeps the Node path free of promise ticks.
 *
 * @module
 */

/** A value that may still be on its way. */
export type MaybePromise<T> = T | Promise<T>

/** Calls `next` with `value` now when it is ready, or once it resolves. */
export function andThen<T, U>(
  value: MaybePromise<T>,
  next: (ready: T) => MaybePromise<U>,
): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value)
}
