/**
 * Scopes: reading them from a token (`scope` as a space-delimited string, `scp` as a string or an
 * array of strings) and checking a route's requirement. Matching is exact, case-sensitive and by
 * whole scope token; with a resource-server prefix, a route's `photos.read` is met only by the token
 * scope `<prefix>/photos.read`.
 *
 * @module
 */

/** A scope claim that is neither a string nor an array of strings. */
export class ScopeClaimError extends Error {
  override readonly name = 'ScopeClaimError'
}

function splitScopes(value: string, into: Set<string>): void {
  for (const scope of value.split(' ')) if (scope !== '') into.add(scope)
}

/**
 * Reads the granted scopes of a claim set from `scope` and `scp`.
 *
 * @throws {@link ScopeClaimError} when either claim has another type.
 * @example
 * ```ts
 * readScopes({ scope: 'photos.read photos.write' }) // ['photos.read', 'photos.write']
 * ```
 */
export function readScopes(claims: Record<string, unknown>): string[] {
  const scopes = new Set<string>()
  for (const name of ['scope', 'scp'] as const) {
    if (!Object.hasOwn(claims, name)) continue
    const value = claims[name]
    if (typeof value === 'string') splitScopes(value, scopes)
    else if (name === 'scp' && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      for (const scope of value) splitScopes(scope, scopes)
    } else throw new ScopeClaimError(`the ${name} claim has an invalid type`)
  }
  return [...scopes]
}

/** How a list of scopes is matched. */
export type ScopeMode = 'all' | 'any'

/** The HTTP methods that need the read scope and the write scope in a {@link MethodScopeMap}. */
export const READ_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS']
export const WRITE_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE']

/**
 * Scopes per HTTP method for resource-style routes: `read` covers GET, HEAD and OPTIONS, `write`
 * covers POST, PUT, PATCH and DELETE, and an upper-case method name sets (or overrides) one method.
 * A method the map does not cover is refused with `insufficient_scope`.
 */
export interface MethodScopeMap {
  read?: string | readonly string[]
  write?: string | readonly string[]
  [method: string]: string | readonly string[] | undefined
}

/** A route's scope requirement. */
export type ScopeRequirement =
  | { all: readonly string[] }
  | { any: readonly string[] }
  | { byMethod: MethodScopeMap; mode?: ScopeMode }

/** A requirement compiled for one resource-server prefix. */
export interface CompiledScopes {
  mode: ScopeMode
  /** The scopes as they must appear in the token. */
  required: readonly string[]
}

/** Applies the resource-server prefix to a route scope (a scope that already has it is kept). */
export function prefixScope(scope: string, resourceServer: string | undefined): string {
  if (resourceServer === undefined || scope.startsWith(`${resourceServer}/`)) return scope
  return `${resourceServer}/${scope}`
}

function list(value: string | readonly string[] | undefined): readonly string[] | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? [value] : value
}

/**
 * Compiles a requirement into per-method checks. The result maps each method (or `*`) to the
 * scopes the token must hold.
 */
export function compileRequirement(
  requirement: ScopeRequirement,
  resourceServer: string | undefined,
): (method: string | undefined) => CompiledScopes | undefined {
  const compile = (mode: ScopeMode, scopes: readonly string[]): CompiledScopes => ({
    mode,
    required: scopes.map((scope) => prefixScope(scope, resourceServer)),
  })
  if ('all' in requirement) {
    const compiled = compile('all', requirement.all)
    return () => compiled
  }
  if ('any' in requirement) {
    const compiled = compile('any', requirement.any)
    return () => compiled
  }
  const mode = requirement.mode ?? 'all'
  const byMethod = new Map<string, CompiledScopes>()
  const { read, write, ...methods } = requirement.byMethod
  const readScopes = list(read)
  const writeScopes = list(write)
  if (readScopes !== undefined) {
    for (const method of READ_METHODS) byMethod.set(method, compile(mode, readScopes))
  }
  if (writeScopes !== undefined) {
    for (const method of WRITE_METHODS) byMethod.set(method, compile(mode, writeScopes))
  }
  for (const [method, scopes] of Object.entries(methods)) {
    const listed = list(scopes)
    if (listed !== undefined) byMethod.set(method.toUpperCase(), compile(mode, listed))
  }
  return (method) => byMethod.get((method ?? 'GET').toUpperCase())
}

/** True when `granted` satisfies `compiled`. */
export function scopesSatisfy(granted: readonly string[], compiled: CompiledScopes): boolean {
  if (compiled.required.length === 0) return true
  return compiled.mode === 'all'
    ? compiled.required.every((scope) => granted.includes(scope))
    : compiled.required.some((scope) => granted.includes(scope))
}
