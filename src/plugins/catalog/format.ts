/** Numbers as a person reads them: integers whole, others to six significant digits. */
export function formatNumber (x: number | undefined | null): string {
  if (x === undefined || x === null) return '–'
  if (!Number.isFinite(x)) return String(x)
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return x.toLocaleString('en-US')
  const abs = Math.abs(x)
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return x.toExponential(3)
  return String(Number(x.toPrecision(6)))
}

export function formatPercent (rate: number): string {
  const percent = rate * 100
  return `${percent === 0 || percent === 100 || percent >= 10 ? percent.toFixed(percent % 1 === 0 ? 0 : 1) : percent.toPrecision(2)} %`
}

const UNITS: ReadonlyArray<readonly [string, number]> = [['d', 86_400], ['h', 3_600], ['min', 60], ['s', 1]]

/** A unit that suits a span of seconds, so a plot's axis reads "3.5 d" rather than "302400". */
export function durationUnit (seconds: number): readonly [string, number] {
  return UNITS.find(([, size]) => Math.abs(seconds) >= 2 * size) ?? ['s', 1]
}

export function formatDuration (seconds: number | undefined): string {
  if (seconds === undefined) return 'none'
  const [unit, size] = durationUnit(seconds)
  return `${formatNumber(seconds / size)} ${unit}`
}

/**
 * How the values of an axis from `min` to `max` read: with as many significant digits as it takes to
 * tell the ends apart (norms of unit vectors all start 0.99...), at least three.
 */
export function axisFormatter (min: number, max: number): (x: number) => string {
  const magnitude = Math.max(Math.abs(min), Math.abs(max))
  const span = max - min
  if (span === 0 || magnitude === 0) return formatNumber
  const digits = Math.min(12, Math.max(3, Math.ceil(Math.log10(magnitude / span)) + 3))
  return (x) => Number.isInteger(x) ? formatNumber(x) : String(Number(x.toPrecision(digits)))
}
