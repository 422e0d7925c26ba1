import t from 'tap'
import { isDeepStrictEqual } from 'node:util'
import type { FeatureSetSpec } from '../../src/domain/feature-set-spec.js'
import { seededRandom } from '../../src/lib/seeded-random.js'
import { ALL_TYPES } from '../helpers/all-types.js'
import { decodeParsed, decodeQueryAnswer, type QueryAnswer } from '../../src/repo/query-answer.js'

/** Every value type, and a name that differs from others only in its length ('d') or its last letter ('dl'). */
const SPEC: FeatureSetSpec = { ...ALL_TYPES, features: [...ALL_TYPES.features, { name: 'dx', type: 'double' }] }

/** Number strings as DynamoDB sends them, and ones it would not: each must read as Number()/BigInt() read it. */
const NUMBERS = [
  '0', '-0', '7', '-7', '0.046', '1.50', '-1.5', '123456789012345', '-123456789012345', '12345678901234.5',
  '0.000000000000001', '1234567890123456', '9007199254740993', '-9223372036854775808', '9223372036854775808',
  '0.30000000000000004', '1E+2', '1e-130', '9.9999999999999999999e125', '.5', '05', '-05', '1.', '1.0', '', ' 5', '-', 'abc', '0x10', '1_000'
]
const STRINGS = ['', 'plain', 'héllo 世界 😀', 'quote " and \\ backslash', 'line\nbreak\ttab', '\u0000\u001f', '\ud800 lone', '"LastEvaluatedKey":{}', '}]{[,:']

function pick<T> (random: () => number, from: readonly T[]): T {
  return from[Math.floor(random() * from.length)]!
}

/** A stored attribute of any DynamoDB type, right for `type` or not. */
function attribute (random: () => number, depth = 0): unknown {
  switch (Math.floor(random() * 10)) {
    case 0: return { N: pick(random, NUMBERS) }
    case 1: return { S: pick(random, STRINGS) }
    case 2: return { BOOL: random() < 0.5 }
    case 3: return { NULL: random() < 0.9 }
    case 4: return { B: Buffer.from(Array.from({ length: pick(random, [0, 3, 32, 33]) }, () => Math.floor(random() * 256))).toString('base64') }
    case 5: return { L: Array.from({ length: Math.floor(random() * 4) }, () => depth < 2 ? listElement(random, depth) : { N: '1' }) }
    case 6: return { M: { a: attribute(random, depth + 1), 'b"c': { S: 'x' } } }
    case 7: return { SS: ['a', 'b'] }
    case 8: return { NS: ['1', '2.5'] }
    default: return random() < 0.5 ? { N: '1', S: 'two keys' } : { N: pick(random, NUMBERS) }
  }
}

/** List elements are mostly of one type, as lists are written, sometimes not. */
function listElement (random: () => number, depth: number): unknown {
  if (random() < 0.15) return attribute(random, depth + 1)
  return pick(random, [{ N: pick(random, NUMBERS) }, { S: pick(random, STRINGS) }, { BOOL: random() < 0.5 }])
}

function item (random: () => number): Record<string, unknown> {
  const item: Record<string, unknown> = {}
  if (random() < 0.95) item._e = random() < 0.95 ? { S: `id_${Math.floor(random() * 1e6)}${pick(random, ['', 'é', '\\', '"'])}` } : { N: '5' }
  if (random() < 0.95) item._t = pick(random, [{ N: '1796400381185' }, { N: '1796400381185' }, { N: pick(random, NUMBERS) }, { S: '1' }])
  for (const feature of SPEC.features) if (random() < 0.8) item[feature.name] = attribute(random)
  if (random() < 0.2) item.unknown_attr = attribute(random)
  if (random() < 0.1) item._s = { S: 'all_types' }
  // Attributes in any order, as nothing promises one.
  return Object.fromEntries(Object.entries(item).sort(() => random() - 0.5))
}

function answer (random: () => number): Record<string, unknown> {
  const members: Array<[string, unknown]> = [
    ['Items', Array.from({ length: Math.floor(random() * 20) }, () => item(random))],
    ['Count', 3],
    ['ScannedCount', Math.floor(random() * 100)]
  ]
  if (random() < 0.5) members.push(['LastEvaluatedKey', { _e: { S: 'id_9' }, _s: { S: 'all_types' }, _p: { S: 'all_types#3' } }])
  if (random() < 0.2) members.push(['ConsumedCapacity', { TableName: 'features', CapacityUnits: 12.5 }])
  return Object.fromEntries(members.sort(() => random() - 0.5))
}

/** Same rows, values, statuses and order of values as the general way (JSON.parse, decodeRow); -0 is not 0. */
function sameAsParsed (t: Tap.Test, body: Buffer, label: string): void {
  const direct = decodeQueryAnswer(body, SPEC)
  const parsed = decodeParsed(body, SPEC)
  const order = (a: QueryAnswer): string[][] => a.rows.map((r) => [...r.row.values.keys(), '|', ...r.row.invalid])
  if (isDeepStrictEqual(direct, parsed) && isDeepStrictEqual(order(direct), order(parsed))) t.pass(label)
  else t.strictSame({ rows: direct.rows, order: order(direct) }, { rows: parsed.rows, order: order(parsed) }, `${label}: ${body.toString('utf8')}`)
}

t.test('every row reads as JSON.parse and decodeRow read it, whatever its attributes hold', async (t) => {
  const random = seededRandom(20261204)
  for (let i = 0; i < 400; i++) {
    const json = answer(random)
    sameAsParsed(t, Buffer.from(JSON.stringify(json)), `answer ${i}`)
    if (i % 10 === 0) sameAsParsed(t, Buffer.from(JSON.stringify(json, null, 2)), `answer ${i}, with whitespace`)
  }
})

t.test('numbers up to 15 digits are read from their digits exactly as Number() and BigInt() read them', async (t) => {
  const body = (n: string): Buffer => Buffer.from(JSON.stringify({ Items: [{ _e: { S: 'a' }, _t: { N: '5' }, d: { N: n }, i: { N: n }, ts: { N: n }, dl: { L: [{ N: n }] }, il: { L: [{ N: n }] } }] }))
  const random = seededRandom(7)
  const numbers = [
    ...NUMBERS,
    ...Array.from({ length: 300 }, () => {
      const digits = String(Math.floor(random() * 1e15)).slice(0, 1 + Math.floor(random() * 15))
      const point = Math.floor(random() * (digits.length + 1))
      const n = point === digits.length || point === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`
      return random() < 0.3 ? `-${n}` : n
    })
  ]
  for (const n of numbers) sameAsParsed(t, body(n), `N ${JSON.stringify(n)}`)
  const [row] = decodeQueryAnswer(body('0.046'), SPEC).rows
  t.strictSame(row!.row.values.get('d'), { type: 'double', value: 0.046 })
  t.equal(row!.row.invalid.has('i'), true, 'a fraction is no int64')
  const [negativeZero] = decodeQueryAnswer(body('-0'), SPEC).rows
  t.ok(Object.is((negativeZero!.row.values.get('d') as { value: number }).value, -0), '-0 stays -0')
  t.strictSame(decodeQueryAnswer(body('-123456789012345'), SPEC).rows[0]!.row.values.get('i'), { type: 'int64', value: -123456789012345n })
})

t.test('the answer around the items: counts, the resume key, members it does not know', async (t) => {
  const lastEvaluatedKey = { _e: { S: 'id_9' }, _s: { S: 'all_types' }, _p: { S: 'all_types#3' } }
  const decoded = decodeQueryAnswer(Buffer.from(JSON.stringify({ LastEvaluatedKey: lastEvaluatedKey, ScannedCount: 12, Count: 0, Items: [], ConsumedCapacity: { CapacityUnits: 1 } })), SPEC)
  t.strictSame(decoded, { rows: [], scannedCount: 12, lastEvaluatedKey, bytes: decoded.bytes })
  t.strictSame(decodeQueryAnswer(Buffer.from('{}'), SPEC), { rows: [], scannedCount: 0, lastEvaluatedKey: undefined, bytes: 2 })
  // Escaped attribute names are unforeseen: the whole answer is read the general way, with the same rows.
  sameAsParsed(t, Buffer.from('{"Items":[{"\\u005fe":{"S":"a"},"_t":{"N":"1"},"d\\u0078":{"N":"2"}}]}'), 'escaped names')
  // JSON may escape '/', which base64 uses: such bytes are read the general way, to the same bytes.
  sameAsParsed(t, Buffer.from('{"Items":[{"_e":{"S":"a"},"_t":{"N":"1"},"y":{"B":"AQ\\/w"},"v":{"B":"AAAAAAAAgD8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\\u003d"}}]}'), 'escaped base64')
})

t.test('a malformed answer fails as JSON.parse fails, never as a quiet partial read', async (t) => {
  for (const body of ['', '{', '{"Items":[{"_e":{"S":"a"}}', '{"Items":[{"_e":{"S":"a"},}]}', '{"Items":[{"d":{"N":}}]}', '{"Items":[]} x', '{"ScannedCount":}', '{"Items":[{"s":{"S":"a\u0001"}}]}']) {
    t.throws(() => decodeQueryAnswer(Buffer.from(body), SPEC), SyntaxError, JSON.stringify(body))
  }
})

t.test('the usual forms are read from the bytes: an answer of them needs no JSON.parse but its resume key\'s', async (t) => {
  const usual = {
    ScannedCount: 2,
    LastEvaluatedKey: { _e: { S: 'b' }, _s: { S: 'all_types' }, _p: { S: 'all_types#1' } },
    Count: 2,
    Items: ['a', 'b'].map((id) => ({
      _e: { S: id },
      _t: { N: '1796400381185' },
      d: { N: '-0.046' },
      i: { N: '42' },
      s: { S: 'naïve' },
      b: { BOOL: true },
      y: { B: 'AQID' },
      ts: { N: '1796400381185' },
      v: { B: Buffer.alloc(32).toString('base64') },
      dl: { L: [{ N: '1.5' }] },
      il: { L: [] },
      sl: { L: [{ S: 'x' }] },
      bl: { L: [{ BOOL: false }] },
      dx: { NULL: true }
    }))
  }
  const body = Buffer.from(JSON.stringify(usual))
  const parse = JSON.parse
  const parsed: string[] = []
  JSON.parse = ((...args: Parameters<typeof JSON.parse>) => { parsed.push(args[0]); return parse(...args) }) as typeof JSON.parse
  let answer: QueryAnswer
  try {
    answer = decodeQueryAnswer(body, SPEC)
  } finally {
    JSON.parse = parse
  }
  t.same(parsed.map((text) => parse(text) as unknown), [usual.LastEvaluatedKey], 'JSON.parse read the resume key only')
  t.strictSame(answer, decodeParsed(body, SPEC), 'and the rows are the general way\'s')
})
