import type { Principal } from './access/principal.js'
import type { ReadOptions } from '../domain/read-options.js'
import type { ExportPlan, ExportRequest, FeatureExport, FilterInput } from './export/feature-export.js'
import type { EntityFeatures } from './feature-lookup.js'
import { seededRandom } from '../lib/seeded-random.js'

export interface RowSampleRequest {
  /** The caller, refused any set it may not read; undefined with no access rules. */
  readonly principal?: Principal
  readonly featureSet: string
  readonly features: readonly string[]
  readonly filters?: readonly FilterInput[] | null
  /** Rows wanted; a whole set smaller than this is read whole. */
  readonly size: number
  /** The same seed over the same rows picks the same rows. */
  readonly seed: number
}

export interface RowSampleLimits {
  /** Items the store may examine for one request (a selective filter over a large table). */
  readonly maxItems: number
  /** Rows asked of each page of the underlying pull. */
  readonly pageSize: number
  /** Segments read at the same time once their size is known. */
  readonly parallelSegments?: number
}

export interface RowSampleOutcome {
  /** Rows handed to the caller: `size`, or fewer when the set (after filters) is smaller or the read was cut short. */
  readonly rows: number
  /** Every row of the set that passes the filters was handed over. */
  readonly complete: boolean
  readonly itemsScanned: number
  readonly storeCalls: number
}

/**
 * Segments the sample draws from. The store cuts a set into shards by a hash of the entity id
 * (src/repo/set-shards.ts, 64 shards), so each segment is an unbiased slice of the set; 64 gives
 * every segment one shard, the finest slicing the layout has.
 */
const SAMPLE_SEGMENTS = 64
/** Segments read at once when the limits do not say. */
const DEFAULT_PARALLEL_SEGMENTS = 4

/**
 * A uniform random sample of a set's rows, read through the same pages a training pull would get (so
 * filters, statuses and staleness mean the same).
 *
 * Not the first rows in hash order: segments (hash slices of the set) are read whole in a random order,
 * every row of a segment is kept while the sample has room, and the segment that fills it gives a
 * uniform random subset of its rows (reservoir sampling). Every row of the set is equally likely to be
 * in the sample; the read goes past `size` by at most the segments in flight (about one 64th of the set
 * each). The seed makes the choice repeatable. Memory holds only the segments being read: rows are
 * handed to the caller as each wave of segments ends, never gathered into one list.
 */
export class RandomRowSample {
  /** The checked first page: the columns' features (in row order), the set, and the time staleness is judged at. */
  readonly plan: ExportPlan
  readonly #export: FeatureExport
  readonly #limits: RowSampleLimits
  readonly #request: RowSampleRequest
  /** What every segment's pages ask for. */
  readonly #base: Pick<ExportRequest, 'principal' | 'featureSet' | 'features' | 'filters'>
  readonly #pageSize: number

  /** Checks the request (access, names, filters) before any store call; throws what the pull would. */
  constructor (featureExport: FeatureExport, limits: RowSampleLimits, request: RowSampleRequest) {
    this.#export = featureExport
    this.#limits = limits
    this.#request = request
    this.#base = { principal: request.principal, featureSet: request.featureSet, features: request.features, filters: request.filters }
    this.#pageSize = Math.min(limits.pageSize, featureExport.limits.maxPageSize)
    this.plan = featureExport.plan({ ...this.#base, first: Math.min(this.#pageSize, request.size), segment: { index: 0, count: SAMPLE_SEGMENTS } })
  }

  /** Reads the sample, handing each chosen row to `onRow` once, and says how the read went. */
  async read (onRow: (row: EntityFeatures) => void, options: ReadOptions = {}): Promise<RowSampleOutcome> {
    const size = this.#request.size
    const random = seededRandom(this.#request.seed)
    const order = shuffled(SAMPLE_SEGMENTS, random)
    const state = { itemsScanned: 0, storeCalls: 0 }
    // Rather a partial answer (complete: false) than a deadline error: no new page once most of the time is spent.
    const started = Date.now()
    const stopAt = options.deadlineAt === undefined ? Infinity : options.deadlineAt - Math.min(5_000, (options.deadlineAt - started) / 5)
    const canRead = (): boolean => state.itemsScanned < this.#limits.maxItems && Date.now() < stopAt

    const readSegment = async (index: number, capacity: number): Promise<SegmentSample> => {
      const sample = new Reservoir<EntityFeatures>(capacity, random)
      const segment = { index, count: SAMPLE_SEGMENTS }
      let plan = index === 0 ? this.plan : this.#export.plan({ ...this.#base, first: 1, segment }, this.plan.startedAt)
      let more = true
      while (more && canRead()) {
        const page = await this.#export.page({ ...plan, first: this.#pageSize }, options)
        state.itemsScanned += page.itemsScanned
        state.storeCalls += page.storeCalls
        for (const { entity } of page.rows) sample.offer(entity)
        more = page.hasNextPage && page.endCursor !== undefined
        if (more) plan = this.#export.plan({ ...this.#base, first: 1, after: page.endCursor, segment })
      }
      return { sample, finished: !more }
    }

    let rows = 0
    let complete = true
    let next = 0
    let segmentRowsSeen = 0
    let segmentsRead = 0
    const parallel = Math.max(1, this.#limits.parallelSegments ?? DEFAULT_PARALLEL_SEGMENTS)
    while (next < order.length && rows < size && canRead()) {
      // One segment first; then as many at once as the rows still wanted are expected to fill.
      const average = segmentsRead === 0 ? undefined : segmentRowsSeen / segmentsRead
      const width = average === undefined ? 1 : Math.max(1, Math.min(parallel, Math.ceil((size - rows) / Math.max(1, average))))
      const wave = order.slice(next, next + width)
      next += wave.length
      const samples = await Promise.all(wave.map(async (index) => await readSegment(index, size - rows)))
      for (const { sample, finished } of samples) {
        segmentsRead++
        segmentRowsSeen += sample.seen
        if (!finished) complete = false
        // In the random order: whole segments while they fit, then a uniform subset of the one that fills the sample.
        const taken = sample.take(size - rows)
        if (taken.length < sample.seen) complete = false
        for (const row of taken) onRow(row)
        rows += taken.length
      }
    }
    if (next < order.length) complete = false
    return { rows, complete, itemsScanned: state.itemsScanned, storeCalls: state.storeCalls }
  }
}

interface SegmentSample {
  readonly sample: Reservoir<EntityFeatures>
  /** The segment was read to its end (not cut short by the item budget or the deadline). */
  readonly finished: boolean
}

/** Algorithm R: after any number of offers, a uniform random subset of at most `capacity` of them. */
class Reservoir<T> {
  readonly #capacity: number
  readonly #random: () => number
  readonly #items: T[] = []
  seen = 0

  constructor (capacity: number, random: () => number) {
    this.#capacity = capacity
    this.#random = random
  }

  offer (item: T): void {
    this.seen++
    if (this.#items.length < this.#capacity) {
      this.#items.push(item)
      return
    }
    const slot = Math.floor(this.#random() * this.seen)
    if (slot < this.#capacity) this.#items[slot] = item
  }

  /** A uniform random `n` of the kept items (all of them when they fit). */
  take (n: number): readonly T[] {
    if (n >= this.#items.length) return this.#items
    const items = [...this.#items]
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.#random() * (items.length - i))
      ;[items[i], items[j]] = [items[j]!, items[i]!]
    }
    return items.slice(0, n)
  }
}

/** 0..n-1 in a random order (Fisher-Yates). */
function shuffled (n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}
