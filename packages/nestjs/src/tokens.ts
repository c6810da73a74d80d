/**
 * Injection tokens and metadata keys of the Nest adapter.
 *
 * @module
 */

/**
 * Injection token of the app's one {@link Verifier} (it owns the key cache). `ScopeguardModule`
 * provides it globally.
 *
 * @example
 * ```ts
 * constructor(@Inject(SCOPEGUARD_VERIFIER) private readonly verifier: Verifier) {}
 * ```
 */
export const SCOPEGUARD_VERIFIER = Symbol.for('scopeguard.verifier')

/** Injection token of the module's {@link ScopeguardModuleExtras} (internal). */
export const SCOPEGUARD_EXTRAS = Symbol.for('scopeguard.extras')

/** Metadata key of a route's authentication mode (`required`, `optional`, `public`). */
export const AUTH_MODE_KEY = 'scopeguard:auth-mode'

/** Metadata key of a route's scope requirement (a core `ScopeRequirement`). */
export const SCOPES_KEY = 'scopeguard:scopes'

/** How a route authenticates: a token is required, optional, or not read at all. */
export type AuthMode = 'required' | 'optional' | 'public'
