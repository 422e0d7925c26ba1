// Generated from graphql/schema.graphql by graphql/codegen.ts. Do not edit: run `npx tsx graphql/codegen.ts`.

export interface FeatureFilter {
  readonly feature: string
  readonly eq?: string | number | boolean | null
  readonly ne?: string | number | boolean | null
  readonly lt?: string | number | boolean | null
  readonly lte?: string | number | boolean | null
  readonly gt?: string | number | boolean | null
  readonly gte?: string | number | boolean | null
  readonly in?: ReadonlyArray<string | number | boolean> | null
  readonly isNull?: boolean | null
  readonly exists?: boolean | null
  readonly withinLastSeconds?: number | null
}

export type FeatureStatus = 'PRESENT' | 'NULL_VALUE' | 'NOT_FOUND' | 'STALE' | 'INVALID'

export interface ScanSegment {
  readonly index: number
  readonly count: number
}

export type ValueType = 'double' | 'int64' | 'string' | 'bool' | 'bytes' | 'timestamp' | 'float_vector' | 'double_list' | 'int64_list' | 'string_list' | 'bool_list'

export interface QueryFeatureSetsArgs {
  readonly search?: string | null
  readonly tag?: string | null
}

export interface QueryFeatureSetArgs {
  readonly name: string
}

export interface QueryFeaturesArgs {
  readonly search?: string | null
  readonly tag?: string | null
}

export interface QueryGetFeaturesArgs {
  readonly entityIds: ReadonlyArray<string>
  readonly featureNames: ReadonlyArray<string>
}

export interface QueryFeatureRowsArgs {
  readonly featureSet: string
  readonly features: ReadonlyArray<string>
  readonly first: number
  readonly after?: string | null
  readonly filter?: ReadonlyArray<FeatureFilter> | null
  readonly eventTimeAfter?: number | null
  readonly eventTimeBefore?: number | null
  readonly segment?: ScanSegment | null
}

export interface QueryFeatureStatisticsArgs {
  readonly featureSet: string
  readonly features?: ReadonlyArray<string> | null
  readonly sample?: number | null
  readonly filter?: ReadonlyArray<FeatureFilter> | null
}
