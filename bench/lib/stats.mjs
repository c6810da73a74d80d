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

/**
 * The figure of one server run as several processes (samples per process): the lowest of the
 * processes' medians. Why the lowest: processes of the same server settle, by how they happened
 * to start, into steady states up to 2x apart with rounds within a few percent of each other
 * (bench/RESOLUTION.md); a state only ever adds cost, so the lowest is the code's own cost.
 *
 * @param {number[][]} samplesByProcess
 */
export function lowestMedian(samplesByProcess) {
  const medians = samplesByProcess.filter((s) => s.length > 0).map(median)
  return { figure: Math.min(...medians), medians }
}
