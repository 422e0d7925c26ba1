import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import type { FeatureValue } from '../domain/feature-value.js'
import { decodeFeatureValue } from './attribute-codec.js'
import type { FeatureRow } from '../domain/feature-row.js'
import type { StoredItem } from './batch-get.js'
import { EVENT_TIME_ATTR } from './item-attributes.js'

/**
 * Decodes the features the spec declares; attributes the spec does not know are ignored. A row without
 * a usable event time (written by something that skipped the contract) is not read as 1970: its
 * features read as INVALID, since neither their freshness nor their order against other writes is known.
 */
export function decodeRow (spec: FeatureSetSpec, item: StoredItem): FeatureRow {
  const values = new Map<string, FeatureValue | null>()
  let invalid: Set<string> | undefined
  const eventTime = Number(item[EVENT_TIME_ATTR]?.N)
  const timed = Number.isSafeInteger(eventTime) && eventTime >= 0
  for (const feature of spec.features) {
    const attr = item[feature.name]
    if (attr === undefined) continue
    const value = timed ? decodeFeatureValue(feature, attr) : undefined
    if (value === undefined) (invalid ??= new Set()).add(feature.name)
    else values.set(feature.name, value)
  }
  return { eventTime: timed ? eventTime : 0, values, invalid: invalid ?? EMPTY }
}

const EMPTY: ReadonlySet<string> = new Set()
