/** A verification's result as one comparable string: `accepted`, or `<code>/<reason>`. */

/** The code and reason an operation rejected with, or 'accepted'; other errors are rethrown. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    return codeAndReason(error)
  }
  return 'accepted'
}

/** The same for a synchronous call. */
export function outcomeOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    return codeAndReason(error)
  }
  return 'accepted'
}

function codeAndReason(error: unknown): string {
  const { code, reason } = error as { code?: string; reason?: string }
  if (code === undefined) throw error
  return `${code}/${reason}`
}

/** What a refused operation rejects with: an `OAuthError`'s answer. */
export interface Refused {
  status: number
  statusCode: number
  expose: boolean
  code: string
  reason: string
  message: string
  headers: Record<string, string>
}

/** The error a promise rejects with; fails the test when it resolves or rejects with a non-OAuth error. */
export async function refusal(promise: Promise<unknown>): Promise<Refused> {
  const error = await promise.then(
    () => new Error('expected a refusal, the operation succeeded'),
    (e: unknown) => e,
  )
  const { code, reason, status } = (error ?? {}) as Partial<Refused>
  if (typeof code !== 'string' || typeof reason !== 'string' || typeof status !== 'number') {
    throw error instanceof Error ? error : new Error(String(error))
  }
  return error as Refused
}
