import t from 'tap'
import { CLOSE_ARRAY, JsonBytes, OPEN_ARRAY, UNFORESEEN } from '../../src/lib/json-bytes.js'

const at = (text: string, position = 0): JsonBytes => {
  const json = new JsonBytes(Buffer.from(text))
  json.at = position
  return json
}

t.test('skipValue steps over any value, nested or not, and stops where the value ends', async (t) => {
  const values = ['"a,]}\\"b"', '12.5e-3', 'true', 'null', '{"a":[1,{"b":"}"}],"c":{}}', '[[],[{}],"]"]', '{ "a" : [ 1 , 2 ] }']
  for (const value of values) {
    const json = at(`[${value},"next"]`, 1)
    json.skipValue()
    t.equal(json.bytes.toString('utf8', 1, json.at), value, value)
    t.equal(json.more(CLOSE_ARRAY), true, `${value}: the comma after it comes next`)
  }
  for (const missing of ['[]', '[,1]', '[}']) {
    t.throws(() => at(missing, 1).skipValue(), UNFORESEEN, `no value in ${missing}`)
  }
  t.throws(() => at('["open').skipValue(), UNFORESEEN, 'a string that never closes')
})

t.test('string reads a string as JSON.parse does, escapes and all', async (t) => {
  for (const value of ['', 'plain', 'héllo 世界 😀', 'a"b\\c\n\t\u0000', '\ud800']) {
    const text = JSON.stringify(value)
    const json = at(text + ',')
    t.equal(json.string(), value, text)
    t.equal(json.at, Buffer.byteLength(text), `${text}: read to its closing quote`)
  }
  t.throws(() => at('"raw\u0001control"').string(), UNFORESEEN, 'a raw control byte is not JSON')
})

t.test('asciiString reads a plain ASCII string by its closing quote, and leaves any other to string()', async (t) => {
  const json = at('"AQ/w+9==",')
  t.equal(json.asciiString(), 'AQ/w+9==')
  t.equal(json.at, 10, 'read past its closing quote')
  for (const text of ['"AQ\\/w"', '"é"', '"a\u0001b"', '"open']) {
    const other = at(text)
    t.equal(other.asciiString(), undefined, text)
    t.equal(other.at, 0, `${text}: nothing read`)
  }
})

t.test('digits reads plain number strings of up to 15 digits exactly as Number() does, and leaves the rest', async (t) => {
  for (const n of ['0', '-0', '0.046', '-12.5', '123456789012345', '0.00000000000001', '99999.9999999999']) {
    const json = at(`"${n}"`)
    t.equal(json.digits(), true, n)
    t.ok(Object.is(json.number, Number(n)), `${n} is ${Number(n)}`)
    t.equal(json.fraction, n.includes('.'), `${n}: fraction or not`)
    t.equal(json.at, n.length + 2, `${n}: read past its closing quote`)
  }
  for (const n of ['1234567890123456', '0.000000000000001', '1e3', '1.', '.5', '-', '', ' 1', '0x1']) {
    const json = at(`"${n}"`)
    t.equal(json.digits(), false, `${JSON.stringify(n)} is left to the general way`)
    t.equal(json.at, 0, `${JSON.stringify(n)}: nothing read`)
  }
})

t.test('the structure readers check what they read', async (t) => {
  const json = at(' [ 1 ] ')
  json.expect(OPEN_ARRAY)
  t.equal(json.integer(), 1)
  t.equal(json.more(CLOSE_ARRAY), false, 'the closing bracket ends the array')
  t.throws(() => at('x').expect(OPEN_ARRAY), UNFORESEEN)
  t.throws(() => at('1 2').more(CLOSE_ARRAY), UNFORESEEN, 'neither a comma nor the closing bracket')
  t.equal(at('truex').literal(), true)
  t.equal(at('false').literal(), false)
  t.equal(at('null').literal(), undefined)
  t.strictSame(at('  {"a":[1,"b"]} ').parsedValue(), { a: [1, 'b'] })
})
