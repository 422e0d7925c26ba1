import type { Principal } from './access/principal.js'
import type { FeatureValue } from '../domain/feature-value.js'
import type { ReadOptions } from '../domain/read-options.js'
import { LimitExceededError } from '../errors.js'
import type { FeatureExport, FilterInput } from './export/feature-export.js'
import type { ResolvedFeature } from './feature-registry.js'
import { MAX_HISTOGRAM_BUCKETS } from './histogram.js'
import { requireAtMost } from './limits.js'
import { RandomRowSample, type RowSampleLimits } from './random-row-sample.js'

export interface StatisticsRequest {
  /** The caller, refused any set it may not read; undefined with no access rules. */
  readonly principal?: Principal
  readonly featureSet: string
  /** Defaults to every feature of the set. */
  readonly features?: readonly string[] | null
  /** Rows to read; absent reads the whole set (up to the configured limit). */
  readonly sample?: number | null
  readonly filters?: readonly FilterInput[] | null
  /** Makes the random sample repeatable: the same seed over the same rows picks the same rows. */
  readonly seed?: number | null
  /** Keep each numeric feature's values (vector norms) and the rows' ages, for histograms. */
  readonly keepValues?: boolean
}

export interface NumericSummary {
  readonly count: number
  readonly min: number | undefined
  readonly max: number | undefined
  readonly mean: number | undefined
  /** Exact extremes: decimal strings for int64, ISO-8601 for timestamps. */
  readonly minExact: string | undefined
  readonly maxExact: string | undefined
}

export interface VectorSummary {
  readonly count: number
  readonly expectedDimension: number | undefined
  readonly minDimension: number | undefined
  readonly maxDimension: number | undefined
  readonly wrongDimension: number
  readonly minNorm: number | undefined
  readonly maxNorm: number | undefined
  readonly meanNorm: number | undefined
}

export interface FeatureSummary {
  readonly feature: ResolvedFeature
  readonly rows: number
  readonly present: number
  readonly stale: number
  readonly nulls: number
  readonly missing: number
  readonly invalid: number
  readonly coverage: number
  readonly nullRate: number
  readonly missingRate: number
  readonly staleRate: number
  readonly numeric: NumericSummary | undefined
  readonly vector: VectorSummary | undefined
  readonly length: NumericSummary | undefined
  /**
   * With `keepValues`: the usable values of a numeric feature (int64 as the nearest double, bool as
   * 0/1, timestamps in epoch ms) or a vector feature's norms, for histograms; else undefined.
   */
  readonly values: readonly number[] | undefined
}

export interface StatisticsReport {
  readonly featureSet: string
  readonly rows: number
  readonly complete: boolean
  readonly itemsScanned: number
  readonly storeCalls: number
  readonly features: readonly FeatureSummary[]
  /** With `keepValues`: each sampled row's age in seconds at the start of the read (its event time), for freshness plots. */
  readonly rowAgesSeconds: readonly number[] | undefined
  /** The set's maximum age, for comparing the row ages with. */
  readonly maxAgeSeconds: number | undefined
}

export interface StatisticsLimits extends RowSampleLimits {
  /** The largest sample, and the rows a request without one reads. */
  readonly maxRows: number
}

/**
 * Per-feature quality over a sample or a whole set, computed from the same pages a training pull
 * would get (so filters, statuses and staleness mean the same). The rows come from a RandomRowSample
 * (random-row-sample.ts: uniform, repeatable with a seed, past the row limit a random subset); this
 * class checks the request's sizes and summarises the rows as they arrive.
 */
export class FeatureStatistics {
  readonly #export: FeatureExport
  readonly #limits: StatisticsLimits
  readonly #newSeed: () => number

  constructor (featureExport: FeatureExport, limits: StatisticsLimits, newSeed: () => number = () => Math.floor(Math.random() * 2 ** 32)) {
    this.#export = featureExport
    this.#limits = limits
    this.#newSeed = newSeed
  }

  /** Rows a sample of this size reads (the configured maximum when absent); refuses one over it. */
  checkSampleSize (sample: number | null | undefined): number {
    if (sample === undefined || sample === null) return this.#limits.maxRows
    requireAtMost('sample rows', sample, this.#limits.maxRows)
    return sample
  }

  /** Refuses a histogram with no buckets or more than MAX_HISTOGRAM_BUCKETS. */
  checkHistogramBuckets (buckets: number): number {
    if (!Number.isInteger(buckets) || buckets < 1) throw new LimitExceededError('histogram buckets', buckets, 'at least 1')
    requireAtMost('histogram buckets', buckets, MAX_HISTOGRAM_BUCKETS)
    return buckets
  }

  /** Rows this request may read: checked before any store call. */
  rowBudget (sample: number | null | undefined): number {
    if (sample === undefined || sample === null) return this.#limits.maxRows
    if (!Number.isInteger(sample) || sample < 1) throw new LimitExceededError('sample rows', sample, 'at least 1')
    return this.checkSampleSize(sample)
  }

  async compute (request: StatisticsRequest, options: ReadOptions = {}): Promise<StatisticsReport> {
    const size = this.rowBudget(request.sample)
    const features = request.features ?? [request.featureSet]
    const seed = request.seed ?? this.#newSeed()
    // Checked (access, names, filters) before any store call; also fixes the time staleness is judged at.
    const sample = new RandomRowSample(this.#export, this.#limits, { principal: request.principal, featureSet: request.featureSet, features, filters: request.filters, size, seed })
    const { plan } = sample
    const keep = request.keepValues === true
    const accumulators = plan.features.map((f) => new Accumulator(f, keep))
    const drivingColumn = plan.features.findIndex((f) => f.featureSet.name === plan.featureSet.name)
    const ages: number[] | undefined = keep ? [] : undefined
    const outcome = await sample.read((row) => {
      row.results.forEach((result, i) => accumulators[i]!.add(result.status, result.value))
      const eventTime = drivingColumn < 0 ? undefined : row.results[drivingColumn]!.eventTime
      if (ages !== undefined && eventTime !== undefined) ages.push((plan.startedAt - eventTime) / 1_000)
    }, options)
    return {
      featureSet: plan.featureSet.name,
      rows: outcome.rows,
      complete: outcome.complete,
      itemsScanned: outcome.itemsScanned,
      storeCalls: outcome.storeCalls,
      features: accumulators.map((a) => a.summary(outcome.rows)),
      rowAgesSeconds: ages,
      maxAgeSeconds: plan.featureSet.maxAgeSeconds
    }
  }
}

class Range {
  count = 0
  min: number | undefined
  max: number | undefined
  sum = 0
  add (x: number): void {
    this.count++
    this.sum += x
    if (this.min === undefined || x < this.min) this.min = x
    if (this.max === undefined || x > this.max) this.max = x
  }

  summary (exact?: (x: number) => string): NumericSummary | undefined {
    if (this.count === 0) return { count: 0, min: undefined, max: undefined, mean: undefined, minExact: undefined, maxExact: undefined }
    const format = exact ?? String
    return {
      count: this.count,
      min: this.min,
      max: this.max,
      mean: this.sum / this.count,
      minExact: format(this.min!),
      maxExact: format(this.max!)
    }
  }
}

/** int64 exactly: BigInt extremes and sum, so counts past 2^53 are not rounded before the mean. */
class BigRange {
  count = 0
  min: bigint | undefined
  max: bigint | undefined
  sum = 0n
  add (x: bigint): void {
    this.count++
    this.sum += x
    if (this.min === undefined || x < this.min) this.min = x
    if (this.max === undefined || x > this.max) this.max = x
  }

  summary (): NumericSummary {
    if (this.count === 0) return { count: 0, min: undefined, max: undefined, mean: undefined, minExact: undefined, maxExact: undefined }
    return {
      count: this.count,
      min: Number(this.min!),
      max: Number(this.max!),
      mean: Number(this.sum) / this.count,
      minExact: this.min!.toString(),
      maxExact: this.max!.toString()
    }
  }
}

class Accumulator {
  readonly #feature: ResolvedFeature
  #present = 0
  #stale = 0
  #nulls = 0
  #missing = 0
  #invalid = 0
  readonly #numbers = new Range()
  readonly #int64 = new BigRange()
  readonly #lengths = new Range()
  readonly #dimensions = new Range()
  readonly #norms = new Range()
  #wrongDimension = 0
  readonly #values: number[] | undefined

  constructor (feature: ResolvedFeature, keepValues: boolean) {
    this.#feature = feature
    const type = feature.feature.type
    const plotted = type === 'double' || type === 'int64' || type === 'timestamp' || type === 'bool' || type === 'float_vector'
    this.#values = keepValues && plotted ? [] : undefined
  }

  add (status: string, value: FeatureValue | null): void {
    switch (status) {
      case 'PRESENT': this.#present++; break
      case 'STALE': this.#stale++; break
      case 'NULL_VALUE': this.#nulls++; return
      case 'NOT_FOUND': this.#missing++; return
      default: this.#invalid++; return
    }
    if (value === null) return
    switch (value.type) {
      case 'double': case 'timestamp': this.#numbers.add(value.value); this.#values?.push(value.value); break
      case 'bool': this.#numbers.add(value.value ? 1 : 0); this.#values?.push(value.value ? 1 : 0); break
      case 'int64': this.#int64.add(value.value); this.#values?.push(Number(value.value)); break
      case 'string': this.#lengths.add(value.value.length); break
      case 'bytes': this.#lengths.add(value.value.byteLength); break
      case 'double_list': case 'int64_list': case 'string_list': case 'bool_list': this.#lengths.add(value.value.length); break
      case 'float_vector': {
        const v = value.value
        const norm = vectorNorm(v)
        this.#norms.add(norm)
        this.#values?.push(norm)
        this.#dimensions.add(v.length)
        if (this.#feature.feature.dimension !== undefined && v.length !== this.#feature.feature.dimension) this.#wrongDimension++
        break
      }
    }
  }

  summary (rows: number): FeatureSummary {
    const type = this.#feature.feature.type
    const rate = (n: number): number => rows === 0 ? 0 : n / rows
    let numeric: NumericSummary | undefined
    if (type === 'double' || type === 'bool') numeric = this.#numbers.summary()
    else if (type === 'timestamp') numeric = this.#numbers.summary((ms) => new Date(ms).toISOString())
    else if (type === 'int64') numeric = this.#int64.summary()
    const vector: VectorSummary | undefined = type !== 'float_vector'
      ? undefined
      : {
          count: this.#norms.count,
          expectedDimension: this.#feature.feature.dimension,
          minDimension: this.#dimensions.min,
          maxDimension: this.#dimensions.max,
          wrongDimension: this.#wrongDimension,
          minNorm: this.#norms.min,
          maxNorm: this.#norms.max,
          meanNorm: this.#norms.count === 0 ? undefined : this.#norms.sum / this.#norms.count
        }
    const hasLength = type === 'string' || type === 'bytes' || type.endsWith('_list')
    return {
      feature: this.#feature,
      rows,
      present: this.#present,
      stale: this.#stale,
      nulls: this.#nulls,
      missing: this.#missing,
      invalid: this.#invalid,
      coverage: rate(this.#present + this.#stale),
      nullRate: rate(this.#nulls),
      missingRate: rate(this.#missing),
      staleRate: rate(this.#stale),
      numeric,
      vector,
      length: hasLength ? this.#lengths.summary() : undefined,
      values: this.#values
    }
  }
}

/** Euclidean norm, summed in double precision. */
export function vectorNorm (vector: Float32Array): number {
  let sum = 0
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!
  return Math.sqrt(sum)
}
