import t from 'tap'
import { isoTime, writeIsoTime } from '../../src/domain/iso-time.js'
import { seededRandom } from '../../src/lib/seeded-random.js'

const dateText = (ms: number): string => new Date(ms).toISOString()

t.test('writes the same text as Date#toISOString at the edges of days, months, leap years and its four-digit years', async (t) => {
  const edges = [
    0, -1, 1, 86_399_999, 86_400_000, -86_400_000, -86_400_001,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 2, 1), Date.UTC(1900, 1, 28, 12), Date.UTC(1900, 2, 1),
    Date.UTC(2024, 11, 31, 23, 59, 59, 999), Date.UTC(2025, 0, 1), Date.UTC(1969, 11, 31, 23, 59, 59, 999),
    Date.UTC(1600, 1, 29), Date.UTC(2100, 1, 28), Date.UTC(2100, 2, 1), 1_796_400_381_141,
    -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
    253_402_300_799_999 // 9999-12-31T23:59:59.999Z
  ]
  for (const ms of edges) t.equal(isoTime(ms), dateText(ms), String(ms))
})

t.test('writes the same text as Date#toISOString for random times across years 0 to 9999, asked in any order', async (t) => {
  const random = seededRandom(20261204)
  let mismatches = 0
  for (let i = 0; i < 200_000; i++) {
    const ms = Math.floor(-62_167_219_200_000 + random() * (253_402_300_799_999 + 62_167_219_200_000))
    if (isoTime(ms) !== dateText(ms)) mismatches++
  }
  t.equal(mismatches, 0)
})

t.test('hands six-digit years, fractions and invalid times to Date, with its answers and its errors', async (t) => {
  for (const ms of [-62_167_219_200_001, 253_402_300_800_000, 8.64e15, -8.64e15, 1.5, -1.5, 1_796_400_381_141.7]) {
    t.equal(isoTime(ms), dateText(ms), String(ms))
  }
  t.throws(() => isoTime(Number.NaN), RangeError)
  t.throws(() => isoTime(8.64e15 + 1), RangeError)
})

t.test('writeIsoTime writes isoTime\'s bytes where it is asked to, and leaves the times isoTime hands to Date to the caller', async (t) => {
  const random = seededRandom(20261205)
  const target = Buffer.alloc(40, 0x2a)
  let mismatches = 0
  for (let i = 0; i < 50_000; i++) {
    const ms = Math.floor(-62_167_219_200_000 + random() * (253_402_300_799_999 + 62_167_219_200_000))
    const at = i % 16
    const written = writeIsoTime(target, at, ms)
    if (written !== 24 || target.toString('latin1', at, at + 24) !== dateText(ms)) mismatches++
  }
  t.equal(mismatches, 0, 'random times across years 0 to 9999, at any offset')
  const edges = Buffer.alloc(24)
  for (const ms of [0, -1, 86_399_999, Date.UTC(2000, 1, 29, 23, 59, 59, 999), -62_167_219_200_000, 253_402_300_799_999]) {
    t.equal(writeIsoTime(edges, 0, ms), 24)
    t.equal(edges.toString('latin1'), dateText(ms), String(ms))
  }
  const untouched = Buffer.alloc(24, 0x2a)
  for (const ms of [-62_167_219_200_001, 253_402_300_800_000, 1.5, Number.NaN]) {
    t.equal(writeIsoTime(untouched, 0, ms), 0, `${ms}: left to isoTime`)
  }
  t.equal(untouched.toString('latin1'), '*'.repeat(24), 'nothing written for them')
  // Around the bytes written, nothing else changed.
  const framed = Buffer.alloc(30, 0x2a)
  writeIsoTime(framed, 3, 0)
  t.equal(framed.toString('latin1'), '***1970-01-01T00:00:00.000Z***')
})
