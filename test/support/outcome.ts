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
