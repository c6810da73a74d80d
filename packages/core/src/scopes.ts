/**
 * Scopes: reading them from a token (`scope` as a space-delimited string, `scp` as a string or an
 * array of strings) and checking a route's requirement. Matching is exact, case-sensitive and by
 * whole scope token; with a resource-server prefix, a route's `photos.read` is met only by the token
 * scope `<prefix>/photos.read`.
 *
 * @module
 */

import { ConfigurationError, Refusal } from './errors.js'

/**
 * Reads the granted scopes of a claim set: `scope` is a string of scopes separated by single
 * spaces (RFC 6749 section 3.3; a tab is not a separator), `scp` a string of the same form or an
 * array whose every element is one whole scope. Both claims count; duplicates are dropped.
 *
 * @throws `Error` with the message `bad_scope_claim` when `scope` is not a string, or `scp`
 * neither a string nor an array of strings.
 * @example
 * ```ts
 * readScopes({ scope: 'photos.read photos.write' }) // ['photos.read', 'photos.write']
 * readScopes({ scp: ['photos.read'] }) // ['photos.read']
 * ```
 */
export function readScopes(claims: Record<string, unknown>): string[] {
  // The usual case, a short `scope` string alone, without a Set.
  if (
    !Object.hasOwn(claims, 'scp') &&
    typeof claims.scope === 'string' &&
    Object.hasOwn(claims, 'scope')
  ) {
    const parts = claims.scope.split(' ')
    if (parts.length <= 16) {
      const few: string[] = []
      for (const scope of parts) if (scope !== '' && !few.includes(scope)) few.push(scope)
      return few
    }
  }
  const scopes = new Set<string>()
  for (const name of ['scope', 'scp'] as const) {
    if (!Object.hasOwn(claims, name)) continue
    const value = claims[name]
    if (typeof value === 'string') {
      for (const scope of value.split(' ')) if (scope !== '') scopes.add(scope)
    } else if (
      name === 'scp' &&
      Array.isArray(value) &&
      value.every((v) => typeof v === 'string')
    ) {
      for (const scope of value) if (scope !== '') scopes.add(scope)
    } else throw new Refusal('bad_scope_claim')
  }
  return [...scopes]
}

/** How a list of scopes is matched: `all` of them, or `any` one. */
export type ScopeMode = 'all' | 'any'

/** The HTTP methods the `read` entry of a {@link MethodScopeMap} covers: GET, HEAD, OPTIONS. */
export const READ_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD', 'OPTIONS'])
/** The HTTP methods the `write` entry of a {@link MethodScopeMap} covers: POST, PUT, PATCH, DELETE. */
export const WRITE_METHODS: readonly string[] = Object.freeze(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Scopes per HTTP method for resource-style routes: `read` covers GET, HEAD and OPTIONS, `write`
 * covers POST, PUT, PATCH and DELETE, and an upper-case method name sets (or overrides) one method.
 * A method the map does not cover is refused with `insufficient_scope`.
 */
export interface MethodScopeMap {
  /** Scope(s) for GET, HEAD and OPTIONS. */
  read?: string | readonly string[]
  /** Scope(s) for POST, PUT, PATCH and DELETE. */
  write?: string | readonly string[]
  /** Scope(s) for one method, by name (`DELETE: 'photos.admin'`); overrides read/write. */
  [method: string]: string | readonly string[] | undefined
}

/**
 * A route's scope requirement: every scope (`all`), at least one (`any`), or per HTTP method
 * (`byMethod`, all-of unless `mode: 'any'`). Scopes are written in route form: without the
 * `resourceServer` prefix, which the verifier adds.
 */
export type ScopeRequirement =
  | { all: readonly string[] }
  | { any: readonly string[] }
  | { byMethod: MethodScopeMap; mode?: ScopeMode | undefined }

/** A requirement compiled for one resource-server prefix. */
export interface CompiledScopes {
  /** All-of or any-of. */
  mode: ScopeMode
  /** The scopes as they must appear in the token. */
  required: readonly string[]
}

/**
 * Applies the resource-server prefix to a route scope (a scope that already has it is kept).
 *
 * @example
 * ```ts
 * prefixScope('photos.read', 'https://photos.example.com') // 'https://photos.example.com/photos.read'
 * prefixScope('photos.read', undefined) // 'photos.read'
 * ```
 */
export function prefixScope(scope: string, resourceServer: string | undefined): string {
  if (resourceServer === undefined || scope.startsWith(`${resourceServer}/`)) return scope
  return `${resourceServer}/${scope}`
}

function bad(message: string): never {
  throw new ConfigurationError(`scope requirement: ${message}`)
}

function list(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined
  const scopes = typeof value === 'string' ? [value] : value
  if (!Array.isArray(scopes)) bad(`${where} must be a scope or an array of scopes`)
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope === '' || /\s/.test(scope)) {
      bad(`${where} must hold non-empty scopes without whitespace`)
    }
  }
  return scopes as string[]
}

/**
 * Compiles a requirement for one resource-server prefix. The result gives, for a request method,
 * the scopes the token must hold (`undefined`: a method a `byMethod` map does not cover).
 *
 * @throws {@link ConfigurationError} for a malformed requirement (not `all`/`any`/`byMethod`, a
 * scope that is empty or holds whitespace, an empty `any` list); the returned function throws a
 * `TypeError` when a `byMethod` requirement is checked without a method.
 */
export function compileRequirement(
  requirement: ScopeRequirement,
  resourceServer: string | undefined,
): (method: string | undefined) => CompiledScopes | undefined {
  const compile = (mode: ScopeMode, scopes: readonly string[]): CompiledScopes => ({
    mode,
    required: scopes.map((scope) => prefixScope(scope, resourceServer)),
  })
  if (typeof requirement !== 'object' || requirement === null) {
    bad('expected { all: [...] }, { any: [...] } or { byMethod: {...} }')
  }
  if ('all' in requirement) {
    const compiled = compile('all', list(requirement.all, '"all"') ?? bad('"all" is missing'))
    return () => compiled
  }
  if ('any' in requirement) {
    const scopes = list(requirement.any, '"any"') ?? []
    if (scopes.length === 0) bad('"any" needs at least one scope')
    const compiled = compile('any', scopes)
    return () => compiled
  }
  if (!('byMethod' in requirement) || typeof requirement.byMethod !== 'object') {
    bad('expected { all: [...] }, { any: [...] } or { byMethod: {...} }')
  }
  const mode = requirement.mode ?? 'all'
  if (mode !== 'all' && mode !== 'any') bad('"mode" must be "all" or "any"')
  const byMethod = new Map<string, CompiledScopes>()
  const { read, write, ...methods } = requirement.byMethod
  const readScopes = list(read, '"byMethod.read"')
  const writeScopes = list(write, '"byMethod.write"')
  if (readScopes !== undefined) {
    for (const method of READ_METHODS) byMethod.set(method, compile(mode, readScopes))
  }
  if (writeScopes !== undefined) {
    for (const method of WRITE_METHODS) byMethod.set(method, compile(mode, writeScopes))
  }
  for (const [method, scopes] of Object.entries(methods)) {
    const listed = list(scopes, `"byMethod.${method}"`)
    if (listed !== undefined) byMethod.set(method.toUpperCase(), compile(mode, listed))
  }
  return (method) => {
    if (typeof method !== 'string') {
      throw new TypeError('a byMethod scope requirement needs the request method')
    }
    return byMethod.get(method.toUpperCase())
  }
}

/**
 * Checks a scope requirement's shape and scopes without a verifier, so a guard built from it can
 * refuse a malformed one at start-up rather than answer 500 on every request. Returns it as given.
 *
 * @throws {@link ConfigurationError} as {@link compileRequirement}.
 * @example
 * ```ts
 * const requirement = checkScopeRequirement({ any: ['photos.read', 'photos.admin'] })
 * checkScopeRequirement({ any: [] }) // throws: "any" needs at least one scope
 * ```
 */
export function checkScopeRequirement<T extends ScopeRequirement>(requirement: T): T {
  compileRequirement(requirement, undefined)
  return requirement
}

/**
 * True when `granted` satisfies `compiled`: exact, case-sensitive comparison of whole scopes.
 * An empty all-of list is always satisfied.
 */
export function scopesSatisfy(granted: readonly string[], compiled: CompiledScopes): boolean {
  if (compiled.required.length === 0) return true
  return compiled.mode === 'all'
    ? compiled.required.every((scope) => granted.includes(scope))
    : compiled.required.some((scope) => granted.includes(scope))
}
