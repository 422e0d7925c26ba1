/**
 * `new Date(ms).toISOString()`, the same text, without a Date per call: a pull writes one or two
 * times a row, and toISOString was the largest single line of the NDJSON encoder's CPU profile
 * (about a microsecond each). Years 0–9999 are computed here (civil date from days, Hinnant's
 * algorithm); anything else (six-digit years, fractions, invalid times) is left to Date itself,
 * errors included.
 */
export function isoTime (ms: number): string {
  if (!Number.isInteger(ms) || ms < FIRST_MS || ms > LAST_MS) return new Date(ms).toISOString()
  const day = splitTime(ms)
  if (day !== lastDay) {
    lastDay = day
    lastDate = civilDate(day)
  }
  return lastDate + TWO_DIGITS[CLOCK[0]!]! + ':' + TWO_DIGITS[CLOCK[1]!]! + ':' + TWO_DIGITS[CLOCK[2]!]! + '.' + THREE_DIGITS[CLOCK[3]!]! + 'Z'
}

/**
 * isoTime's text written into `target` at `at` as ASCII bytes (24 of them), without making the
 * string; returns the bytes written, or 0 for a time isoTime leaves to Date (write its text then).
 * `target` must have room for 24 bytes at `at`.
 */
export function writeIsoTime (target: Uint8Array, at: number, ms: number): number {
  if (!Number.isInteger(ms) || ms < FIRST_MS || ms > LAST_MS) return 0
  const day = splitTime(ms)
  if (day !== lastBytesDay) {
    lastBytesDay = day
    lastDateBytes = Buffer.from(civilDate(day), 'latin1')
  }
  target.set(lastDateBytes, at)
  const hours = CLOCK[0]!
  const minutes = CLOCK[1]!
  const seconds = CLOCK[2]!
  const millis = CLOCK[3]!
  let i = at + 11
  target[i++] = DIGIT_0 + Math.floor(hours / 10)
  target[i++] = DIGIT_0 + hours % 10
  target[i++] = COLON
  target[i++] = DIGIT_0 + Math.floor(minutes / 10)
  target[i++] = DIGIT_0 + minutes % 10
  target[i++] = COLON
  target[i++] = DIGIT_0 + Math.floor(seconds / 10)
  target[i++] = DIGIT_0 + seconds % 10
  target[i++] = DOT
  target[i++] = DIGIT_0 + Math.floor(millis / 100)
  target[i++] = DIGIT_0 + Math.floor(millis / 10) % 10
  target[i++] = DIGIT_0 + millis % 10
  target[i++] = LETTER_Z
  return i - at
}

/** Hours, minutes, seconds and milliseconds of the time splitTime split last: filled in place, no object a call. */
const CLOCK = new Int32Array(4)

/** ms's day, counted from 1970-01-01; its time of day goes into CLOCK. */
function splitTime (ms: number): number {
  const day = Math.floor(ms / DAY_MS)
  let rest = ms - day * DAY_MS
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1_000)
  CLOCK[0] = hours
  CLOCK[1] = minutes
  CLOCK[2] = seconds
  CLOCK[3] = rest - seconds * 1_000
  return day
}

const DIGIT_0 = 0x30
const COLON = 0x3a
const DOT = 0x2e
const LETTER_Z = 0x5a

/** writeIsoTime's own day cache: 'YYYY-MM-DDT' as bytes. */
let lastBytesDay = Number.NaN
let lastDateBytes: Uint8Array = new Uint8Array(0)

const DAY_MS = 86_400_000
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years toISOString writes with four digits. */
const FIRST_MS = -62_167_219_200_000
const LAST_MS = 253_402_300_799_999

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1_000 }, (_, n) => String(n).padStart(3, '0'))

/** Rows of a pull mostly share their day: its 'YYYY-MM-DDT' is kept for the next call. */
let lastDay = Number.NaN
let lastDate = ''

/** 'YYYY-MM-DDT' of a day counted from 1970-01-01 (proleptic Gregorian, as Date's). */
function civilDate (day: number): string {
  const z = day + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153)
  const dayOfMonth = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  return String(year).padStart(4, '0') + '-' + TWO_DIGITS[month]! + '-' + TWO_DIGITS[dayOfMonth]! + 'T'
}
