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

/**
 * `run(a, b)` as a promise, always: its value (or promise) resolved, what it throws rejected. The
 * public promise forms of the synchronous-first steps; two fixed arguments rather than a closure
 * or a rest array, so the call allocates nothing but the promise.
 */
export function promised<A, B, T>(run: (a: A, b: B) => MaybePromise<T>, a: A, b: B): Promise<T> {
  try {
    return Promise.resolve(run(a, b))
  } catch (error) {
    const failure = error as Error // an OAuthError, or a bug's Error
    return Promise.reject(failure)
  }
}
