import type { FeatureStatus } from '../domain/feature-status.js'
import type { FeatureValue } from '../domain/feature-value.js'
import type { ReadOptions } from '../domain/read-options.js'
import { LimitExceededError, MissingArgumentError } from '../errors.js'
import { isUnread, type FeatureRow, type RowRequest, type RowResult } from '../domain/feature-row.js'
import type { RowReader } from '../domain/ports/row-reader.js'
import { checkEntityId } from './entity-id.js'
import { requireAtMost } from './limits.js'
import type { FeatureRegistry, ResolvedFeature } from './feature-registry.js'

export interface LookupLimits {
  readonly maxEntitiesPerRequest: number
  readonly maxFeaturesPerRequest: number
  readonly defaultDeadlineMs: number
}

export interface LookupOptions {
  readonly signal?: AbortSignal
  /** Absolute deadline (Date.now() clock); the configured default applies when absent. */
  readonly deadlineAt?: number
  /** Clock for staleness; tests pin it. */
  readonly now?: number
}

export interface FeatureResult {
  readonly status: FeatureStatus
  /** Present for PRESENT and STALE; null otherwise. */
  readonly value: FeatureValue | null
  /** Event time of the row the value came from (ms since epoch); undefined when not found. */
  readonly eventTime: number | undefined
}

export interface EntityFeatures {
  readonly entityId: string
  /** Aligned with LookupResult.features. */
  readonly results: readonly FeatureResult[]
}

export interface LookupResult {
  readonly features: readonly ResolvedFeature[]
  /** In request order, duplicates kept. */
  readonly entities: readonly EntityFeatures[]
}

const NOT_FOUND: FeatureResult = Object.freeze({ status: 'NOT_FOUND', value: null, eventTime: undefined })
const UNAVAILABLE: FeatureResult = Object.freeze({ status: 'UNAVAILABLE', value: null, eventTime: undefined })

/**
 * The one lookup both protocols call: validates ids and references, reads each (entity, feature set)
 * row once however often it was asked for, and reports each feature's status and freshness.
 */
export class FeatureLookup {
  readonly #registry: FeatureRegistry
  readonly #rows: RowReader
  readonly #limits: LookupLimits

  constructor (registry: FeatureRegistry, rows: RowReader, limits: LookupLimits) {
    this.#registry = registry
    this.#rows = rows
    this.#limits = limits
  }

  get limits (): LookupLimits {
    return this.#limits
  }

  /** Refuses more entity ids than one lookup may ask for. */
  checkEntityCount (count: number): void {
    requireAtMost('entity ids', count, this.#limits.maxEntitiesPerRequest)
  }

  /** Checks everything a caller can get wrong, before any store call. */
  resolve (entityIds: readonly string[], featureRefs: readonly string[]): ResolvedFeature[] {
    if (entityIds.length === 0) throw new MissingArgumentError('entity id')
    this.checkEntityCount(entityIds.length)
    if (featureRefs.length === 0) throw new MissingArgumentError('feature reference')
    for (const entityId of entityIds) checkEntityId(entityId)
    const features = this.#registry.resolve(featureRefs)
    if (features.length > this.#limits.maxFeaturesPerRequest) throw new LimitExceededError('features', features.length, this.#limits.maxFeaturesPerRequest)
    return features
  }

  async getFeatures (entityIds: readonly string[], featureRefs: readonly string[], options: LookupOptions = {}): Promise<LookupResult> {
    const features = this.resolve(entityIds, featureRefs)
    return await this.read(entityIds, features, options)
  }

  /**
   * Reads features resolve() returned: the online read service (which authorises in between) and
   * GraphQL lookups split into groups resolve once and read many times; pulls read a page's rows here.
   */
  async read (entityIds: readonly string[], features: readonly ResolvedFeature[], options: LookupOptions = {}): Promise<LookupResult> {
    // Passed down as given when it carries a deadline: a caller's lazily made signal stays unmade
    // unless a store call asks for it (a gRPC call's does; a cache hit never asks).
    const readOptions: ReadOptions = options.deadlineAt !== undefined
      ? options
      : { signal: options.signal, deadlineAt: Date.now() + this.#limits.defaultDeadlineMs }
    // One row request per distinct (feature set, entity), carrying the union of that set's features;
    // the row of set s for the u-th distinct id is requests[s * ids + u].
    const sets: Array<{ readonly spec: ResolvedFeature['featureSet'], readonly names: string[] }> = []
    const setOf = new Array<number>(features.length)
    const setIndex = new Map<string, number>()
    for (let j = 0; j < features.length; j++) {
      const f = features[j]!
      let s = setIndex.get(f.featureSet.name)
      if (s === undefined) {
        s = sets.length
        setIndex.set(f.featureSet.name, s)
        sets.push({ spec: f.featureSet, names: [] })
      }
      const names = sets[s]!.names
      if (!names.includes(f.feature.name)) names.push(f.feature.name)
      setOf[j] = s
    }
    const uniqueIds = entityIds.length === 1 ? entityIds : [...new Set(entityIds)]
    const ids = uniqueIds.length
    const requests = new Array<RowRequest>(sets.length * ids)
    for (let s = 0; s < sets.length; s++) {
      const { spec, names } = sets[s]!
      for (let u = 0; u < ids; u++) requests[s * ids + u] = { entityId: uniqueIds[u]!, featureSet: spec, features: names }
    }
    const rows = await this.#rows.readRows(requests, readOptions)

    const now = options.now ?? Date.now()
    const unique = new Array<EntityFeatures>(ids)
    for (let u = 0; u < ids; u++) {
      const results = new Array<FeatureResult>(features.length)
      for (let j = 0; j < features.length; j++) results[j] = featureResult(rows[setOf[j]! * ids + u], features[j]!, now)
      unique[u] = { entityId: uniqueIds[u]!, results }
    }
    if (ids === entityIds.length) return { features, entities: unique }
    const byId = new Map(unique.map((entity) => [entity.entityId, entity]))
    return { features, entities: entityIds.map((id) => byId.get(id)!) }
  }
}

/**
 * A feature's status in a row read for it: the one rule every answer follows (a lookup's results,
 * a page's columns). Its value is the row's for PRESENT and STALE, null otherwise; its event time
 * the row's whenever there is one.
 */
export function featureStatus (row: RowResult, f: ResolvedFeature, now: number): FeatureStatus {
  if (row === undefined) return 'NOT_FOUND'
  if (isUnread(row)) return 'UNAVAILABLE'
  return storedStatus(row, row.values.get(f.feature.name), f, now)
}

/** A feature's result in a row read for it (featureStatus, with its value and event time): one map lookup a cell, on every lookup's path. */
export function featureResult (row: RowResult, f: ResolvedFeature, now: number): FeatureResult {
  if (row === undefined) return NOT_FOUND
  if (isUnread(row)) return UNAVAILABLE
  const value = row.values.get(f.feature.name)
  const status = storedStatus(row, value, f, now)
  return { status, value: status === 'PRESENT' || status === 'STALE' ? value! : null, eventTime: row.eventTime }
}

/** featureStatus of a row that was read, given the feature's stored value (undefined: not stored). */
function storedStatus (row: FeatureRow, value: FeatureValue | null | undefined, f: ResolvedFeature, now: number): FeatureStatus {
  if (row.invalid.has(f.feature.name)) return 'INVALID'
  if (value === undefined) return 'NOT_FOUND'
  if (value === null) return 'NULL_VALUE'
  const maxAge = f.featureSet.maxAgeSeconds
  const stale = row.staleIfError === true || (maxAge !== undefined && now - row.eventTime > maxAge * 1000)
  return stale ? 'STALE' : 'PRESENT'
}
