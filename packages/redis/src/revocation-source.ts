/**
 * The revocation source on Redis. Revocations are written to a sorted set (score: when the entry
 * may be forgotten) by one script that also counts a version and announces the change on a pub/sub
 * channel. Every instance keeps a local replica (`createRevocationList`), so a verification reads
 * memory only; the replica is loaded at start, updated from the announcements, and checked against
 * the version every `syncInterval`: a missed announcement, a reconnect or a Redis that lost its
 * data makes it reload in full, and whatever the replica holds that Redis lacks is written back.
 *
 * @module
 */
import {
  createRevocationList,
  isRevocation,
  type Revocation,
  type RevocationInput,
  type RevocationList,
  type RevocationSource,
  type TokenClaims,
} from '@scopeguard/core'
import { commandsOf, type RedisClient, type Subscription } from './client.js'
import { checkPrefix, revocationKeys } from './keys.js'
import { checkTimeout } from './options.js'

/** Options of {@link createRedisRevocationSource}. */
export interface RedisRevocationSourceOptions {
  /** A connected client the app built (see {@link RedisClient}). Required. */
  client: RedisClient
  /**
   * The connection that receives announcements (a client in subscriber mode can send nothing
   * else). Default: `client.duplicate()` (same server, options and credentials), closed by
   * `close()`; with a node-redis cluster, the cluster's own pub/sub connection. Pass one to
   * control every connection yourself; it is then yours to close.
   */
  subscriber?: RedisClient
  /** Prefix of every key and of the channel. Default: `scopeguard:`. */
  prefix?: string
  /**
   * How often the replica checks the version in Redis, in milliseconds: the longest delay before
   * a revocation whose announcement was missed reaches this instance. Default: 1000.
   */
  syncInterval?: number
  /**
   * Time limit of the source's own commands (version checks, loads, writes), in milliseconds.
   * Default: 2000. Requests never wait on them.
   */
  commandTimeout?: number
  /**
   * How long the replica keeps answering after Redis was last reached, in seconds. Default: 30;
   * then verifications are refused with 503 (`Retry-After`) until Redis answers. 0 fails closed
   * as soon as a version check fails.
   */
  maxStale?: number
  /**
   * The longest lifetime of a token the issuer mints, in seconds: how long an entry is kept when
   * its revocation names no `expiresAt`. Default: 86400 (Cognito's longest access token).
   */
  tokenLifetime?: number
  /** Most entries in the replica. Default: 100000 (see `createRevocationList`). */
  maxEntries?: number
  /** Called with errors of the background work (never with token content). Default: none. */
  onError?: (error: unknown) => void
}

/** The source of {@link createRedisRevocationSource}. */
export interface RedisRevocationSource extends RevocationSource {
  /** True when these claims match a revocation in the local replica (memory only). */
  isRevoked(claims: Readonly<TokenClaims>): boolean
  /**
   * Stores a revocation in Redis and announces it. It applies to this instance at once; the
   * promise resolves when Redis holds it (the others then have it within `syncInterval`).
   *
   * @throws `TypeError` for a malformed revocation; rejects when Redis cannot be reached (the
   * revocation still applies here and is written when Redis answers again).
   */
  revoke(input: RevocationInput): Promise<Revocation>
  /** Resolves once the replica is loaded (until then verifications are refused with 503). */
  readonly ready: Promise<void>
  /** Stops the background work and closes the subscriber connection it opened (once). */
  close(): Promise<void>
  /** The replica's state, for health checks and tests. */
  stats(): { entries: number; version: number; syncs: number; connected: boolean }
}

/** Adds entries (ARGV 3..: score, member pairs), drops expired ones, counts, announces. */
const WRITE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
local version = redis.call('INCR', KEYS[2])
local members = {}
for i = 4, #ARGV, 2 do members[#members + 1] = ARGV[i] end
redis.call('PUBLISH', ARGV[2], version .. ' [' .. table.concat(members, ',') .. ']')
return version`

/** The version and every live entry, read together. */
const LOAD = `return { redis.call('GET', KEYS[2]) or '0', redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf') }`

function encode(entry: Revocation): string {
  return JSON.stringify([entry.kind, entry.value, entry.at, entry.expiresAt])
}

/** An entry from its stored tuple; undefined for anything malformed. */
function fromTuple(tuple: unknown): Revocation | undefined {
  if (!Array.isArray(tuple)) return undefined
  const [kind, value, at, expiresAt] = tuple as unknown[]
  const entry = { kind, value, at, expiresAt }
  return isRevocation(entry) ? entry : undefined
}

/** Parsed JSON, or undefined for text that is not JSON. */
function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const decode = (member: unknown): Revocation | undefined => fromTuple(parse(String(member)))

/** Entries of `local` that `stored` does not cover (missing, or with an earlier time). */
function notCovered(local: readonly Revocation[], stored: readonly Revocation[]): Revocation[] {
  const held = new Map<string, Revocation>()
  for (const entry of stored) {
    const key = `${entry.kind}\0${entry.value}`
    const other = held.get(key)
    if (other === undefined || (entry.at >= other.at && entry.expiresAt >= other.expiresAt)) {
      held.set(key, entry)
    }
  }
  return local.filter((entry) => {
    const other = held.get(`${entry.kind}\0${entry.value}`)
    return other === undefined || other.at < entry.at || other.expiresAt < entry.expiresAt
  })
}

/**
 * Creates a revocation source shared through Redis: pass it as the verifier's `revocation` option
 * in every instance, and call `revoke` in any of them (or from a script).
 *
 * @throws `ConfigurationError` for an unsupported client or invalid options.
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const revocation = createRedisRevocationSource({ client })
 * await revocation.ready
 * const verifier = createVerifier({ issuer, audience, revocation })
 * await revocation.revoke({ kind: 'sub', value: userSub }) // global sign-out
 * ```
 */
export function createRedisRevocationSource(
  options: RedisRevocationSourceOptions,
): RedisRevocationSource {
  const commands = commandsOf(options.client)
  const keys = revocationKeys(checkPrefix(options.prefix))
  const interval = checkTimeout(options.syncInterval, 1000, 'syncInterval')
  const timeout = checkTimeout(options.commandTimeout, 2000)
  const report = options.onError ?? (() => undefined)
  const replica: RevocationList = createRevocationList({
    maxEntries: options.maxEntries,
    tokenLifetime: options.tokenLifetime,
    maxStale: options.maxStale,
    retryAfter: Math.max(1, Math.ceil(interval / 1000)),
  })
  replica.lost() // nothing is known until the first load

  let version = -1
  let syncs = 0
  let connected = false
  let closed = false
  let closing: Promise<void> = Promise.resolve()
  /** Revocations made here that Redis may not hold yet. */
  const pending = new Map<string, Revocation>()
  let subscription: Subscription | undefined
  let subscribing = false
  let running: Promise<void> | undefined
  let again = false
  let loaded: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (loaded = resolve))

  const write = (entries: readonly Revocation[]): Promise<unknown> =>
    commands.send(
      [
        'EVAL',
        WRITE,
        '2',
        keys.entries,
        keys.version,
        String(Date.now()),
        keys.channel,
        ...entries.flatMap((entry) => [String(entry.expiresAt * 1000), encode(entry)]),
      ],
      timeout,
    )

  /** Full reload: merge what Redis holds, write back what it lacks. */
  async function sync(): Promise<void> {
    const reply = (await commands.send(
      ['EVAL', LOAD, '2', keys.entries, keys.version, String(Date.now())],
      timeout,
    )) as [unknown, unknown[]]
    const stored = reply[1].map(decode).filter((entry) => entry !== undefined)
    const missing = notCovered(replica.entries(), stored)
    replica.merge(stored, true)
    version = Number(reply[0])
    if (missing.length > 0) await write(missing)
    pending.clear()
    syncs++
  }

  async function check(): Promise<void> {
    if (!connected) {
      await sync() // a first load, or a reconnect: reload in full
    } else {
      const current = Number(await commands.send(['GET', keys.version], timeout))
      if (pending.size > 0) {
        await write([...pending.values()])
        pending.clear()
      }
      if (current !== version) await sync()
    }
    connected = true
    replica.confirm()
    loaded()
  }

  /** One check at a time; a check asked for while one runs runs right after it. */
  function schedule(): void {
    if (closed) return
    if (running !== undefined) {
      again = true
      return
    }
    running = check()
      .catch((error: unknown) => {
        connected = false
        replica.lost()
        report(error)
      })
      .finally(() => {
        running = undefined
        if (again) {
          again = false
          schedule()
        }
      })
    if (subscription === undefined && !subscribing) subscribe()
  }

  function onMessage(message: string): void {
    const space = message.indexOf(' ')
    const announced = Number(message.slice(0, space))
    const entries = parse(message.slice(space + 1))
    if (space < 1 || !Number.isSafeInteger(announced) || !Array.isArray(entries)) return
    replica.merge(entries.map(fromTuple).filter((entry) => entry !== undefined))
    if (connected && announced === version + 1) version = announced
    else if (announced !== version) schedule() // a gap, or a Redis that started over
  }

  function subscribe(): void {
    subscribing = true
    commands
      .subscribe(keys.channel, onMessage, report, options.subscriber)
      .then(async (made) => {
        if (closed) await made.close()
        else subscription = made
        schedule() // what was announced before the subscription is read now
      }, report)
      .finally(() => (subscribing = false))
  }

  const timer = setInterval(schedule, interval)
  timer.unref?.()
  schedule()

  return {
    isRevoked: (claims) => replica.isRevoked(claims),
    revokedBy: (claims) => replica.revokedBy(claims),
    async revoke(input) {
      const entry = replica.revoke(input)
      const key = encode(entry)
      pending.set(key, entry)
      await write([entry])
      pending.delete(key)
      return entry
    },
    ready,
    close() {
      if (!closed) {
        closed = true
        clearInterval(timer)
        closing = (async () => {
          await running
          await subscription?.close()
        })()
      }
      return closing
    },
    stats: () => ({ entries: replica.size, version, syncs, connected }),
  }
}
