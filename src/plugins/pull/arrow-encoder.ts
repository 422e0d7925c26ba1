import {
  Binary, Bool, type Data, type DataType, Dictionary, Field, FixedSizeList, Float32, Float64, Int8, Int64, List,
  RecordBatch, RecordBatchStreamWriter, Schema, Struct, TimestampMillisecond, Utf8, makeBuilder, makeData, vectorFromArray
} from 'apache-arrow'
import type { PullBatch } from '../../core/export/feature-pull.js'
import type { PageColumns } from '../../core/export/page-columns.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { FEATURE_STATUSES } from '../../domain/feature-status.js'
import type { FeatureValue, ValueType } from '../../domain/feature-value.js'
import type { PullEncoder } from './pull-encoder.js'

/** Custom metadata keys of each record batch (README, "Streaming pulls"). */
export const RESUME_AFTER_KEY = 'featuregate.resume_after'
export const END_KEY = 'featuregate.end'
export const ROWS_KEY = 'featuregate.rows'

/**
 * Collects the IPC bytes the writer produces for each batch, so the caller writes them out (and
 * waits for the socket) before the next page is read. The writer's own sink is an unbounded queue
 * and its Node duplex takes batches without backpressure, so neither would bound a pull's memory.
 */
class BatchStreamWriter extends RecordBatchStreamWriter {
  #pending: Uint8Array[] = []

  protected override _write (chunk: unknown): this {
    if (!ArrayBuffer.isView(chunk)) throw new TypeError('Arrow IPC stream writer wrote a non-binary chunk')
    if (this._started && chunk.byteLength > 0) {
      this.#pending.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      this._position += chunk.byteLength
    }
    return this
  }

  take (): Uint8Array[] {
    const out = this.#pending
    this.#pending = []
    return out
  }
}

function arrowType (feature: ResolvedFeature['feature']): DataType {
  const item = (type: DataType): Field => new Field('item', type, true)
  switch (feature.type) {
    case 'double': return new Float64()
    case 'int64': return new Int64()
    case 'string': return new Utf8()
    case 'bool': return new Bool()
    case 'bytes': return new Binary()
    case 'timestamp': return new TimestampMillisecond('UTC')
    case 'float_vector': return new FixedSizeList(feature.dimension ?? 0, new Field('item', new Float32(), false))
    case 'double_list': return new List(item(new Float64()))
    case 'int64_list': return new List(item(new Int64()))
    case 'string_list': return new List(item(new Utf8()))
    case 'bool_list': return new List(item(new Bool()))
  }
}

/** The builder's input for one value: numbers, bigints, strings, booleans, bytes, or arrays of them. */
function builderValue (value: FeatureValue): unknown {
  return value.value
}

/** Embeddings copied as bits (TypedArray.set), never through a double: NaN payloads survive. */
function vectorColumn (type: FixedSizeList<Float32>, cells: PageColumns, column: number): Data {
  const dimension = type.listSize
  const values = new Float32Array(cells.length * dimension)
  const validity = new Uint8Array(Math.ceil(cells.length / 8))
  let nullCount = 0
  for (let row = 0; row < cells.length; row++) {
    const value = cells.value(row, column)
    if (value?.type === 'float_vector' && value.value.length === dimension) {
      values.set(value.value, row * dimension)
      validity[row >> 3]! |= 1 << (row & 7)
    } else {
      nullCount++
    }
  }
  const child = makeData({ type: new Float32(), length: values.length, nullCount: 0, data: values })
  return makeData({ type, length: cells.length, nullCount, nullBitmap: validity, child })
}

/**
 * Fixed-width columns written straight into their typed array and validity bitmap: apache-arrow's
 * builders cost several times more per value, and pulls are mostly such columns. Null where the
 * value is null or of another type (as valueColumn's builders do).
 */
function fixedWidthColumn (feature: ResolvedFeature, type: DataType, cells: PageColumns, column: number): Data | undefined {
  const kind = feature.feature.type
  if (kind !== 'double' && kind !== 'int64' && kind !== 'timestamp' && kind !== 'bool') return undefined
  const length = cells.length
  const validity = new Uint8Array(Math.ceil(length / 8))
  const doubles = kind === 'double' ? new Float64Array(length) : undefined
  const longs = kind === 'int64' || kind === 'timestamp' ? new BigInt64Array(length) : undefined
  const bits = kind === 'bool' ? new Uint8Array(Math.ceil(length / 8)) : undefined
  let nullCount = 0
  for (let row = 0; row < length; row++) {
    const value = cells.value(row, column)
    if (value === null || value.type !== kind) {
      nullCount++
      continue
    }
    validity[row >> 3]! |= 1 << (row & 7)
    if (value.type === 'double') doubles![row] = value.value
    else if (value.type === 'int64') longs![row] = value.value
    else if (value.type === 'timestamp') longs![row] = BigInt(Math.trunc(value.value))
    else if (value.type === 'bool' && value.value) bits![row >> 3]! |= 1 << (row & 7)
  }
  return makeData({ type, length, nullCount, nullBitmap: validity, data: doubles ?? longs ?? bits } as Parameters<typeof makeData>[0])
}

/**
 * UTF-8 bytes and Int32 offsets of strings (null where `strings` holds undefined), written into one
 * buffer: apache-arrow's Utf8 builder encodes each string into a buffer of its own (TextEncoder) and
 * grows its arrays as it goes, which was most of what the entity ids cost.
 */
function utf8Parts (strings: ReadonlyArray<string | undefined>): { offsets: Int32Array, bytes: Buffer, validity: Uint8Array, nullCount: number } {
  let chars = 0
  for (const s of strings) if (s !== undefined) chars += s.length
  // At most 3 bytes of UTF-8 per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
  const buffer = Buffer.allocUnsafe(chars * 3)
  const offsets = new Int32Array(strings.length + 1)
  const validity = new Uint8Array(Math.ceil(strings.length / 8))
  let end = 0
  let nullCount = 0
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]
    if (s === undefined) nullCount++
    else {
      end += buffer.write(s, end)
      validity[i >> 3]! |= 1 << (i & 7)
    }
    offsets[i + 1] = end
  }
  return { offsets, bytes: buffer.subarray(0, end), validity, nullCount }
}

function utf8Data (strings: ReadonlyArray<string | undefined>): Data<Utf8> {
  const { offsets, bytes, validity, nullCount } = utf8Parts(strings)
  return makeData({ type: new Utf8(), length: strings.length, nullCount, nullBitmap: validity, valueOffsets: offsets, data: bytes })
}

/** A string feature's column, or a string list's (List<Utf8>: list offsets over one Utf8 child of every item). */
function stringColumn (feature: ResolvedFeature, type: DataType, cells: PageColumns, column: number): Data | undefined {
  const kind = feature.feature.type
  if (kind === 'string') {
    return utf8Data(Array.from({ length: cells.length }, (_, row) => {
      const value = cells.value(row, column)
      return value?.type === 'string' ? value.value : undefined
    }))
  }
  if (kind !== 'string_list') return undefined
  const listOffsets = new Int32Array(cells.length + 1)
  const validity = new Uint8Array(Math.ceil(cells.length / 8))
  const items: string[] = []
  let nullCount = 0
  for (let row = 0; row < cells.length; row++) {
    const value = cells.value(row, column)
    if (value?.type === 'string_list') {
      for (const item of value.value) items.push(item)
      validity[row >> 3]! |= 1 << (row & 7)
    } else {
      nullCount++
    }
    listOffsets[row + 1] = items.length
  }
  return makeData({ type: type as List<Utf8>, length: cells.length, nullCount, nullBitmap: validity, valueOffsets: listOffsets, child: utf8Data(items) })
}

function valueColumn (feature: ResolvedFeature, type: DataType, cells: PageColumns, column: number): Data {
  if (feature.feature.type === 'float_vector') return vectorColumn(type as FixedSizeList<Float32>, cells, column)
  const fixed = fixedWidthColumn(feature, type, cells, column) ?? stringColumn(feature, type, cells, column)
  if (fixed !== undefined) return fixed
  const builder = makeBuilder({ type, nullValues: [null] })
  for (let row = 0; row < cells.length; row++) {
    const value = cells.value(row, column)
    builder.append(value === null || value.type !== feature.feature.type ? null : builderValue(value))
  }
  return builder.finish().flush()
}

/** One dictionary object shared by every status column (a status's code is its index here): the writer sends it once per column, never again. */
const STATUS_DICTIONARY = vectorFromArray([...FEATURE_STATUSES], new Utf8())

function statusColumn (type: Dictionary<Utf8, Int8>, cells: PageColumns, column: number): Data {
  // A plain loop: Int8Array.from with a mapping function first collects every code in an array of its own.
  const codes = new Int8Array(cells.length)
  for (let row = 0; row < cells.length; row++) codes[row] = cells.statusCode(row, column)
  return makeData({ type, length: codes.length, nullCount: 0, data: codes, dictionary: STATUS_DICTIONARY })
}

function eventTimeColumn (type: TimestampMillisecond, cells: PageColumns, column: number): Data {
  const times = new BigInt64Array(cells.length)
  const validity = new Uint8Array(Math.ceil(cells.length / 8))
  let nullCount = 0
  for (let row = 0; row < cells.length; row++) {
    const time = cells.eventTime(row, column)
    if (time === undefined) {
      nullCount++
    } else {
      times[row] = BigInt(time)
      validity[row >> 3]! |= 1 << (row & 7)
    }
  }
  return makeData({ type, length: cells.length, nullCount, nullBitmap: validity, data: times })
}

/**
 * `application/vnd.apache.arrow.stream`: an Arrow IPC stream (README, "Streaming pulls"). Columns:
 * `entity_id` (Utf8); one typed column per feature, named by its ref (`set:feature`), null unless
 * PRESENT or STALE; `<ref>.status` (Dictionary<Int8, Utf8> of the feature statuses); `<set>.event_time`
 * (Timestamp ms UTC) per requested set. One record batch per batch it is given, whose custom metadata carries
 * `featuregate.resume_after`; the last batch of a complete pull also `featuregate.end` = "true" and
 * `featuregate.rows`. A failed pull is cut off (no end batch, no end-of-stream marker).
 */
export function arrowEncoder (featureSet: string, features: readonly ResolvedFeature[]): PullEncoder {
  const valueTypes = features.map((f) => arrowType(f.feature))
  const statusTypes = features.map(() => new Dictionary(new Utf8(), new Int8()))
  const sets: Array<{ name: string, column: number }> = []
  features.forEach((f, column) => { if (!sets.some((s) => s.name === f.featureSet.name)) sets.push({ name: f.featureSet.name, column }) })
  const timeType = new TimestampMillisecond('UTC')
  const fields = [
    new Field('entity_id', new Utf8(), false),
    ...features.map((f, i) => new Field(f.ref, valueTypes[i]!, true, new Map([['featuregate.value_type', f.feature.type satisfies ValueType]]))),
    ...features.map((f, i) => new Field(`${f.ref}.status`, statusTypes[i]!, false)),
    ...sets.map((s) => new Field(`${s.name}.event_time`, timeType, true))
  ]
  const schema = new Schema(fields, new Map([['featuregate.feature_set', featureSet], ['featuregate.format', '1']]))
  const writer = new BatchStreamWriter()
  let rows = 0

  const recordBatch = (batch: PullBatch, end: boolean): RecordBatch => {
    const cells = batch.columns
    rows += cells.length
    const children: Data[] = [
      utf8Data(cells.entityIds()),
      ...features.map((f, i) => valueColumn(f, valueTypes[i]!, cells, i)),
      ...features.map((_, i) => statusColumn(statusTypes[i]!, cells, i)),
      ...sets.map((s) => eventTimeColumn(timeType, cells, s.column))
    ]
    const metadata = new Map<string, string>()
    if (batch.resumeAfter !== undefined) metadata.set(RESUME_AFTER_KEY, batch.resumeAfter)
    if (end) {
      metadata.set(END_KEY, 'true')
      metadata.set(ROWS_KEY, String(rows))
    }
    const data = makeData({ type: new Struct(fields), length: cells.length, nullCount: 0, children })
    return new RecordBatch(schema, data, metadata)
  }

  return {
    format: 'arrow',
    contentType: 'application/vnd.apache.arrow.stream',
    batch (batch: PullBatch): Uint8Array[] {
      writer.write(recordBatch(batch, batch.done))
      return writer.take()
    },
    end (): Uint8Array[] {
      writer.finish()
      return writer.take()
    },
    failure: () => undefined
  }
}
