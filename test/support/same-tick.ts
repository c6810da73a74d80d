/**
 * Starts a watch on the current synchronous run: the returned function answers true while no
 * microtask has run since the watch started. A middleware that waits on a promise (however settled)
 * lets the queued microtask run first, so code after it reads false.
 *
 * @example
 * ```ts
 * const stillSame = sameTick()
 * await Promise.resolve()
 * stillSame() // false
 * ```
 */
export function sameTick(): () => boolean {
  let same = true
  queueMicrotask(() => {
    same = false
  })
  return () => same
}

/**
 * The three requests of the adapters' same-tick tests, one after another: the first token of a key
 * set (it waits for the fetch), the same token again (a token-cache hit) and a new token (a
 * key-cache hit). `get` sends one request and answers its JSON body.
 */
export async function firstThenCached(
  get: (authorization: string) => Promise<unknown>,
  token: (scope: string) => Promise<string>,
): Promise<unknown[]> {
  const first = `Bearer ${await token('photos.read')}`
  const second = `Bearer ${await token('photos.read photos.write')}`
  return [await get(first), await get(first), await get(second)]
}

/** What {@link firstThenCached} answers when only the key fetch made the request wait. */
export const WAITED_ONLY_FOR_THE_KEYS = [
  { sameTick: false },
  { sameTick: true },
  { sameTick: true },
]
