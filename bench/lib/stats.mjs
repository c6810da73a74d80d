/** Small numeric helpers shared by the benchmark scripts. */

/** The median of a list of numbers (NaN for an empty list). */
export function median(values) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Rotates a list by `by` places: round `r` starts with a different contender. */
export function rotate(list, by) {
  const n = list.length
  if (n === 0) return []
  const k = ((by % n) + n) % n
  return [...list.slice(k), ...list.slice(0, k)]
}

/** `0.8123` -> `81%`; `12.3` -> `1230%`. */
export function pct(ratio) {
  if (!Number.isFinite(ratio)) return 'n/a'
  return `${Math.round(ratio * 100)}%`
}

/** A whole number with thousands separators. */
export function int(value) {
  if (!Number.isFinite(value)) return 'n/a'
  return Math.round(value).toLocaleString('en-US')
}

/** Bytes as MB with one decimal. */
export function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
