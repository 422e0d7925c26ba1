import type { FeatureSetSpec } from '../../domain/feature-set-spec.js'
import type { ScanCondition } from '../../domain/ports/bulk-reader.js'
import { InvalidFilterError } from '../../errors.js'
import type { FeatureRegistry } from '../feature-registry.js'
import { describeCondition, parseFilter, type FilterInput } from './scan-filter.js'

/** A pull's conditions, each where it is evaluated, with the words that say so (`scan` in GraphQL). */
export interface PlacedConditions {
  /** Conditions on the scanned set (and its event time), evaluated by the store. */
  readonly pushedDown: ScanCondition[]
  /** Conditions on other sets' features, evaluated in the gateway after reading those rows by key. */
  readonly residual: Map<string, { readonly spec: FeatureSetSpec, readonly conditions: ScanCondition[] }>
  readonly describePushedDown: string[]
  readonly describeResidual: string[]
}

/**
 * Checks a pull's filters against the registry and places each: the store evaluates what is on the
 * scanned set and its event-time window; the gateway what is on other sets. Relative filters
 * (withinLastSeconds) are judged as of `now`, the pull's start.
 */
export function placeConditions (
  filters: readonly FilterInput[], window: { readonly after?: number, readonly before?: number },
  featureSet: FeatureSetSpec, registry: FeatureRegistry, now: number
): PlacedConditions {
  const placed: PlacedConditions = { pushedDown: [], residual: new Map(), describePushedDown: [], describeResidual: [] }
  for (const filter of filters) {
    if (typeof filter.feature !== 'string' || !filter.feature.includes(':')) throw new InvalidFilterError(String(filter.feature), 'name one feature as feature_set:feature')
    const [target] = registry.resolve([filter.feature])
    if (target === undefined) throw new InvalidFilterError(filter.feature, 'name one feature as feature_set:feature')
    const conditions = parseFilter(filter, target.feature, now)
    const described = conditions.map((c) => describeCondition(target.ref, c))
    if (target.featureSet.name === featureSet.name) {
      placed.pushedDown.push(...conditions)
      placed.describePushedDown.push(...described)
    } else {
      const entry = placed.residual.get(target.featureSet.name) ?? { spec: target.featureSet, conditions: [] }
      entry.conditions.push(...conditions)
      placed.residual.set(target.featureSet.name, entry)
      placed.describeResidual.push(...described)
    }
  }
  if (window.after !== undefined) {
    placed.pushedDown.push({ kind: 'event_time', op: '>=', value: window.after })
    placed.describePushedDown.push(`${featureSet.name} event time >= ${new Date(window.after).toISOString()}`)
  }
  if (window.before !== undefined) {
    placed.pushedDown.push({ kind: 'event_time', op: '<', value: window.before })
    placed.describePushedDown.push(`${featureSet.name} event time < ${new Date(window.before).toISOString()}`)
  }
  return placed
}
