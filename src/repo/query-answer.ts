import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { FeatureRow } from '../domain/feature-row.js'
import type { FeatureSetSpec, FeatureSpec } from '../domain/feature-set-spec.js'
import type { FeatureValue } from '../domain/feature-value.js'
import { decodeFeatureValue } from './attribute-codec.js'
import type { StoredItem } from './batch-get.js'
import { ENTITY_ATTR, EVENT_TIME_ATTR } from './item-attributes.js'
import { decodeRow } from './row-decoder.js'

/** One item of a Query answer, as the rows it stands for: its entity id (undefined if it has none) and its row. */
export interface AnsweredRow {
  readonly entityId: string | undefined
  readonly row: FeatureRow
}

/** What a Query answered, its items already decoded as rows of the set that was queried. */
export interface QueryAnswer {
  readonly rows: AnsweredRow[]
  readonly scannedCount: number
  readonly lastEvaluatedKey: StoredItem | undefined
  /** The answer's size as the store sent it: what its items take, to bound a page in bytes. */
  readonly bytes: number
}

/**
 * Decodes a Query answer's JSON straight into rows. A pull's page is read one Query after another,
 * and turning each answer into rows sits between one Query's answer and the next Query: with
 * JSON.parse it built every item and every attribute as objects (a dozen per row) only to read them
 * once, and was the largest cost of a pull after the store's own. This walks the bytes once and makes
 * only the values. Numbers of up to 15 digits without an exponent (all DynamoDB sends for the usual
 * values) are read from their digits, exactly as Number() would (a double of at most 15 significant
 * digits divided by a power of ten up to 1e22 is one correctly rounded operation). Anything else an
 * attribute can hold goes through JSON.parse and the attribute codec, as before, so a row decodes
 * here exactly as decodeRow decodes it; an answer of a shape not foreseen (not an object of items,
 * escaped attribute names) is read entirely the old way.
 */
export function decodeQueryAnswer (body: Buffer, spec: FeatureSetSpec): QueryAnswer {
  return new AnswerReader(body, spec).read() ?? decodeParsed(body, spec)
}

/** The general way: JSON.parse, binary attributes from base64, then decodeRow. */
export function decodeParsed (body: Buffer, spec: FeatureSetSpec): QueryAnswer {
  const json = JSON.parse(body.toString('utf8')) as { Items?: StoredItem[], ScannedCount?: number, LastEvaluatedKey?: StoredItem }
  const rows = (json.Items ?? []).map((item): AnsweredRow => {
    decodeBinary(item)
    return { entityId: item[ENTITY_ATTR]?.S, row: decodeRow(spec, item) }
  })
  return { rows, scannedCount: json.ScannedCount ?? 0, lastEvaluatedKey: json.LastEvaluatedKey, bytes: body.byteLength }
}

/** DynamoDB's JSON carries B as base64; the SDK (and the attribute codec) hand it on as bytes. */
function decodeBinary (item: Record<string, AttributeValue>): void {
  for (const name in item) decodeAttribute(item[name]!)
}

function decodeAttribute (attr: AttributeValue): void {
  const raw = attr as { B?: unknown, L?: AttributeValue[], M?: Record<string, AttributeValue> }
  if (typeof raw.B === 'string') raw.B = Buffer.from(raw.B, 'base64')
  else if (raw.L !== undefined) for (const element of raw.L) decodeAttribute(element)
  else if (raw.M !== undefined) decodeBinary(raw.M)
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

/** Thrown inside the reader when the answer is not of the shape it reads; the answer is then parsed whole. */
class Unforeseen extends Error {}
const UNFORESEEN = new Unforeseen()

/** Where an item's attribute goes: the entity id, the event time, a feature (its index in the spec), or nowhere. */
const ENTITY = -1
const EVENT_TIME = -2
const IGNORED = -3

/** The attribute types read from their bytes; any other is read the general way. */
const enum Tag { N, S, BOOL, NULL, L, Other }

/** 10^k for k = 0..22: each exactly a double, so digits / 10^k rounds once. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k)
/** At most this many digits are read from their bytes: under 2^53, so exact. */
const MAX_DIGITS = 15

/** Reads a Query answer's bytes once, front to back; read() is undefined when the answer needs JSON.parse. */
class AnswerReader {
  readonly #bytes: Buffer
  readonly #spec: FeatureSetSpec
  readonly #names: AttributeNames
  #at = 0
  // An item's features as read, by index in the spec; seen[i] === stamp when the current item has feature i.
  readonly #found: Array<FeatureValue | null | undefined>
  readonly #seen: Uint32Array
  #stamp = 0
  // The last number read from its digits: its value, and whether it had a fraction.
  #number = 0
  #fraction = false

  constructor (bytes: Buffer, spec: FeatureSetSpec) {
    this.#bytes = bytes
    this.#spec = spec
    this.#names = attributeNames(spec)
    this.#found = new Array<FeatureValue | null | undefined>(spec.features.length).fill(undefined)
    this.#seen = new Uint32Array(spec.features.length)
  }

  read (): QueryAnswer | undefined {
    try {
      return this.#answer()
    } catch (error) {
      if (error === UNFORESEEN) return undefined
      throw error
    }
  }

  #answer (): QueryAnswer {
    const rows: AnsweredRow[] = []
    let scannedCount = 0
    let lastEvaluatedKey: StoredItem | undefined
    this.#expect(OPEN_OBJECT)
    if (this.#peek() !== CLOSE_OBJECT) {
      do {
        const start = this.#stringStart()
        const end = this.#plainStringEnd()
        this.#expect(COLON)
        const name = this.#bytes.toString('latin1', start, end)
        if (name === 'Items') this.#items(rows)
        else if (name === 'ScannedCount') scannedCount = this.#integer()
        else if (name === 'LastEvaluatedKey') lastEvaluatedKey = this.#parsedValue() as StoredItem
        else this.#skipValue()
      } while (this.#more(CLOSE_OBJECT))
    } else this.#at++
    this.#whitespace()
    if (this.#at !== this.#bytes.length) throw UNFORESEEN
    return { rows, scannedCount, lastEvaluatedKey, bytes: this.#bytes.byteLength }
  }

  #items (rows: AnsweredRow[]): void {
    this.#expect(OPEN_ARRAY)
    if (this.#peek() === CLOSE_ARRAY) {
      this.#at++
      return
    }
    do {
      rows.push(this.#item())
    } while (this.#more(CLOSE_ARRAY))
  }

  /** One item: decodeRow's answer, attribute by attribute as they come, put in the spec's order at the end. */
  #item (): AnsweredRow {
    const features = this.#spec.features
    const found = this.#found
    const seen = this.#seen
    const stamp = ++this.#stamp
    let entityId: string | undefined
    let eventTime = NaN
    this.#expect(OPEN_OBJECT)
    if (this.#peek() === CLOSE_OBJECT) this.#at++
    else {
      do {
        const target = this.#attributeName()
        this.#expect(COLON)
        if (target === IGNORED) this.#skipValue()
        else if (target === ENTITY) entityId = this.#entityId()
        else if (target === EVENT_TIME) eventTime = this.#eventTime()
        else {
          seen[target] = stamp
          found[target] = this.#featureValue(features[target]!)
        }
      } while (this.#more(CLOSE_OBJECT))
    }
    const timed = Number.isSafeInteger(eventTime) && eventTime >= 0
    const values = new Map<string, FeatureValue | null>()
    let invalid: Set<string> | undefined
    for (let i = 0; i < features.length; i++) {
      if (seen[i] !== stamp) continue
      const value = timed ? found[i] : undefined
      if (value === undefined) (invalid ??= new Set()).add(features[i]!.name)
      else values.set(features[i]!.name, value)
    }
    return { entityId, row: { eventTime: timed ? eventTime : 0, values, invalid: invalid ?? NO_INVALID } }
  }

  /** Which attribute a name is, compared byte by byte (names are plain identifiers: an escaped one is unforeseen). */
  #attributeName (): number {
    const start = this.#stringStart()
    const end = this.#plainStringEnd()
    const length = end - start
    const bytes = this.#bytes
    const { names, targets } = this.#names
    for (let n = 0; n < names.length; n++) {
      const name = names[n]!
      if (name.length !== length) continue
      let i = 0
      while (i < length && bytes[start + i] === name[i]) i++
      if (i === length) return targets[n]!
    }
    return IGNORED
  }

  /** `item[ENTITY_ATTR]?.S` */
  #entityId (): string | undefined {
    const attr = this.#attributeStart()
    const tag = this.#tag()
    if (tag === Tag.S && this.#peek() === QUOTE) {
      const value = this.#string()
      if (this.#attributeEnds()) return value
    }
    return this.#parsedAttribute(attr).S
  }

  /** `Number(item[EVENT_TIME_ATTR]?.N)` */
  #eventTime (): number {
    const attr = this.#attributeStart()
    if (this.#tag() === Tag.N && this.#peek() === QUOTE) {
      const start = this.#at
      if (this.#digits() && !this.#fraction && this.#attributeEnds()) return this.#number
      this.#at = start
    }
    return Number(this.#parsedAttribute(attr).N)
  }

  /** decodeFeatureValue(feature, attribute), its usual cases read from the bytes. */
  #featureValue (feature: FeatureSpec): FeatureValue | null | undefined {
    const attr = this.#attributeStart()
    const tag = this.#tag()
    const type = feature.type
    if (tag === Tag.N && (type === 'double' || type === 'int64' || type === 'timestamp') && this.#peek() === QUOTE) {
      const start = this.#at
      if (this.#digits() && this.#attributeEnds()) {
        const n = this.#number
        if (type === 'double') return { type, value: n }
        // decodeFeatureValue's integer forms: a fraction is neither an int64 nor a timestamp.
        if (this.#fraction) return undefined
        return type === 'int64' ? { type, value: BigInt(n) } : { type, value: n }
      }
      this.#at = start
    } else if (tag === Tag.S && type === 'string' && this.#peek() === QUOTE) {
      const value = this.#string()
      if (this.#attributeEnds()) return { type, value }
    } else if (tag === Tag.BOOL && type === 'bool') {
      const value = this.#literal()
      if (typeof value === 'boolean' && this.#attributeEnds()) return { type, value }
    } else if (tag === Tag.NULL) {
      if (this.#literal() === true && this.#attributeEnds()) return null
    } else if (tag === Tag.L && this.#peek() === OPEN_ARRAY) {
      const value = this.#list(feature)
      if (value !== undefined && this.#attributeEnds()) return value
    }
    return decodeFeatureValue(feature, this.#parsedAttribute(attr))
  }

  /**
   * A list feature's L of plain elements (each `{"N": digits}`, `{"S": string}` or `{"BOOL": literal}`
   * as its type wants); undefined when an element is anything else, for the general way to decide.
   */
  #list (feature: FeatureSpec): FeatureValue | undefined {
    const type = feature.type
    const elementTag = type === 'double_list' || type === 'int64_list' ? Tag.N : type === 'string_list' ? Tag.S : type === 'bool_list' ? Tag.BOOL : undefined
    if (elementTag === undefined) return undefined
    this.#at++
    const elements: Array<number | bigint | string | boolean> = []
    if (this.#peek() === CLOSE_ARRAY) this.#at++
    else {
      do {
        this.#attributeStart()
        if (this.#tag() !== elementTag) return undefined
        if (elementTag === Tag.N) {
          if (this.#peek() !== QUOTE || !this.#digits()) return undefined
          if (type === 'double_list') elements.push(this.#number)
          else if (this.#fraction) return undefined
          else elements.push(BigInt(this.#number))
        } else if (elementTag === Tag.S) {
          if (this.#peek() !== QUOTE) return undefined
          elements.push(this.#string())
        } else {
          const value = this.#literal()
          if (typeof value !== 'boolean') return undefined
          elements.push(value)
        }
        if (!this.#attributeEnds()) return undefined
      } while (this.#more(CLOSE_ARRAY))
    }
    return { type, value: elements } as FeatureValue
  }

  /** The attribute's `{`, its position kept for the general way. */
  #attributeStart (): number {
    this.#whitespace()
    const start = this.#at
    this.#expect(OPEN_OBJECT)
    return start
  }

  /** The attribute's type (its only key), read up to and including the colon after it. */
  #tag (): Tag {
    const start = this.#stringStart()
    const end = this.#plainStringEnd()
    this.#expect(COLON)
    this.#whitespace()
    const bytes = this.#bytes
    const first = bytes[start]
    if (end - start === 1) return first === 0x4e ? Tag.N : first === 0x53 ? Tag.S : first === 0x4c ? Tag.L : Tag.Other
    if (end - start !== 4) return Tag.Other
    // BOOL or NULL
    if (first === 0x42 && bytes[start + 1] === 0x4f && bytes[start + 2] === 0x4f && bytes[start + 3] === 0x4c) return Tag.BOOL
    if (first === 0x4e && bytes[start + 1] === 0x55 && bytes[start + 2] === 0x4c && bytes[start + 3] === 0x4c) return Tag.NULL
    return Tag.Other
  }

  /** Whether the attribute's object closes right after its one value (else the general way reads it). */
  #attributeEnds (): boolean {
    this.#whitespace()
    if (this.#bytes[this.#at] !== CLOSE_OBJECT) return false
    this.#at++
    return true
  }

  /** The attribute from `start` read the general way: JSON.parse of its bytes, B as bytes. */
  #parsedAttribute (start: number): AttributeValue {
    this.#at = start
    const attr = this.#parsedValue() as AttributeValue
    if (typeof attr !== 'object' || attr === null) throw UNFORESEEN
    decodeAttribute(attr)
    return attr
  }

  #parsedValue (): unknown {
    this.#whitespace()
    const start = this.#at
    this.#skipValue()
    return JSON.parse(this.#bytes.toString('utf8', start, this.#at))
  }

  /**
   * A number string's digits (`"-12.5"`), read when it is at most 15 digits with an optional minus
   * and fraction: sets #number and #fraction and returns true after the closing quote; else false.
   */
  #digits (): boolean {
    const bytes = this.#bytes
    let at = this.#at + 1
    const negative = bytes[at] === MINUS
    if (negative) at++
    let mantissa = 0
    let digits = 0
    let scale = -1
    let c = bytes[at]!
    if (c < ZERO || c > NINE) return false
    for (;;) {
      if (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO)
        if (++digits > MAX_DIGITS) return false
        if (scale >= 0) scale++
      } else if (c === DOT && scale < 0) {
        scale = 0
      } else break
      c = bytes[++at]!
    }
    // "1." reads as 1 but is no integer for decodeFeatureValue: the general way decides.
    if (c !== QUOTE || scale === 0) return false
    const magnitude = scale > 0 ? mantissa / POWERS_OF_TEN[scale]! : mantissa
    this.#number = negative ? -magnitude : magnitude
    this.#fraction = scale > 0
    this.#at = at + 1
    return true
  }

  /** A JSON string's value: its bytes as they are, or JSON.parse of it when it has escapes. */
  #string (): string {
    const start = this.#at
    const bytes = this.#bytes
    let at = start + 1
    let ascii = true
    for (;;) {
      const c = bytes[at]
      if (c === undefined) throw UNFORESEEN
      if (c === QUOTE) break
      if (c === BACKSLASH) {
        this.#at = start
        this.#skipString()
        return JSON.parse(bytes.toString('utf8', start, this.#at)) as string
      }
      if (c < 0x20) throw UNFORESEEN
      if (c >= 0x80) ascii = false
      at++
    }
    this.#at = at + 1
    return ascii ? bytes.toString('latin1', start + 1, at) : bytes.toString('utf8', start + 1, at)
  }

  /** After #stringStart: the end of a string with no escapes (a key), past its closing quote. */
  #plainStringEnd (): number {
    const bytes = this.#bytes
    let at = this.#at
    for (;;) {
      const c = bytes[at]
      if (c === undefined || c === BACKSLASH || c < 0x20) throw UNFORESEEN
      if (c === QUOTE) break
      at++
    }
    this.#at = at + 1
    return at
  }

  /** Past a string's opening quote; its first byte's position. */
  #stringStart (): number {
    this.#whitespace()
    if (this.#bytes[this.#at] !== QUOTE) throw UNFORESEEN
    return ++this.#at
  }

  #literal (): boolean | null | undefined {
    const bytes = this.#bytes
    const at = this.#at
    if (bytes[at] === 0x74 && bytes[at + 1] === 0x72 && bytes[at + 2] === 0x75 && bytes[at + 3] === 0x65) {
      this.#at += 4
      return true
    }
    if (bytes[at] === 0x66 && bytes[at + 1] === 0x61 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x73 && bytes[at + 4] === 0x65) {
      this.#at += 5
      return false
    }
    return undefined
  }

  /** A top-level count: a plain non-negative integer. */
  #integer (): number {
    this.#whitespace()
    const bytes = this.#bytes
    let value = 0
    let digits = 0
    for (let c = bytes[this.#at]!; c >= ZERO && c <= NINE; c = bytes[++this.#at]!) {
      value = value * 10 + (c - ZERO)
      if (++digits > MAX_DIGITS) throw UNFORESEEN
    }
    if (digits === 0) throw UNFORESEEN
    return value
  }

  /** Past any JSON value, checking only its bracketing and strings; JSON.parse checks the rest where it is read. */
  #skipValue (): void {
    this.#whitespace()
    const bytes = this.#bytes
    const start = this.#at
    let depth = 0
    do {
      const c = bytes[this.#at]
      if (c === undefined) throw UNFORESEEN
      if (c === QUOTE) {
        this.#skipString()
        continue
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COMMA) {
        // A closing bracket or comma where a value should start: no value at all.
        if (depth === 0) throw UNFORESEEN
        if (c !== COMMA) depth--
      }
      this.#at++
    } while (depth > 0 || !this.#endsScalar())
    if (this.#at === start) throw UNFORESEEN
  }

  /** At the end of a scalar (number or literal) just skipped, at depth 0. */
  #endsScalar (): boolean {
    const c = this.#bytes[this.#at]
    return c === undefined || c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
  }

  #skipString (): void {
    const bytes = this.#bytes
    let at = this.#at + 1
    for (;;) {
      const c = bytes[at]
      if (c === undefined) throw UNFORESEEN
      if (c === QUOTE) break
      at += c === BACKSLASH ? 2 : 1
    }
    this.#at = at + 1
  }

  /** After a member or element: true past a comma, false past the closing bracket. */
  #more (close: number): boolean {
    this.#whitespace()
    const c = this.#bytes[this.#at]
    this.#at++
    if (c === COMMA) return true
    if (c === close) return false
    throw UNFORESEEN
  }

  #expect (byte: number): void {
    this.#whitespace()
    if (this.#bytes[this.#at] !== byte) throw UNFORESEEN
    this.#at++
  }

  #peek (): number | undefined {
    this.#whitespace()
    return this.#bytes[this.#at]
  }

  #whitespace (): void {
    const bytes = this.#bytes
    let c = bytes[this.#at]
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++this.#at]
  }
}

const NO_INVALID: ReadonlySet<string> = new Set()

/** The attribute names an item of a set may hold, as bytes, and where each goes; made once per spec. */
interface AttributeNames {
  readonly names: readonly Uint8Array[]
  readonly targets: readonly number[]
}

const namesBySpec = new WeakMap<FeatureSetSpec, AttributeNames>()

function attributeNames (spec: FeatureSetSpec): AttributeNames {
  let known = namesBySpec.get(spec)
  if (known === undefined) {
    known = {
      names: [ENTITY_ATTR, EVENT_TIME_ATTR, ...spec.features.map((f) => f.name)].map((name) => Buffer.from(name)),
      targets: [ENTITY, EVENT_TIME, ...spec.features.map((_, i) => i)]
    }
    namesBySpec.set(spec, known)
  }
  return known
}
