import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { FeatureRow } from '../domain/feature-row.js'
import type { FeatureSetSpec, FeatureSpec } from '../domain/feature-set-spec.js'
import type { FeatureValue } from '../domain/feature-value.js'
import { decodeFeatureValue } from './attribute-codec.js'
import type { StoredItem } from './batch-get.js'
import { ENTITY_ATTR, EVENT_TIME_ATTR } from './item-attributes.js'
import { decodeRow } from './row-decoder.js'
import { CLOSE_ARRAY, CLOSE_OBJECT, COLON, JsonBytes, OPEN_ARRAY, OPEN_OBJECT, QUOTE, UNFORESEEN } from '../lib/json-bytes.js'

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
 * digits divided by a power of ten up to 1e22 is one correctly rounded operation); strings, base64
 * and lists of plain elements likewise. Anything else an attribute can hold (maps, sets, longer
 * numbers, a value of another type) goes through JSON.parse and the attribute codec, as before, so a row decodes
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

/** Where an item's attribute goes: the entity id, the event time, a feature (its index in the spec), or nowhere. */
const ENTITY = -1
const EVENT_TIME = -2
const IGNORED = -3

/** The attribute types read from their bytes; any other is read the general way. */
const enum Tag { N, S, B, BOOL, NULL, L, Other }

/** Reads a Query answer's bytes once, front to back; read() is undefined when the answer needs JSON.parse. */
class AnswerReader {
  readonly #json: JsonBytes
  readonly #spec: FeatureSetSpec
  readonly #names: AttributeNames
  // An item's features as read, by index in the spec; seen[i] === stamp when the current item has feature i.
  readonly #found: Array<FeatureValue | null | undefined>
  readonly #seen: Uint32Array
  #stamp = 0

  constructor (bytes: Buffer, spec: FeatureSetSpec) {
    this.#json = new JsonBytes(bytes)
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
    const json = this.#json
    const rows: AnsweredRow[] = []
    let scannedCount = 0
    let lastEvaluatedKey: StoredItem | undefined
    json.expect(OPEN_OBJECT)
    if (json.peek() !== CLOSE_OBJECT) {
      do {
        const start = json.stringStart()
        const end = json.plainStringEnd()
        json.expect(COLON)
        const name = json.bytes.toString('latin1', start, end)
        if (name === 'Items') this.#items(rows)
        else if (name === 'ScannedCount') scannedCount = json.integer()
        else if (name === 'LastEvaluatedKey') lastEvaluatedKey = json.parsedValue() as StoredItem
        else json.skipValue()
      } while (json.more(CLOSE_OBJECT))
    } else json.at++
    json.whitespace()
    if (json.at !== json.bytes.length) throw UNFORESEEN
    return { rows, scannedCount, lastEvaluatedKey, bytes: json.bytes.byteLength }
  }

  #items (rows: AnsweredRow[]): void {
    const json = this.#json
    json.expect(OPEN_ARRAY)
    if (json.peek() === CLOSE_ARRAY) {
      json.at++
      return
    }
    do {
      rows.push(this.#item())
    } while (json.more(CLOSE_ARRAY))
  }

  /** One item: decodeRow's answer, attribute by attribute as they come, put in the spec's order at the end. */
  #item (): AnsweredRow {
    const json = this.#json
    const features = this.#spec.features
    const found = this.#found
    const seen = this.#seen
    const stamp = ++this.#stamp
    let entityId: string | undefined
    let eventTime = NaN
    json.expect(OPEN_OBJECT)
    if (json.peek() === CLOSE_OBJECT) json.at++
    else {
      do {
        const target = this.#attributeName()
        json.expect(COLON)
        if (target === IGNORED) json.skipValue()
        else if (target === ENTITY) entityId = this.#entityId()
        else if (target === EVENT_TIME) eventTime = this.#eventTime()
        else {
          seen[target] = stamp
          found[target] = this.#featureValue(features[target]!)
        }
      } while (json.more(CLOSE_OBJECT))
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
    const json = this.#json
    const start = json.stringStart()
    const end = json.plainStringEnd()
    const length = end - start
    const bytes = json.bytes
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
    const json = this.#json
    const attr = this.#attributeStart()
    const tag = this.#tag()
    if (tag === Tag.S && json.peek() === QUOTE) {
      const value = json.string()
      if (this.#attributeEnds()) return value
    }
    return this.#parsedAttribute(attr).S
  }

  /** `Number(item[EVENT_TIME_ATTR]?.N)` */
  #eventTime (): number {
    const json = this.#json
    const attr = this.#attributeStart()
    if (this.#tag() === Tag.N && json.peek() === QUOTE) {
      const start = json.at
      if (json.digits() && !json.fraction && this.#attributeEnds()) return json.number
      json.at = start
    }
    return Number(this.#parsedAttribute(attr).N)
  }

  /** decodeFeatureValue(feature, attribute), its usual cases read from the bytes. */
  #featureValue (feature: FeatureSpec): FeatureValue | null | undefined {
    const json = this.#json
    const attr = this.#attributeStart()
    const tag = this.#tag()
    const type = feature.type
    if (tag === Tag.N && (type === 'double' || type === 'int64' || type === 'timestamp') && json.peek() === QUOTE) {
      const start = json.at
      if (json.digits() && this.#attributeEnds()) {
        const n = json.number
        if (type === 'double') return { type, value: n }
        // decodeFeatureValue's integer forms: a fraction is neither an int64 nor a timestamp.
        if (json.fraction) return undefined
        return type === 'int64' ? { type, value: BigInt(n) } : { type, value: n }
      }
      json.at = start
    } else if (tag === Tag.S && type === 'string' && json.peek() === QUOTE) {
      const value = json.string()
      if (this.#attributeEnds()) return { type, value }
    } else if (tag === Tag.BOOL && type === 'bool') {
      const value = json.literal()
      if (typeof value === 'boolean' && this.#attributeEnds()) return { type, value }
    } else if (tag === Tag.B && (type === 'bytes' || type === 'float_vector') && json.peek() === QUOTE) {
      // Base64, decoded as the general way decodes it; the codec then checks the vector's dimension.
      const base64 = json.asciiString()
      if (base64 !== undefined && this.#attributeEnds()) return decodeFeatureValue(feature, { B: Buffer.from(base64, 'base64') })
    } else if (tag === Tag.NULL) {
      if (json.literal() === true && this.#attributeEnds()) return null
    } else if (tag === Tag.L && json.peek() === OPEN_ARRAY) {
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
    const json = this.#json
    const type = feature.type
    const elementTag = type === 'double_list' || type === 'int64_list' ? Tag.N : type === 'string_list' ? Tag.S : type === 'bool_list' ? Tag.BOOL : undefined
    if (elementTag === undefined) return undefined
    json.at++
    const elements: Array<number | bigint | string | boolean> = []
    if (json.peek() === CLOSE_ARRAY) json.at++
    else {
      do {
        this.#attributeStart()
        if (this.#tag() !== elementTag) return undefined
        if (elementTag === Tag.N) {
          if (json.peek() !== QUOTE || !json.digits()) return undefined
          if (type === 'double_list') elements.push(json.number)
          else if (json.fraction) return undefined
          else elements.push(BigInt(json.number))
        } else if (elementTag === Tag.S) {
          if (json.peek() !== QUOTE) return undefined
          elements.push(json.string())
        } else {
          const value = json.literal()
          if (typeof value !== 'boolean') return undefined
          elements.push(value)
        }
        if (!this.#attributeEnds()) return undefined
      } while (json.more(CLOSE_ARRAY))
    }
    return { type, value: elements } as FeatureValue
  }

  /** The attribute's `{`, its position kept for the general way. */
  #attributeStart (): number {
    const json = this.#json
    json.whitespace()
    const start = json.at
    json.expect(OPEN_OBJECT)
    return start
  }

  /** The attribute's type (its only key), read up to and including the colon after it. */
  #tag (): Tag {
    const json = this.#json
    const start = json.stringStart()
    const end = json.plainStringEnd()
    json.expect(COLON)
    json.whitespace()
    const bytes = json.bytes
    const first = bytes[start]
    if (end - start === 1) return first === 0x4e ? Tag.N : first === 0x53 ? Tag.S : first === 0x4c ? Tag.L : first === 0x42 ? Tag.B : Tag.Other
    if (end - start !== 4) return Tag.Other
    // BOOL or NULL
    if (first === 0x42 && bytes[start + 1] === 0x4f && bytes[start + 2] === 0x4f && bytes[start + 3] === 0x4c) return Tag.BOOL
    if (first === 0x4e && bytes[start + 1] === 0x55 && bytes[start + 2] === 0x4c && bytes[start + 3] === 0x4c) return Tag.NULL
    return Tag.Other
  }

  /** Whether the attribute's object closes right after its one value (else the general way reads it). */
  #attributeEnds (): boolean {
    const json = this.#json
    json.whitespace()
    if (json.bytes[json.at] !== CLOSE_OBJECT) return false
    json.at++
    return true
  }

  /** The attribute from `start` read the general way: JSON.parse of its bytes, B as bytes. */
  #parsedAttribute (start: number): AttributeValue {
    const json = this.#json
    json.at = start
    const attr = json.parsedValue() as AttributeValue
    if (typeof attr !== 'object' || attr === null) throw UNFORESEEN
    decodeAttribute(attr)
    return attr
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
