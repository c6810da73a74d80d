/**
 * What every adapter builds the same way: its three scope guards (validated when they are
 * created, checked per request after `authenticate()`), and the precondition of its RFC 9728
 * handler. An adapter keeps only its framework's calling convention.
 *
 * @module
 */
import type { AuthInfo } from './auth-info.js'
import { authenticatedBy } from './authentication.js'
import { ConfigurationError } from './errors.js'
import type { ProtectedResourceMetadata } from './resource-metadata.js'
import {
  checkScopeRequirement,
  type MethodScopeMap,
  type ScopeMode,
  type ScopeRequirement,
} from './scopes.js'
import type { Verifier } from './verifier.js'

/**
 * One guard's check of one request: `carrier` is the framework's request (or context) that the
 * `authenticate()` step of `authentication()` marked (unmarked: it did not run), `auth` what it
 * found.
 */
export type ScopeCheck = (
  carrier: object,
  auth: AuthInfo | undefined,
  method: string | undefined,
) => void

/**
 * The scope-guard factories of an adapter, which exports them re-typed for its framework. Each
 * validates its requirement when it is created (a malformed one throws `ConfigurationError` at
 * start-up); per request it refuses with 403 `insufficient_scope` (401 for an anonymous request),
 * and with a plain `Error` (a 500) when the adapter's `authenticate()` did not run first. Scopes
 * are prefixed with the verifier's `resourceServer` when it has one.
 */
export interface ScopeGuards<Guard> {
  /** Requires every listed scope (with none, only an authenticated request). */
  requireScopes: (...scopes: string[]) => Guard
  /** Requires at least one of the listed scopes. */
  requireAnyScope: (...scopes: string[]) => Guard
  /**
   * Requires the scopes of the request's method: `read` covers GET, HEAD and OPTIONS, `write`
   * POST, PUT, PATCH and DELETE, an upper-case method name one method; a method the map leaves
   * out is refused with 403. Lists are all-of unless `mode` is `any`.
   */
  requireScopesByMethod: (map: MethodScopeMap, mode?: ScopeMode) => Guard
}

/**
 * Builds an adapter's scope guards from its one way of wrapping a check. Each requirement is
 * validated when its guard is created, so a malformed one fails at start-up.
 *
 * @param wrap - Turns a check into the framework's middleware, hook or decorator.
 * @param mountFirst - What the error says must run first, e.g. `mount authenticate()`.
 * @throws {@link ConfigurationError} from a factory, for a malformed requirement. The check
 * throws the verifier's `OAuthError` (403, or 401 for an anonymous request), or an `Error` when
 * `authenticate()` did not run before it.
 * @example
 * ```ts
 * const guards = scopeGuards((check) => (req, res, next) => { check(req, req.auth, req.method); next() })
 * app.post('/photos', guards.requireScopes('photos.write'), upload)
 * ```
 */
export function scopeGuards<Guard>(
  wrap: (check: ScopeCheck, requirement: ScopeRequirement) => Guard,
  mountFirst = 'mount authenticate()',
): ScopeGuards<Guard> {
  const message = `scopeguard: ${mountFirst} before the scope guards of this route`
  const guard = (requirement: ScopeRequirement): Guard => {
    checkScopeRequirement(requirement)
    return wrap((carrier, auth, method) => {
      const verifier = authenticatedBy(carrier)
      if (verifier === undefined) throw new Error(message)
      verifier.checkScopes(auth, requirement, method)
    }, requirement)
  }
  return {
    requireScopes: (...scopes) => guard({ all: scopes }),
    requireAnyScope: (...scopes) => guard({ any: scopes }),
    requireScopesByMethod: (map, mode) => guard({ byMethod: map, mode }),
  }
}

/**
 * The RFC 9728 document an adapter's metadata handler answers with.
 *
 * @throws {@link ConfigurationError} when the verifier was created without `resourceMetadata`.
 * @example
 * ```ts
 * const document = resourceMetadataDocument(verifier)
 * app.get(verifier.resourceMetadata!.path, (req, res) => res.json(document))
 * ```
 */
export function resourceMetadataDocument(verifier: Verifier): ProtectedResourceMetadata {
  const metadata = verifier.resourceMetadata
  if (metadata === undefined) {
    throw new ConfigurationError(
      'protectedResourceMetadata() needs a verifier created with the "resourceMetadata" option',
    )
  }
  return metadata.document
}

/**
 * Builds an adapter's `protectedResourceMetadata(verifier)` from its one way of answering a JSON
 * document; the verifier's document is looked up (and its absence refused) once, at start-up.
 *
 * @param serve - Turns the document into the framework's route handler.
 * @throws {@link ConfigurationError} from the factory, for a verifier without `resourceMetadata`.
 * @example
 * ```ts
 * export const protectedResourceMetadata = metadataHandler((document) => (req, res) => res.json(document))
 * ```
 */
export function metadataHandler<Handler>(
  serve: (document: ProtectedResourceMetadata) => Handler,
): (verifier: Verifier) => Handler {
  return (verifier) => serve(resourceMetadataDocument(verifier))
}
