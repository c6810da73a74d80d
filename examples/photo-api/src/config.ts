/**
 * The example's configuration, read once from the environment. A bad value stops the start with a
 * message that says which variable to fix and how.
 *
 * @module
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ALGORITHMS, type Algorithm } from '@scopeguard/core'
import { ConfigError } from './config-error.js'
import { tlsConfig, type TlsConfig } from './tls-config.js'

/** The web frameworks the example can be served by. */
export const FRAMEWORKS = ['express', 'koa', 'fastify', 'nestjs', 'hono'] as const
/** One of {@link FRAMEWORKS}. */
export type Framework = (typeof FRAMEWORKS)[number]

/** The parsed configuration. */
export interface AppConfig {
  /** `PORT` (default 3000; 0 picks a free port). */
  port: number
  /** `HOST` (default 127.0.0.1). */
  host: string
  /** `FRAMEWORK` (default express). */
  framework: Framework
  /**
   * `PUBLIC_URL`: the API's base URL as clients see it, the RFC 9728 `resource` (default
   * `PUBLIC_ORIGIN`, else `http(s)://<host>:<port>`).
   */
  publicUrl: string | undefined
  /**
   * `PUBLIC_ORIGIN`: the `scheme://host[:port]` clients call, which DPoP proofs' `htu` must name
   * (default: the origin of `PUBLIC_URL`, else `http://<host>:<port>`, `https` with TLS).
   */
  publicOrigin: string | undefined
  /**
   * `DPOP`: `off` (Bearer only, a DPoP-bound token is refused), `allowed` (Bearer and DPoP) or
   * `required` (DPoP only). Default off.
   */
  dpop: DpopMode
  /**
   * `DPOP_NONCE_SECRET`: server nonces (RFC 9449 §9) are required when set; at least 32
   * characters, the same on every instance of a fleet. Needs `DPOP` allowed or required.
   */
  dpopNonceSecret: string | undefined
  /** `TLS_CERT`, `TLS_KEY`, `TLS_CLIENT_CA`: HTTPS, with client certificates when a CA is given. */
  tls: TlsConfig | undefined
  /** `ISSUER`, split on commas; undefined starts the development issuer. */
  issuer: string[] | undefined
  /** `JWKS_URI` (default: discovered from the issuer). */
  jwksUri: string | undefined
  /** `AUDIENCE`, split on commas. */
  audience: string[] | undefined
  /** `CLIENT_ID`, split on commas. */
  clientId: string[] | undefined
  /**
   * `TOKEN_USE`. Default: `access` for the development issuer and Cognito issuers, not checked for
   * other issuers (their tokens carry no `token_use`).
   */
  tokenUse: 'access' | 'id' | undefined
  /** `TYP`: required JWT `typ` header, e.g. `at+jwt` (default: not checked). */
  typ: string | undefined
  /** `RESOURCE_SERVER`: the scope prefix, e.g. `https://photos.example.com`. */
  resourceServer: string | undefined
  /** `ALGORITHMS`, split on commas (default: the core's default list). */
  algorithms: Algorithm[] | undefined
  /** `DATA_DIR` (default examples/photo-api/.data), absolute. */
  dataDir: string
  /** `DEV_ISSUER_PORT` (default 3001; 0 picks a free port). */
  devIssuerPort: number
  /** `REDIS_URL`: shared revocation (and replay) state on Redis when set. */
  redisUrl: string | undefined
  /**
   * RFC 7662 introspection of opaque tokens, on when `INTROSPECTION_CLIENT_ID` is set (it needs
   * `INTROSPECTION_CLIENT_SECRET` and `ISSUER`): `INTROSPECTION_ENDPOINT` (default: the issuer's
   * discovery document), `INTROSPECTION_CACHE_TTL` (seconds a result is reused, default 60; 0
   * asks on every request).
   */
  introspection:
    | { endpoint: string | undefined; clientId: string; clientSecret: string; cacheTtl: number }
    | undefined
}

/** The `DPOP` values. */
export const DPOP_MODES = ['off', 'allowed', 'required'] as const
/** One of {@link DPOP_MODES}. */
export type DpopMode = (typeof DPOP_MODES)[number]

export { ConfigError }

/** The default `DATA_DIR`: `examples/photo-api/.data`, wherever the process starts. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.data', import.meta.url))

const list = (value: string | undefined): string[] | undefined => {
  const items = value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return items === undefined || items.length === 0 ? undefined : items
}

const text = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim()

const port = (name: string, value: string | undefined, fallback: number): number => {
  if (text(value) === undefined) return fallback
  const n = /^\d{1,5}$/.test(value!.trim()) ? Number(value) : NaN
  if (!(n >= 0 && n <= 65535)) {
    throw new ConfigError(`${name}=${value} is not a port: use an integer from 0 to 65535`)
  }
  return n
}

const url = (name: string, value: string): string => {
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new ConfigError(`${name} has "${value}", which is not an absolute URL (https://...)`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${name} has "${value}": use an https:// URL`)
  }
  return value
}

/** `REDIS_URL`: a `redis://` or `rediss://` URL, or unset. */
export function redisUrl(value: string | undefined): string | undefined {
  const given = text(value)
  if (given === undefined) return undefined
  if (!/^rediss?:\/\/[^\s]+$/.test(given)) {
    throw new ConfigError(
      `REDIS_URL has "${given}": use a redis:// or rediss:// URL such as redis://127.0.0.1:6379`,
    )
  }
  return given
}

/**
 * Reads the configuration from environment variables (see the README's table).
 *
 * @throws {@link ConfigError} naming the variable to fix.
 * @example
 * ```ts
 * const config = loadConfig(process.env)
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const framework = (text(env.FRAMEWORK) ?? 'express').toLowerCase()
  if (!FRAMEWORKS.includes(framework as Framework)) {
    throw new ConfigError(
      `FRAMEWORK=${env.FRAMEWORK} is unknown: use one of ${FRAMEWORKS.join(', ')}`,
    )
  }
  const tokenUse = text(env.TOKEN_USE)
  if (tokenUse !== undefined && tokenUse !== 'access' && tokenUse !== 'id') {
    throw new ConfigError(`TOKEN_USE=${env.TOKEN_USE} is unknown: use access or id`)
  }
  const algorithms = list(env.ALGORITHMS)
  const unknown = algorithms?.find((alg) => !Object.hasOwn(ALGORITHMS, alg))
  if (unknown !== undefined) {
    throw new ConfigError(
      `ALGORITHMS has "${unknown}", which is not supported: use a comma-separated list of ${Object.keys(ALGORITHMS).join(', ')}`,
    )
  }
  const issuer = list(env.ISSUER)?.map((i) => url('ISSUER', i))
  const jwksUri = text(env.JWKS_URI)
  const audience = list(env.AUDIENCE)
  const clientId = list(env.CLIENT_ID)
  if (issuer === undefined) {
    const stray = [
      ['JWKS_URI', jwksUri],
      ['AUDIENCE', audience],
      ['CLIENT_ID', clientId],
    ].find(([, v]) => v !== undefined)
    if (stray !== undefined) {
      throw new ConfigError(
        `${String(stray[0])} is set but ISSUER is not: set ISSUER to use your own authorization server, or unset ${String(stray[0])} to use the development issuer`,
      )
    }
  } else if (audience === undefined && clientId === undefined) {
    throw new ConfigError(
      'ISSUER is set but neither AUDIENCE nor CLIENT_ID is: set AUDIENCE (the aud your tokens carry) or CLIENT_ID (the app clients allowed, e.g. for Cognito access tokens)',
    )
  }
  const host = text(env.HOST) ?? '127.0.0.1'
  const publicUrl = text(env.PUBLIC_URL)
  const introspection = introspectionConfig(env, issuer !== undefined)
  const dpop = dpopConfig(env)
  return {
    port: port('PORT', env.PORT, 3000),
    host,
    framework: framework as Framework,
    publicUrl: publicUrl === undefined ? undefined : url('PUBLIC_URL', publicUrl),
    publicOrigin: origin(env.PUBLIC_ORIGIN),
    ...dpop,
    tls: tlsConfig(env),
    issuer,
    jwksUri: jwksUri === undefined ? undefined : url('JWKS_URI', jwksUri),
    audience,
    clientId,
    tokenUse,
    typ: text(env.TYP),
    resourceServer: text(env.RESOURCE_SERVER),
    algorithms: algorithms as Algorithm[] | undefined,
    dataDir: resolve(text(env.DATA_DIR) ?? DEFAULT_DATA_DIR),
    devIssuerPort: port('DEV_ISSUER_PORT', env.DEV_ISSUER_PORT, 3001),
    redisUrl: redisUrl(env.REDIS_URL),
    introspection,
  }
}

/** `PUBLIC_ORIGIN`: a bare `http(s)://host[:port]`, without path, query or fragment. */
function origin(value: string | undefined): string | undefined {
  const given = text(value)
  if (given === undefined) return undefined
  let parsed: URL | undefined
  try {
    parsed = new URL(given)
  } catch {
    parsed = undefined
  }
  const bare =
    parsed !== undefined &&
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
    parsed.pathname === '/' &&
    !/[?#]/.test(given) &&
    parsed.username === '' &&
    parsed.password === ''
  if (!bare) {
    throw new ConfigError(
      `PUBLIC_ORIGIN has "${given}": use the scheme://host[:port] clients call, such as https://photos.example.com, without a path`,
    )
  }
  return parsed!.origin
}

/** `DPOP` and `DPOP_NONCE_SECRET` (see {@link AppConfig.dpop}). */
function dpopConfig(
  env: Record<string, string | undefined>,
): Pick<AppConfig, 'dpop' | 'dpopNonceSecret'> {
  const mode = (text(env.DPOP) ?? 'off').toLowerCase()
  if (!DPOP_MODES.includes(mode as DpopMode)) {
    throw new ConfigError(`DPOP=${env.DPOP} is unknown: use one of ${DPOP_MODES.join(', ')}`)
  }
  const secret = text(env.DPOP_NONCE_SECRET)
  if (secret !== undefined && mode === 'off') {
    throw new ConfigError(
      'DPOP_NONCE_SECRET is set but DPOP is off: set DPOP=allowed or DPOP=required to use DPoP nonces',
    )
  }
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError(
      `DPOP_NONCE_SECRET is ${secret.length} characters long: use a random secret of at least 32 characters (e.g. openssl rand -base64 32)`,
    )
  }
  return { dpop: mode as DpopMode, dpopNonceSecret: secret }
}

/** The `INTROSPECTION_*` variables (see {@link AppConfig.introspection}). */
function introspectionConfig(
  env: Record<string, string | undefined>,
  hasIssuer: boolean,
): AppConfig['introspection'] {
  const endpoint = text(env.INTROSPECTION_ENDPOINT)
  const clientId = text(env.INTROSPECTION_CLIENT_ID)
  const clientSecret = text(env.INTROSPECTION_CLIENT_SECRET)
  const ttl = text(env.INTROSPECTION_CACHE_TTL)
  if (clientId === undefined) {
    const stray = [
      ['INTROSPECTION_ENDPOINT', endpoint],
      ['INTROSPECTION_CLIENT_SECRET', clientSecret],
      ['INTROSPECTION_CACHE_TTL', ttl],
    ].find(([, v]) => v !== undefined)
    if (stray !== undefined) {
      throw new ConfigError(
        `${String(stray[0])} is set but INTROSPECTION_CLIENT_ID is not: set INTROSPECTION_CLIENT_ID (this API's client at the issuer) to introspect opaque tokens`,
      )
    }
    return undefined
  }
  if (!hasIssuer) {
    throw new ConfigError(
      'INTROSPECTION_CLIENT_ID is set but ISSUER is not: introspection needs your own authorization server (the development issuer issues JWTs only)',
    )
  }
  if (clientSecret === undefined) {
    throw new ConfigError(
      'INTROSPECTION_CLIENT_ID is set but INTROSPECTION_CLIENT_SECRET is not: set the client secret the issuer gave this API',
    )
  }
  const cacheTtl = ttl === undefined ? 60 : /^\d{1,6}$/.test(ttl) ? Number(ttl) : NaN
  if (Number.isNaN(cacheTtl)) {
    throw new ConfigError(
      `INTROSPECTION_CACHE_TTL=${ttl} is not a number of seconds: use a whole number (0 asks the issuer on every request)`,
    )
  }
  return {
    endpoint: endpoint === undefined ? undefined : url('INTROSPECTION_ENDPOINT', endpoint),
    clientId,
    clientSecret,
    cacheTtl,
  }
}
