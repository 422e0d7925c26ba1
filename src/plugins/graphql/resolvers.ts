import type { MercuriusContext } from 'mercurius'
import type { Principal } from '../../core/access/principal.js'
import type { EntityFeatures } from '../../core/feature-lookup.js'
import type { OnlineFeatures } from '../../core/online-features.js'
import type { FeatureExport, FilterInput } from '../../core/export/feature-export.js'
import type { ResolvedFeature } from '../../core/feature-registry.js'
import { vectorNorm, type FeatureStatistics, type FeatureSummary } from '../../core/feature-statistics.js'
import { DEFAULT_HISTOGRAM_BUCKETS, histogramOf } from '../../core/histogram.js'
import type { FeatureValue } from '../../domain/feature-value.js'
import type { GraphqlConfig } from '../../config.js'
import { Kind, type GraphQLResolveInfo, type SelectionNode } from 'graphql'
import type {
  FeatureStatisticsHistogramArgs, QueryFeatureRowsArgs, QueryFeatureSetArgs, QueryFeatureSetsArgs, QueryFeatureStatisticsArgs, QueryFeaturesArgs, QueryGetFeaturesArgs,
  Resolvers, ResolversParentTypes
} from '../../generated/graphql/schema-types.js'
import {
  VALUE_TYPENAME, entityView, featureSetView, featureView, packedVector, resolvedFeatureView, valueJson,
  type EntityFeaturesView, type FeatureSetView, type FeatureView
} from './feature-views.js'
import { scalarResolvers } from './scalars.js'
import { spreadOverTurns } from './spread-over-turns.js'

/** Rows of a pull completed per event-loop turn (see spread-over-turns.ts). */
const ROWS_PER_TURN = 50

declare module 'mercurius' {
  interface MercuriusContext {
    /** Aborts when the client goes away, so a pull stops scanning for nobody. */
    signal: AbortSignal
    /** The caller, when the access plugin is on. */
    principal: Principal | undefined
  }
}

/** Entities read together by one lookup call: a failure (e.g. a throttled chunk) nulls only these. */
const LOOKUP_GROUP = 100

function visibleSets (context: MercuriusContext): ((name: string) => boolean) {
  const allowed = context.principal?.featureSets
  return allowed === undefined ? () => true : (name) => allowed.has(name)
}

function filtersOf (filter: QueryFeatureRowsArgs['filter']): FilterInput[] | undefined {
  return filter === undefined || filter === null ? undefined : filter.map((f) => ({ ...f }))
}

/**
 * A lookup's entities, each resolved from its group's shared read. Every group is started in the
 * same tick as every other alias's groups, so the core's batcher merges them all into the fewest
 * store calls; one group failing fails only its own entities (null, with a path).
 */
function lookupEntities (online: OnlineFeatures, entityIds: readonly string[], features: readonly ResolvedFeature[], context: MercuriusContext): Array<Promise<EntityFeaturesView>> {
  const unique = [...new Set(entityIds)]
  const byId = new Map<string, Promise<EntityFeatures>>()
  for (let i = 0; i < unique.length; i += LOOKUP_GROUP) {
    const group = unique.slice(i, i + LOOKUP_GROUP)
    const read = online.read('graphql', group, features, { signal: context.signal })
    group.forEach((id, j) => byId.set(id, read.then((result) => result.entities[j]!)))
  }
  return entityIds.map(async (id) => entityView(await byId.get(id)!, features))
}

/** The summary behind each FeatureStatistics object, for its histogram (a field with arguments, so resolved on demand). */
const summaryOfView = new WeakMap<object, FeatureSummary>()

function statisticsView (summary: FeatureSummary): ResolversParentTypes['FeatureStatistics'] {
  const view = statisticsFields(summary)
  summaryOfView.set(view, summary)
  return view
}

/** Whether a field of this name is selected anywhere under the resolver's field (through fragments). */
function selectsField (info: GraphQLResolveInfo, name: string): boolean {
  const seen = new Set<string>()
  const visit = (selections: readonly SelectionNode[]): boolean => selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === name || (selection.selectionSet !== undefined && visit(selection.selectionSet.selections))
    if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet.selections)
    if (seen.has(selection.name.value)) return false
    seen.add(selection.name.value)
    const fragment = info.fragments[selection.name.value]
    return fragment !== undefined && visit(fragment.selectionSet.selections)
  })
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && visit(node.selectionSet.selections))
}

function statisticsFields (summary: FeatureSummary): ResolversParentTypes['FeatureStatistics'] {
  const numeric = (n: FeatureSummary['numeric']): ResolversParentTypes['NumericStatistics'] | null => n === undefined
    ? null
    : { count: n.count, min: n.min ?? null, max: n.max ?? null, mean: n.mean ?? null, minExact: n.minExact ?? null, maxExact: n.maxExact ?? null }
  return {
    feature: resolvedFeatureView(summary.feature),
    coverage: summary.coverage,
    nullRate: summary.nullRate,
    missingRate: summary.missingRate,
    staleRate: summary.staleRate,
    present: summary.present,
    stale: summary.stale,
    nulls: summary.nulls,
    missing: summary.missing,
    invalid: summary.invalid,
    numeric: numeric(summary.numeric),
    length: numeric(summary.length),
    vector: summary.vector === undefined
      ? null
      : {
          count: summary.vector.count,
          expectedDimension: summary.vector.expectedDimension ?? null,
          minDimension: summary.vector.minDimension ?? null,
          maxDimension: summary.vector.maxDimension ?? null,
          wrongDimension: summary.vector.wrongDimension,
          minNorm: summary.vector.minNorm ?? null,
          maxNorm: summary.vector.maxNorm ?? null,
          meanNorm: summary.vector.meanNorm ?? null
        }
  }
}

export interface ResolverServices {
  readonly featureExport: FeatureExport
  readonly featureStatistics: FeatureStatistics
  readonly config: GraphqlConfig
}

/**
 * The generated resolver map, but with the scalars as Mercurius takes them: it copies a scalar resolver's
 * own keys onto the schema's type, so plain { serialize, parseValue, parseLiteral } (a GraphQLScalarType
 * would copy its empty description over the schema's).
 */
export type SchemaResolvers = Omit<Resolvers<MercuriusContext>, keyof typeof scalarResolvers> & typeof scalarResolvers

/**
 * Thin: each resolver checks its input through src/core, authorises the sets it touches, then reads.
 * Checked against the generated types with `satisfies`; the map's own (narrower) type is what goes to
 * Mercurius, whose IResolvers takes every key as a field resolver and so refuses the generated `resolveType`.
 */
export function buildResolvers (services: ResolverServices) {
  const { featureExport, featureStatistics, config } = services
  // The operation's own deadline, set when it was admitted (its wait for a turn counts against it).
  const bulkDeadline = (context: MercuriusContext): number => context.deadlineAt ?? Date.now() + config.bulkDeadlineMs
  return {
    ...scalarResolvers,
    Query: {
      featureSets: (_root: unknown, args: QueryFeatureSetsArgs, context: MercuriusContext): FeatureSetView[] => {
        const visible = visibleSets(context)
        return context.app.featureRegistry.search({ text: args.search ?? undefined, tag: args.tag ?? undefined })
          .filter((set) => visible(set.name)).map(featureSetView)
      },
      featureSet: (_root: unknown, args: QueryFeatureSetArgs, context: MercuriusContext): FeatureSetView | null => {
        const set = context.app.featureRegistry.featureSets().find((s) => s.name === args.name)
        return set === undefined || !visibleSets(context)(set.name) ? null : featureSetView(set)
      },
      features: (_root: unknown, args: QueryFeaturesArgs, context: MercuriusContext): FeatureView[] => {
        const visible = visibleSets(context)
        const text = args.search?.toLowerCase()
        const tag = args.tag ?? undefined
        return context.app.featureRegistry.featureSets().filter((set) => visible(set.name)).flatMap((set) => set.features
          .filter((f) => text === undefined || f.name.toLowerCase().includes(text) || set.name.toLowerCase().includes(text))
          .filter((f) => tag === undefined || (f.tags?.includes(tag) ?? false) || (set.tags?.includes(tag) ?? false))
          .map((f) => featureView(set, f)))
      },
      getFeatures: (_root: unknown, args: QueryGetFeaturesArgs, context: MercuriusContext) => {
        const online = context.app.onlineFeatures
        const features = online.prepare(context.principal, args.entityIds, args.featureNames)
        return { features: features.map(resolvedFeatureView), entities: lookupEntities(online, args.entityIds, features, context) }
      },
      featureRows: async (_root: unknown, args: QueryFeatureRowsArgs, context: MercuriusContext) => {
        const plan = featureExport.plan({
          principal: context.principal,
          featureSet: args.featureSet,
          features: args.features,
          first: args.first,
          after: args.after,
          filters: filtersOf(args.filter),
          eventTimeAfter: args.eventTimeAfter,
          eventTimeBefore: args.eventTimeBefore,
          segment: args.segment
        })
        const page = await featureExport.page(plan, { signal: context.signal, deadlineAt: bulkDeadline(context), servedBy: 'graphql' })
        const views = spreadOverTurns(page.rows.map((row) => entityView(row.entity, page.features)), ROWS_PER_TURN)
        // List items may be promises (graphql and graphql-jit both await them); object fields may not under JIT.
        const edges = page.rows.map(async (row, i) => ({ cursor: row.cursor, node: await views[i]! }))
        return {
          features: page.features.map(resolvedFeatureView),
          edges,
          nodes: views,
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: false,
            startCursor: page.rows[0]?.cursor ?? null,
            endCursor: page.endCursor ?? null
          },
          scan: {
            itemsScanned: page.itemsScanned,
            storeCalls: page.storeCalls,
            pushedDown: plan.describePushedDown,
            evaluatedInGateway: plan.describeResidual
          }
        }
      },
      featureStatistics: async (_root: unknown, args: QueryFeatureStatisticsArgs, context: MercuriusContext, info: GraphQLResolveInfo) => {
        const report = await featureStatistics.compute({
          principal: context.principal,
          featureSet: args.featureSet,
          features: args.features,
          sample: args.sample,
          filters: filtersOf(args.filter),
          seed: args.seed,
          // Values are kept (memory: one number per row and numeric feature) only when a histogram is asked for.
          keepValues: selectsField(info, 'histogram')
        }, { signal: context.signal, deadlineAt: bulkDeadline(context) })
        return { featureSet: report.featureSet, rows: report.rows, complete: report.complete, itemsScanned: report.itemsScanned, features: report.features.map(statisticsView) }
      }
    },
    FeatureStatistics: {
      histogram: (parent: ResolversParentTypes['FeatureStatistics'], args: FeatureStatisticsHistogramArgs) => {
        const values = summaryOfView.get(parent)?.values
        return values === undefined ? null : histogramOf(values, featureStatistics.checkHistogramBuckets(args.buckets ?? DEFAULT_HISTOGRAM_BUCKETS))
      }
    },
    FeatureValue: {
      resolveType: (value: FeatureValue) => VALUE_TYPENAME[value.type]
    },
    DoubleValue: valueFields({ double: (v) => v.value }),
    Int64Value: valueFields({ int64: (v) => v.value }),
    StringValue: valueFields({ string: (v) => v.value }),
    BoolValue: valueFields({ bool: (v) => v.value }),
    BytesValue: valueFields({ base64: (v) => valueJson(v) }),
    TimestampValue: valueFields({ timestamp: (v) => v.value }),
    FloatVectorValue: valueFields({
      floats: (v) => v.type === 'float_vector' ? Array.from(v.value) : [],
      packed: (v) => v.type === 'float_vector' ? packedVector(v.value) : '',
      dimension: (v) => v.type === 'float_vector' ? v.value.length : 0,
      norm: (v) => v.type === 'float_vector' ? vectorNorm(v.value) : 0
    }),
    DoubleListValue: valueFields({ doubles: (v) => v.value }),
    Int64ListValue: valueFields({ int64s: (v) => v.value }),
    StringListValue: valueFields({ strings: (v) => v.value }),
    BoolListValue: valueFields({ bools: (v) => v.value })
  } satisfies SchemaResolvers
}

/**
 * A value kind's own fields, typed by that kind's generated resolvers (each sees only values of its kind),
 * plus `type` and `json`, which every kind has.
 */
function valueFields<F> (fields: F): F {
  return { type: (v: FeatureValue) => v.type, json: valueJson, ...fields }
}

export type { EntityFeaturesView }
