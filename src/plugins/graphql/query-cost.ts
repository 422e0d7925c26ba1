import {
  GraphQLError, getArgumentValues, getNamedType, getNullableType, getVariableValues, isCompositeType, isInterfaceType,
  isListType, isObjectType, Kind,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode,
  type SelectionSetNode
} from 'graphql'
import { getComplexity, type ComplexityEstimator, type ComplexityEstimatorArgs } from 'graphql-query-complexity'
import type { FeatureRegistry } from '../../core/feature-registry.js'
import { DEFAULT_HISTOGRAM_BUCKETS } from '../../core/histogram.js'
import { histogramCost, lookupWork, pullWork, statisticsWork, vectorCost } from '../../core/query-cost.js'
import { parseFeatureRef } from '../../domain/feature-ref.js'
import { LimitExceededError } from '../../errors.js'
import { QueryRejection } from './error-mapping.js'

/**
 * The static cost of a query, from the query, its variables and the registry, before it runs:
 * graphql-query-complexity walks the query; this module's estimator prices each field.
 *
 *   field cost = list size x (1 if it returns objects, else 0 + the cost of what is selected under it)
 *                + the store work behind the field (src/core/query-cost.ts)
 *
 * List sizes come from arguments, including those of an ancestor field (graphql-query-complexity
 * only sees a field's own arguments, so a first pass records, for every field under a root
 * field, the rows and columns that root field asks for): the entities of a lookup are its
 * `entityIds`, a page's edges are `first`, the columns are the requested features after expanding
 * whole sets. Registry and introspection lists are sized from the registry and schema as they are.
 */
/**
 * The core's own limit checks, asked before pricing: a list over its limit is refused in the core's
 * words, and never priced. Each throws LimitExceededError.
 */
export interface LimitChecks {
  checkEntityCount (count: number): void
  checkPageSize (first: number): void
  /** Rows a statistics sample of this size reads (the default when absent). */
  checkSampleSize (sample: number | undefined): number
  /** Buckets of one histogram, refused outside 1..the maximum. */
  checkHistogramBuckets (buckets: number): number
}

interface Scope {
  /** Entities a root field returns (ids of a lookup, `first` of a page). */
  readonly rows: number
  /** Columns per entity. */
  readonly columns: number
  /** Largest vector among the columns (0: none), for what a value's floats cost. */
  readonly vectorDimension: number
}

interface CostContext {
  readonly limits: LimitChecks
  readonly scopes: Map<FieldNode, Scope>
  readonly registry: RegistryShape
  readonly introspection: IntrospectionShape
}

interface RegistryShape {
  readonly sets: number
  readonly features: number
  readonly averageFeaturesPerSet: number
  readonly maxVectorDimension: number
}

/**
 * Average list sizes over the schema: the number of __Field objects a full introspection returns is
 * exactly types x average fields per type, and so on down, so the standard introspection query is
 * priced at what it returns while each extra level of nesting multiplies.
 */
interface IntrospectionShape {
  readonly types: number
  readonly fieldsPerType: number
  readonly argsPerField: number
  readonly inputFieldsPerType: number
  readonly enumValuesPerType: number
  readonly interfacesPerType: number
  readonly possibleTypesPerType: number
  readonly directives: number
  readonly argsPerDirective: number
}

export function introspectionShape (schema: GraphQLSchema): IntrospectionShape {
  const types = Object.values(schema.getTypeMap())
  let fields = 0
  let args = 0
  let inputFields = 0
  let enumValues = 0
  let interfaces = 0
  let possible = 0
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) {
      const f = Object.values(type.getFields())
      fields += f.length
      for (const field of f) args += field.args.length
      interfaces += type.getInterfaces().length
    }
    if ('getValues' in type && typeof type.getValues === 'function') enumValues += type.getValues().length
    if ('getFields' in type && !isObjectType(type) && !isInterfaceType(type)) inputFields += Object.keys(type.getFields()).length
    if (isInterfaceType(type) || (isCompositeType(type) && !isObjectType(type))) possible += schema.getPossibleTypes(type).length
  }
  const directives = schema.getDirectives()
  const directiveArgs = directives.reduce((n, d) => n + d.args.length, 0)
  const n = Math.max(1, types.length)
  return {
    types: types.length,
    fieldsPerType: fields / n,
    argsPerField: fields === 0 ? 0 : args / fields,
    inputFieldsPerType: inputFields / n,
    enumValuesPerType: enumValues / n,
    interfacesPerType: interfaces / n,
    possibleTypesPerType: possible / n,
    directives: directives.length,
    argsPerDirective: directives.length === 0 ? 0 : directiveArgs / directives.length
  }
}

type ListSize = (args: Record<string, unknown>, context: CostContext, scope: Scope) => number

/** How many elements each list of objects holds; a test checks every such list of the schema has a rule. */
export const LIST_SIZES: Readonly<Record<string, ListSize>> = {
  'Query.featureSets': (_a, c) => c.registry.sets,
  'Query.features': (_a, c) => c.registry.features,
  'FeatureSet.features': (_a, c) => c.registry.averageFeaturesPerSet,
  'FeatureLookup.features': (_a, _c, s) => s.columns,
  'FeatureLookup.entities': (_a, _c, s) => s.rows,
  'EntityFeatures.features': (_a, _c, s) => s.columns,
  'FeatureRowConnection.features': (_a, _c, s) => s.columns,
  'FeatureRowConnection.edges': (_a, _c, s) => s.rows,
  'FeatureRowConnection.nodes': (_a, _c, s) => s.rows,
  'FeatureStatisticsReport.features': (_a, _c, s) => s.columns,
  '__Schema.types': (_a, c) => c.introspection.types,
  '__Schema.directives': (_a, c) => c.introspection.directives,
  '__Type.fields': (_a, c) => c.introspection.fieldsPerType,
  '__Type.inputFields': (_a, c) => c.introspection.inputFieldsPerType,
  '__Type.enumValues': (_a, c) => c.introspection.enumValuesPerType,
  '__Type.interfaces': (_a, c) => c.introspection.interfacesPerType,
  '__Type.possibleTypes': (_a, c) => c.introspection.possibleTypesPerType,
  '__Field.args': (_a, c) => c.introspection.argsPerField,
  '__Directive.args': (_a, c) => c.introspection.argsPerDirective
}

const ONE: Scope = { rows: 1, columns: 1, vectorDimension: -1 }
const VECTOR_FIELDS = new Set(['FloatVectorValue.floats', 'FloatVectorValue.json', 'FeatureValue.json'])

const estimator: ComplexityEstimator = (options: ComplexityEstimatorArgs): number => {
  const context = options.context as CostContext
  const key = `${options.type.name}.${options.field.name}`
  const scope = context.scopes.get(options.node) ?? ONE
  const returnsObjects = isCompositeType(getNamedType(options.field.type))
  let size = 1
  if (isListType(getNullableType(options.field.type))) {
    const rule = LIST_SIZES[key]
    // Lists of scalars (tags, vector floats) cost nothing per element but what `extra` says below.
    size = rule !== undefined ? rule(options.args, context, scope) : returnsObjects ? context.registry.features : 1
  }
  let extra = 0
  // A value's JSON may be a vector: priced by the largest vector among its root field's columns.
  if (VECTOR_FIELDS.has(key)) extra = vectorCost(scope.vectorDimension >= 0 ? scope.vectorDimension : context.registry.maxVectorDimension)
  if (key === 'FeatureStatistics.histogram') {
    let buckets = 0
    asRejection(() => { buckets = context.limits.checkHistogramBuckets(typeof options.args.buckets === 'number' ? options.args.buckets : DEFAULT_HISTOGRAM_BUCKETS) })
    extra = histogramCost(buckets)
  }
  return size * ((returnsObjects ? 1 : 0) + options.childComplexity) + extra + (context.scopes.get(options.node) === undefined ? 0 : rootWork(key, scope))
}

/** Store work of a root field, counted once on the field itself. */
function rootWork (key: string, scope: Scope & { work?: number }): number {
  if (key === 'Query.getFeatures' || key === 'Query.featureRows' || key === 'Query.featureStatistics') return scope.work ?? 0
  return 0
}

interface RootScope extends Scope {
  readonly work: number
}

export interface PricedOperation {
  readonly cost: number
}

export interface PricingOptions {
  readonly schema: GraphQLSchema
  readonly registry: FeatureRegistry
  readonly introspection: IntrospectionShape
  readonly limits: LimitChecks
}

/**
 * Prices one operation, refusing it before any store call when a root field's list arguments exceed
 * their limits or the variables are malformed. The caller compares the cost with the limit.
 */
export function priceOperation (document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined, options: PricingOptions): PricedOperation {
  const operation = selectOperation(document, operationName)
  if (operation === undefined) return { cost: 0 }
  const coerced = getVariableValues(options.schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 5 })
  const invalid = coerced.errors?.[0]
  if (invalid !== undefined) throw invalid
  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition)

  const specs = options.registry.featureSets()
  const registry: RegistryShape = {
    sets: specs.length,
    features: specs.reduce((n, s) => n + s.features.length, 0),
    averageFeaturesPerSet: specs.length === 0 ? 0 : specs.reduce((n, s) => n + s.features.length, 0) / specs.length,
    maxVectorDimension: Math.max(0, ...specs.flatMap((s) => s.features.map((f) => f.dimension ?? 0)))
  }
  const scopes = new Map<FieldNode, Scope>()
  const queryType = options.schema.getQueryType()
  if (queryType === undefined || queryType === null) return { cost: 0 }
  const rootFields = queryType.getFields()
  forEachField(operation.selectionSet, fragments, new Set(), (node) => {
    const field = rootFields[node.name.value]
    if (field === undefined) return
    const args = getArgumentValues(field, node, coerced.coerced)
    const scope = rootScope(node.name.value, args, options)
    if (scope === undefined) return
    scopes.set(node, scope)
    if (node.selectionSet !== undefined) {
      forEachField(node.selectionSet, fragments, new Set(), function mark (child) {
        const previous = scopes.get(child)
        // A fragment shared by two root fields is priced as the larger of them.
        if (previous === undefined || previous.rows * previous.columns < scope.rows * scope.columns) {
          scopes.set(child, { rows: scope.rows, columns: scope.columns, vectorDimension: Math.max(scope.vectorDimension, previous?.vectorDimension ?? 0) })
        }
        if (child.selectionSet !== undefined) forEachField(child.selectionSet, fragments, new Set(), mark)
      })
    }
  })
  let cost: number
  try {
    cost = getComplexity({
      estimators: [estimator],
      schema: options.schema,
      query: document,
      variables,
      operationName,
      context: { limits: options.limits, scopes, registry, introspection: options.introspection } satisfies CostContext
    })
  } catch (error) {
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) {
      throw new QueryRejection('nodes', 'Query has too many fields once its fragments are expanded (more than 10000)', { limit: 10_000 })
    }
    throw error
  }
  return { cost: Math.ceil(cost) }
}

function selectOperation (document: DocumentNode, operationName: string | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
  if (operationName === undefined) return operations.length === 1 ? operations[0] : undefined
  return operations.find((o) => o.name?.value === operationName)
}

/** Every field of a selection set, through fragments (each fragment once per path: cycles are graphql's to report). */
function forEachField (
  selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, active: Set<string>, visit: (node: FieldNode) => void
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) visit(selection)
    else if (selection.kind === Kind.INLINE_FRAGMENT) forEachField(selection.selectionSet, fragments, active, visit)
    else {
      const name = selection.name.value
      const fragment = fragments.get(name)
      if (fragment === undefined || active.has(name)) continue
      active.add(name)
      forEachField(fragment.selectionSet, fragments, active, visit)
      active.delete(name)
    }
  }
}

function countColumns (refs: readonly unknown[], registry: FeatureRegistry): { columns: number, sets: Set<string>, vectorDimension: number } {
  let columns = 0
  let vectorDimension = 0
  const sets = new Set<string>()
  for (const ref of refs) {
    // Pricing is lenient: a reference the resolver will refuse is priced as one column.
    try {
      const parsed = parseFeatureRef(String(ref))
      sets.add(parsed.featureSet)
      const features = registry.featureSet(parsed.featureSet).features.filter((f) => parsed.feature === undefined || f.name === parsed.feature)
      columns += Math.max(1, features.length)
      for (const f of features) vectorDimension = Math.max(vectorDimension, f.dimension ?? 0)
    } catch {
      columns += 1
    }
  }
  return { columns, sets, vectorDimension }
}

/** A limit the core refused, as a refusal before execution (HTTP 400, counted as 'limits'). */
function asRejection (check: () => void): void {
  try {
    check()
  } catch (error) {
    if (!(error instanceof LimitExceededError)) throw error
    throw new QueryRejection('limits', error.message, { requested: error.requested, limit: error.limit })
  }
}

function rootScope (name: string, args: Record<string, unknown>, options: PricingOptions): RootScope | undefined {
  const { limits, registry } = options
  if (name === 'getFeatures') {
    const ids = Array.isArray(args.entityIds) ? args.entityIds.length : 0
    asRejection(() => limits.checkEntityCount(ids))
    const { columns, sets, vectorDimension } = countColumns(Array.isArray(args.featureNames) ? args.featureNames : [], registry)
    return { rows: ids, columns, vectorDimension, work: lookupWork(new Set(args.entityIds as unknown[]).size, sets.size) }
  }
  if (name === 'featureRows') {
    const first = typeof args.first === 'number' ? args.first : 0
    asRejection(() => limits.checkPageSize(first))
    const { columns, sets, vectorDimension } = countColumns(Array.isArray(args.features) ? args.features : [], registry)
    const filters = Array.isArray(args.filter) ? args.filter : []
    for (const f of filters) {
      const ref = (f as { feature?: unknown }).feature
      if (typeof ref === 'string') sets.add(ref.split(':')[0]!)
    }
    sets.delete(String(args.featureSet))
    return { rows: Math.max(0, first), columns, vectorDimension, work: pullWork(Math.max(0, first), sets.size) }
  }
  if (name === 'featureStatistics') {
    const sample = typeof args.sample === 'number' ? args.sample : undefined
    let rows = 0
    asRejection(() => { rows = limits.checkSampleSize(sample) })
    const refs = Array.isArray(args.features) ? args.features : [String(args.featureSet)]
    const { columns, sets } = countColumns(refs, registry)
    return { rows: 1, columns, vectorDimension: 0, work: statisticsWork(rows, sets.size) }
  }
  return undefined
}
