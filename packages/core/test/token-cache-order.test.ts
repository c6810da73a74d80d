import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AuthInfo } from '../src/auth-info.js'
import type { JwksCache, KeyEntry } from '../src/jwks-cache.js'
import { TokenCache } from '../src/token-cache.js'

/** A key set that always holds the key and never changes. */
const keySet = { generation: 1, holds: () => true, refreshIfDue: () => undefined }
const key = {} as KeyEntry

/** Tokens long enough that their last 32 characters (the map key) tell them apart. */
const token = (n: number) => `${'h'.repeat(40)}.${'p'.repeat(40)}.${String(n).padStart(40, 's')}`

/**
 * The order the cache promises, kept in a plain array (oldest first): a set drops the oldest when
 * full, but once full a token gets in only when it was refused before (refusals are forgotten all
 * at once when maxEntries of them pile up); a hit moves its entry to the young end only when it is
 * over maxEntries/4 moves old.
 */
class Model {
  private order: { n: number; stamp: number }[] = []
  private refused = new Set<number>()
  private clock = 0
  constructor(private readonly max: number) {}
  set(n: number) {
    if (this.max === 0) return
    this.order = this.order.filter((e) => e.n !== n)
    if (this.order.length >= this.max) {
      if (!this.refused.delete(n)) {
        if (this.refused.size >= this.max) this.refused.clear()
        this.refused.add(n)
        return
      }
      this.order.shift()
    }
    this.order.push({ n, stamp: ++this.clock })
  }
  get(n: number): boolean {
    const at = this.order.findIndex((e) => e.n === n)
    if (at === -1) return false
    const entry = this.order[at]!
    if (this.clock - entry.stamp > this.max >>> 2) {
      this.order.splice(at, 1)
      entry.stamp = ++this.clock
      this.order.push(entry)
    }
    return true
  }
  get size() {
    return this.order.length
  }
}

describe('TokenCache eviction order', () => {
  it('matches the model over random sets and hits, through many evictions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 24 })), { maxLength: 400 }),
        (max, steps) => {
          const cache = new TokenCache(max)
          const model = new Model(max)
          const auths = new Map<number, AuthInfo>()
          for (const [isSet, n] of steps) {
            if (isSet) {
              const auth = { n } as unknown as AuthInfo
              auths.set(n, auth)
              cache.set(token(n), auth, keySet as unknown as JwksCache, key)
              model.set(n)
            } else {
              const hit = cache.get(token(n))
              expect(hit !== undefined).toBe(model.get(n))
              if (hit !== undefined) expect(hit).toBe(auths.get(n))
            }
            expect(cache.size).toBe(model.size)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
