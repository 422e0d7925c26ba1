// Generated from graphql/schema.graphql by GraphQL Code Generator (codegen.ts). Do not edit: run `npm run graphql:gen`.
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { FeatureValue as DomainFeatureValue, FeatureValueOf } from '../../domain/feature-value.js';
import type { MercuriusContext } from 'mercurius';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** Milliseconds since the Unix epoch on input (or an ISO-8601 string); ISO-8601 UTC on output. */
  DateTime: { input: number; output: number; }
  /** A literal compared with a feature: a number, string or boolean, read as the feature's declared type (int64 may be a string; timestamps epoch ms or ISO-8601). */
  FilterValue: { input: string | number | boolean; output: string | number | boolean; }
  /** A 64-bit integer, exact: a decimal string (inputs may also be GraphQL integers). */
  Int64: { input: bigint; output: bigint; }
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
};

export type BoolListValue = FeatureValue & {
  readonly __typename?: 'BoolListValue';
  readonly bools: ReadonlyArray<Scalars['Boolean']['output']>;
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

export type BoolValue = FeatureValue & {
  readonly __typename?: 'BoolValue';
  readonly bool: Scalars['Boolean']['output'];
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

/** Base64. */
export type BytesValue = FeatureValue & {
  readonly __typename?: 'BytesValue';
  readonly base64: Scalars['String']['output'];
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

export type DoubleListValue = FeatureValue & {
  readonly __typename?: 'DoubleListValue';
  readonly doubles: ReadonlyArray<Scalars['Float']['output']>;
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

export type DoubleValue = FeatureValue & {
  readonly __typename?: 'DoubleValue';
  readonly double: Scalars['Float']['output'];
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

export type EntityFeatures = {
  readonly __typename?: 'EntityFeatures';
  readonly entityId: Scalars['String']['output'];
  /** One result per column, aligned with the lookup's or page's `features`. */
  readonly features: ReadonlyArray<FeatureResult>;
};

export type Feature = {
  readonly __typename?: 'Feature';
  readonly description?: Maybe<Scalars['String']['output']>;
  /** Vector length (float_vector only). */
  readonly dimension?: Maybe<Scalars['Int']['output']>;
  readonly featureSet: Scalars['String']['output'];
  /** The set's maximum age. */
  readonly maxAgeSeconds?: Maybe<Scalars['Int']['output']>;
  readonly name: Scalars['String']['output'];
  readonly owner?: Maybe<Scalars['String']['output']>;
  /** feature_set:feature, as lookups and pulls take it. */
  readonly ref: Scalars['String']['output'];
  readonly tags: ReadonlyArray<Scalars['String']['output']>;
  readonly type: ValueType;
};

/**
 * A condition on one scalar feature (double, int64, string, bool, timestamp); every operator given must hold,
 * and every filter of a list must hold. A comparison holds only for a present, non-null value of the declared
 * type: an entity without the row or the feature matches none (use `exists: false` for those).
 */
export type FeatureFilter = {
  readonly eq?: InputMaybe<Scalars['FilterValue']['input']>;
  /** true: the entity's row has the feature (value or null); false: no row, or the row lacks it. */
  readonly exists?: InputMaybe<Scalars['Boolean']['input']>;
  /** feature_set:feature */
  readonly feature: Scalars['String']['input'];
  readonly gt?: InputMaybe<Scalars['FilterValue']['input']>;
  readonly gte?: InputMaybe<Scalars['FilterValue']['input']>;
  /** One of these values (at most 100). */
  readonly in?: InputMaybe<ReadonlyArray<Scalars['FilterValue']['input']>>;
  /** true: stored as null; false: stored with a value. */
  readonly isNull?: InputMaybe<Scalars['Boolean']['input']>;
  readonly lt?: InputMaybe<Scalars['FilterValue']['input']>;
  readonly lte?: InputMaybe<Scalars['FilterValue']['input']>;
  readonly ne?: InputMaybe<Scalars['FilterValue']['input']>;
  /** Timestamp features: no older than this many seconds before the query started (e.g. 2592000 for 30 days). */
  readonly withinLastSeconds?: InputMaybe<Scalars['Int']['input']>;
};

export type FeatureLookup = {
  readonly __typename?: 'FeatureLookup';
  /** One entry per requested id, in request order (duplicates kept); null where the store could not be read. */
  readonly entities: ReadonlyArray<Maybe<EntityFeatures>>;
  /** The columns, in request order, whole-set references expanded. */
  readonly features: ReadonlyArray<Feature>;
};

export type FeatureResult = {
  readonly __typename?: 'FeatureResult';
  /** Event time of the row the value came from; null when there is no row. */
  readonly eventTime?: Maybe<Scalars['DateTime']['output']>;
  /** feature_set:feature */
  readonly ref: Scalars['String']['output'];
  readonly status: FeatureStatus;
  /** Null unless PRESENT or STALE. */
  readonly value?: Maybe<FeatureValue>;
};

export type FeatureRowConnection = {
  readonly __typename?: 'FeatureRowConnection';
  readonly edges: ReadonlyArray<FeatureRowEdge>;
  /** The columns of every node, in request order. */
  readonly features: ReadonlyArray<Feature>;
  /** The same entities as `edges`, without cursors. */
  readonly nodes: ReadonlyArray<EntityFeatures>;
  readonly pageInfo: PageInfo;
  /** What this page cost the store. */
  readonly scan: ScanReport;
};

export type FeatureRowEdge = {
  readonly __typename?: 'FeatureRowEdge';
  readonly cursor: Scalars['String']['output'];
  readonly node: EntityFeatures;
};

export type FeatureSet = {
  readonly __typename?: 'FeatureSet';
  readonly description?: Maybe<Scalars['String']['output']>;
  readonly entityType: Scalars['String']['output'];
  readonly features: ReadonlyArray<Feature>;
  /** Rows older than this are STALE; null: never. */
  readonly maxAgeSeconds?: Maybe<Scalars['Int']['output']>;
  readonly name: Scalars['String']['output'];
  readonly owner?: Maybe<Scalars['String']['output']>;
  readonly tags: ReadonlyArray<Scalars['String']['output']>;
};

export type FeatureStatistics = {
  readonly __typename?: 'FeatureStatistics';
  /** Rows with a usable value (PRESENT or STALE) / rows. */
  readonly coverage: Scalars['Float']['output'];
  readonly feature: Feature;
  /**
   * Equal-width histogram of the usable values of a numeric feature (double, int64, timestamp in epoch ms,
   * bool as 0/1), or of a float_vector feature's norms; null for other types. At most 200 buckets.
   */
  readonly histogram?: Maybe<Histogram>;
  readonly invalid: Scalars['Int']['output'];
  /** string (characters) and list features (elements). */
  readonly length?: Maybe<NumericStatistics>;
  readonly missing: Scalars['Int']['output'];
  /** Rows without the feature (no row in its set, or the attribute absent) / rows. */
  readonly missingRate: Scalars['Float']['output'];
  /** Rows whose value is stored as null / rows. */
  readonly nullRate: Scalars['Float']['output'];
  readonly nulls: Scalars['Int']['output'];
  /** double, int64, timestamp (epoch ms), bool (as 0/1): over the usable values. */
  readonly numeric?: Maybe<NumericStatistics>;
  readonly present: Scalars['Int']['output'];
  readonly stale: Scalars['Int']['output'];
  /** Rows whose value is older than the set's maxAgeSeconds (STALE) / rows. */
  readonly staleRate: Scalars['Float']['output'];
  /** float_vector. */
  readonly vector?: Maybe<VectorStatistics>;
};


export type FeatureStatisticsHistogramArgs = {
  buckets?: InputMaybe<Scalars['Int']['input']>;
};

export type FeatureStatisticsReport = {
  readonly __typename?: 'FeatureStatisticsReport';
  /** True when every (matching) row of the set was read. */
  readonly complete: Scalars['Boolean']['output'];
  readonly featureSet: Scalars['String']['output'];
  readonly features: ReadonlyArray<FeatureStatistics>;
  /** Items DynamoDB examined. */
  readonly itemsScanned: Scalars['Int']['output'];
  /** Rows of `featureSet` (after filters) the statistics are over. */
  readonly rows: Scalars['Int']['output'];
};

/**
 * PRESENT: the value. NULL_VALUE: stored as null. NOT_FOUND: no row for the entity in the set, or the row
 * lacks the feature. STALE: older than the set's maxAgeSeconds (value still given). INVALID: the stored
 * value does not match the declared type. UNAVAILABLE: the row could not be read this time (its part of the
 * store read was throttled or failed) while the rest of the answer could; retrying may succeed.
 */
export type FeatureStatus =
  | 'INVALID'
  | 'NOT_FOUND'
  | 'NULL_VALUE'
  | 'PRESENT'
  | 'STALE'
  | 'UNAVAILABLE';

/** A typed value. Every kind has `json`, the same value as JSON (int64 as a string, bytes as base64, timestamps as ISO-8601). */
export type FeatureValue = {
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

export type FloatVectorValue = FeatureValue & {
  readonly __typename?: 'FloatVectorValue';
  readonly dimension: Scalars['Int']['output'];
  readonly floats: ReadonlyArray<Scalars['Float']['output']>;
  readonly json: Scalars['JSON']['output'];
  /** Euclidean norm. */
  readonly norm: Scalars['Float']['output'];
  /** The same floats packed: little-endian float32, base64 (numpy: frombuffer(b64decode(s), '<f4')). 4x smaller than `floats` and far cheaper to encode: the field for bulk pulls. */
  readonly packed: Scalars['String']['output'];
  readonly type: ValueType;
};

/** As numpy.histogram: `counts[i]` values fall in [edges[i], edges[i+1]) (the last bucket includes its upper edge). */
export type Histogram = {
  readonly __typename?: 'Histogram';
  /** Values counted. */
  readonly count: Scalars['Int']['output'];
  readonly counts: ReadonlyArray<Scalars['Int']['output']>;
  /** Bucket boundaries: one more than `counts`; empty when there are no values. */
  readonly edges: ReadonlyArray<Scalars['Float']['output']>;
};

export type Int64ListValue = FeatureValue & {
  readonly __typename?: 'Int64ListValue';
  readonly int64s: ReadonlyArray<Scalars['Int64']['output']>;
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

export type Int64Value = FeatureValue & {
  readonly __typename?: 'Int64Value';
  readonly int64: Scalars['Int64']['output'];
  readonly json: Scalars['JSON']['output'];
  readonly type: ValueType;
};

export type NumericStatistics = {
  readonly __typename?: 'NumericStatistics';
  readonly count: Scalars['Int']['output'];
  readonly max?: Maybe<Scalars['Float']['output']>;
  readonly maxExact?: Maybe<Scalars['String']['output']>;
  readonly mean?: Maybe<Scalars['Float']['output']>;
  readonly min?: Maybe<Scalars['Float']['output']>;
  /** Exact min and max: decimal strings for int64, ISO-8601 for timestamps, else as min/max. */
  readonly minExact?: Maybe<Scalars['String']['output']>;
};

/** Relay page info. Pulls only go forward: hasPreviousPage is always false. */
export type PageInfo = {
  readonly __typename?: 'PageInfo';
  readonly endCursor?: Maybe<Scalars['String']['output']>;
  readonly hasNextPage: Scalars['Boolean']['output'];
  readonly hasPreviousPage: Scalars['Boolean']['output'];
  readonly startCursor?: Maybe<Scalars['String']['output']>;
};

export type Query = {
  readonly __typename?: 'Query';
  /**
   * Bulk pull for training: every entity with a row in `featureSet` (optionally filtered), with the requested
   * features (of any set), one page at a time. Served by a DynamoDB parallel scan: filters on `featureSet`'s
   * own features and its event time are evaluated by DynamoDB (FilterExpression) and cost no gateway work;
   * filters on other sets' features are evaluated in the gateway after reading those rows by key. A scan
   * reads the whole table whatever the filters: see graphql/README.md for what that costs.
   * Pages may hold fewer than `first` entities (a selective filter examines at most a bounded number of items
   * per page); keep going while `pageInfo.hasNextPage`. `segment` splits the pull among parallel workers.
   */
  readonly featureRows: FeatureRowConnection;
  /** One feature set by name; null when there is none. */
  readonly featureSet?: Maybe<FeatureSet>;
  /** Feature sets in the registry, optionally only those whose name (or a feature's name) contains `search` and/or that carry `tag` (on the set or a feature). */
  readonly featureSets: ReadonlyArray<FeatureSet>;
  /**
   * Quality of features before training on them: coverage, null and missing rates, min/max/mean, and for
   * vectors their dimensions and norms, and histograms. Over a uniform random sample of `sample` rows of
   * `featureSet` (hash slices of the set read in a random order, the last one subsampled; `seed` makes the
   * choice repeatable), or over the whole set when `sample` is absent (up to the configured row limit, then a
   * random sample of that size: `complete` says whether every row was read). `features` defaults to all of
   * the set's features; they may name other sets, whose coverage is then measured over `featureSet`'s entities.
   */
  readonly featureStatistics: FeatureStatisticsReport;
  /** Features across all sets whose name contains `search` and/or that carry `tag` (on the feature or its set). */
  readonly features: ReadonlyArray<Feature>;
  /**
   * Features of entities by key (DynamoDB BatchGetItem, cached, merged with every other lookup in flight).
   * `featureNames` are references `feature_set:feature`, or `feature_set` for all of a set's features.
   * Entities without a row come back with status NOT_FOUND, not as errors; entities whose rows could not be
   * read (e.g. store throttling) come back null, with an error carrying their path and code.
   */
  readonly getFeatures: FeatureLookup;
};


export type QueryFeatureRowsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  eventTimeAfter?: InputMaybe<Scalars['DateTime']['input']>;
  eventTimeBefore?: InputMaybe<Scalars['DateTime']['input']>;
  featureSet: Scalars['String']['input'];
  features: ReadonlyArray<Scalars['String']['input']>;
  filter?: InputMaybe<ReadonlyArray<FeatureFilter>>;
  first: Scalars['Int']['input'];
  segment?: InputMaybe<ScanSegment>;
};


export type QueryFeatureSetArgs = {
  name: Scalars['String']['input'];
};


export type QueryFeatureSetsArgs = {
  search?: InputMaybe<Scalars['String']['input']>;
  tag?: InputMaybe<Scalars['String']['input']>;
};


export type QueryFeatureStatisticsArgs = {
  featureSet: Scalars['String']['input'];
  features?: InputMaybe<ReadonlyArray<Scalars['String']['input']>>;
  filter?: InputMaybe<ReadonlyArray<FeatureFilter>>;
  sample?: InputMaybe<Scalars['Int']['input']>;
  seed?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryFeaturesArgs = {
  search?: InputMaybe<Scalars['String']['input']>;
  tag?: InputMaybe<Scalars['String']['input']>;
};


export type QueryGetFeaturesArgs = {
  entityIds: ReadonlyArray<Scalars['String']['input']>;
  featureNames: ReadonlyArray<Scalars['String']['input']>;
};

export type ScanReport = {
  readonly __typename?: 'ScanReport';
  /** Conditions evaluated in the gateway after reading other sets' rows by key. */
  readonly evaluatedInGateway: ReadonlyArray<Scalars['String']['output']>;
  /** Items DynamoDB examined for this page (of every set: the table is shared). */
  readonly itemsScanned: Scalars['Int']['output'];
  /** Conditions evaluated by DynamoDB (FilterExpression). */
  readonly pushedDown: ReadonlyArray<Scalars['String']['output']>;
  /** Scan and BatchGetItem calls made for this page. */
  readonly storeCalls: Scalars['Int']['output'];
};

/** One of `count` disjoint parts of a pull (DynamoDB Segment/TotalSegments), for parallel workers. */
export type ScanSegment = {
  readonly count: Scalars['Int']['input'];
  readonly index: Scalars['Int']['input'];
};

export type StringListValue = FeatureValue & {
  readonly __typename?: 'StringListValue';
  readonly json: Scalars['JSON']['output'];
  readonly strings: ReadonlyArray<Scalars['String']['output']>;
  readonly type: ValueType;
};

export type StringValue = FeatureValue & {
  readonly __typename?: 'StringValue';
  readonly json: Scalars['JSON']['output'];
  readonly string: Scalars['String']['output'];
  readonly type: ValueType;
};

export type TimestampValue = FeatureValue & {
  readonly __typename?: 'TimestampValue';
  readonly json: Scalars['JSON']['output'];
  readonly timestamp: Scalars['DateTime']['output'];
  readonly type: ValueType;
};

export type ValueType =
  | 'bool'
  | 'bool_list'
  | 'bytes'
  | 'double'
  | 'double_list'
  | 'float_vector'
  | 'int64'
  | 'int64_list'
  | 'string'
  | 'string_list'
  | 'timestamp';

export type VectorStatistics = {
  readonly __typename?: 'VectorStatistics';
  readonly count: Scalars['Int']['output'];
  /** The declared dimension. */
  readonly expectedDimension?: Maybe<Scalars['Int']['output']>;
  readonly maxDimension?: Maybe<Scalars['Int']['output']>;
  readonly maxNorm?: Maybe<Scalars['Float']['output']>;
  readonly meanNorm?: Maybe<Scalars['Float']['output']>;
  readonly minDimension?: Maybe<Scalars['Int']['output']>;
  readonly minNorm?: Maybe<Scalars['Float']['output']>;
  /** Vectors whose length differs from the declared dimension. */
  readonly wrongDimension: Scalars['Int']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  BoolListValue: ResolverTypeWrapper<FeatureValueOf<'bool_list'>>;
  BoolValue: ResolverTypeWrapper<FeatureValueOf<'bool'>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  BytesValue: ResolverTypeWrapper<FeatureValueOf<'bytes'>>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DoubleListValue: ResolverTypeWrapper<FeatureValueOf<'double_list'>>;
  DoubleValue: ResolverTypeWrapper<FeatureValueOf<'double'>>;
  EntityFeatures: ResolverTypeWrapper<Omit<EntityFeatures, 'features'> & { features: ReadonlyArray<ResolversTypes['FeatureResult']> }>;
  Feature: ResolverTypeWrapper<Feature>;
  FeatureFilter: FeatureFilter;
  FeatureLookup: ResolverTypeWrapper<Omit<FeatureLookup, 'entities'> & { entities: ReadonlyArray<Maybe<ResolversTypes['EntityFeatures']>> }>;
  FeatureResult: ResolverTypeWrapper<Omit<FeatureResult, 'value'> & { value?: Maybe<ResolversTypes['FeatureValue']> }>;
  FeatureRowConnection: ResolverTypeWrapper<Omit<FeatureRowConnection, 'edges' | 'nodes'> & { edges: ReadonlyArray<ResolversTypes['FeatureRowEdge']>, nodes: ReadonlyArray<ResolversTypes['EntityFeatures']> }>;
  FeatureRowEdge: ResolverTypeWrapper<Omit<FeatureRowEdge, 'node'> & { node: ResolversTypes['EntityFeatures'] }>;
  FeatureSet: ResolverTypeWrapper<FeatureSet>;
  FeatureStatistics: ResolverTypeWrapper<FeatureStatistics>;
  FeatureStatisticsReport: ResolverTypeWrapper<FeatureStatisticsReport>;
  FeatureStatus: FeatureStatus;
  FeatureValue: ResolverTypeWrapper<DomainFeatureValue>;
  FilterValue: ResolverTypeWrapper<Scalars['FilterValue']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  FloatVectorValue: ResolverTypeWrapper<FeatureValueOf<'float_vector'>>;
  Histogram: ResolverTypeWrapper<Histogram>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Int64: ResolverTypeWrapper<Scalars['Int64']['output']>;
  Int64ListValue: ResolverTypeWrapper<FeatureValueOf<'int64_list'>>;
  Int64Value: ResolverTypeWrapper<FeatureValueOf<'int64'>>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  NumericStatistics: ResolverTypeWrapper<NumericStatistics>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ScanReport: ResolverTypeWrapper<ScanReport>;
  ScanSegment: ScanSegment;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  StringListValue: ResolverTypeWrapper<FeatureValueOf<'string_list'>>;
  StringValue: ResolverTypeWrapper<FeatureValueOf<'string'>>;
  TimestampValue: ResolverTypeWrapper<FeatureValueOf<'timestamp'>>;
  ValueType: ValueType;
  VectorStatistics: ResolverTypeWrapper<VectorStatistics>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  BoolListValue: FeatureValueOf<'bool_list'>;
  BoolValue: FeatureValueOf<'bool'>;
  Boolean: Scalars['Boolean']['output'];
  BytesValue: FeatureValueOf<'bytes'>;
  DateTime: Scalars['DateTime']['output'];
  DoubleListValue: FeatureValueOf<'double_list'>;
  DoubleValue: FeatureValueOf<'double'>;
  EntityFeatures: Omit<EntityFeatures, 'features'> & { features: ReadonlyArray<ResolversParentTypes['FeatureResult']> };
  Feature: Feature;
  FeatureFilter: FeatureFilter;
  FeatureLookup: Omit<FeatureLookup, 'entities'> & { entities: ReadonlyArray<Maybe<ResolversParentTypes['EntityFeatures']>> };
  FeatureResult: Omit<FeatureResult, 'value'> & { value?: Maybe<ResolversParentTypes['FeatureValue']> };
  FeatureRowConnection: Omit<FeatureRowConnection, 'edges' | 'nodes'> & { edges: ReadonlyArray<ResolversParentTypes['FeatureRowEdge']>, nodes: ReadonlyArray<ResolversParentTypes['EntityFeatures']> };
  FeatureRowEdge: Omit<FeatureRowEdge, 'node'> & { node: ResolversParentTypes['EntityFeatures'] };
  FeatureSet: FeatureSet;
  FeatureStatistics: FeatureStatistics;
  FeatureStatisticsReport: FeatureStatisticsReport;
  FeatureValue: DomainFeatureValue;
  FilterValue: Scalars['FilterValue']['output'];
  Float: Scalars['Float']['output'];
  FloatVectorValue: FeatureValueOf<'float_vector'>;
  Histogram: Histogram;
  Int: Scalars['Int']['output'];
  Int64: Scalars['Int64']['output'];
  Int64ListValue: FeatureValueOf<'int64_list'>;
  Int64Value: FeatureValueOf<'int64'>;
  JSON: Scalars['JSON']['output'];
  NumericStatistics: NumericStatistics;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  ScanReport: ScanReport;
  ScanSegment: ScanSegment;
  String: Scalars['String']['output'];
  StringListValue: FeatureValueOf<'string_list'>;
  StringValue: FeatureValueOf<'string'>;
  TimestampValue: FeatureValueOf<'timestamp'>;
  VectorStatistics: VectorStatistics;
};

export type BoolListValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['BoolListValue'] = ResolversParentTypes['BoolListValue']> = {
  bools?: Resolver<ReadonlyArray<ResolversTypes['Boolean']>, ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type BoolValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['BoolValue'] = ResolversParentTypes['BoolValue']> = {
  bool?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type BytesValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['BytesValue'] = ResolversParentTypes['BytesValue']> = {
  base64?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DoubleListValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['DoubleListValue'] = ResolversParentTypes['DoubleListValue']> = {
  doubles?: Resolver<ReadonlyArray<ResolversTypes['Float']>, ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type DoubleValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['DoubleValue'] = ResolversParentTypes['DoubleValue']> = {
  double?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type EntityFeaturesResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['EntityFeatures'] = ResolversParentTypes['EntityFeatures']> = {
  entityId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  features?: Resolver<ReadonlyArray<ResolversTypes['FeatureResult']>, ParentType, ContextType>;
};

export type FeatureResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Feature'] = ResolversParentTypes['Feature']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  dimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  featureSet?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  maxAgeSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  owner?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  ref?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tags?: Resolver<ReadonlyArray<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
};

export type FeatureLookupResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureLookup'] = ResolversParentTypes['FeatureLookup']> = {
  entities?: Resolver<ReadonlyArray<Maybe<ResolversTypes['EntityFeatures']>>, ParentType, ContextType>;
  features?: Resolver<ReadonlyArray<ResolversTypes['Feature']>, ParentType, ContextType>;
};

export type FeatureResultResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureResult'] = ResolversParentTypes['FeatureResult']> = {
  eventTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  ref?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['FeatureStatus'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['FeatureValue']>, ParentType, ContextType>;
};

export type FeatureRowConnectionResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureRowConnection'] = ResolversParentTypes['FeatureRowConnection']> = {
  edges?: Resolver<ReadonlyArray<ResolversTypes['FeatureRowEdge']>, ParentType, ContextType>;
  features?: Resolver<ReadonlyArray<ResolversTypes['Feature']>, ParentType, ContextType>;
  nodes?: Resolver<ReadonlyArray<ResolversTypes['EntityFeatures']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  scan?: Resolver<ResolversTypes['ScanReport'], ParentType, ContextType>;
};

export type FeatureRowEdgeResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureRowEdge'] = ResolversParentTypes['FeatureRowEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['EntityFeatures'], ParentType, ContextType>;
};

export type FeatureSetResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureSet'] = ResolversParentTypes['FeatureSet']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  entityType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  features?: Resolver<ReadonlyArray<ResolversTypes['Feature']>, ParentType, ContextType>;
  maxAgeSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  owner?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  tags?: Resolver<ReadonlyArray<ResolversTypes['String']>, ParentType, ContextType>;
};

export type FeatureStatisticsResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureStatistics'] = ResolversParentTypes['FeatureStatistics']> = {
  coverage?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  feature?: Resolver<ResolversTypes['Feature'], ParentType, ContextType>;
  histogram?: Resolver<Maybe<ResolversTypes['Histogram']>, ParentType, ContextType, RequireFields<FeatureStatisticsHistogramArgs, 'buckets'>>;
  invalid?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  length?: Resolver<Maybe<ResolversTypes['NumericStatistics']>, ParentType, ContextType>;
  missing?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  missingRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  nullRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  nulls?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  numeric?: Resolver<Maybe<ResolversTypes['NumericStatistics']>, ParentType, ContextType>;
  present?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stale?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  staleRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  vector?: Resolver<Maybe<ResolversTypes['VectorStatistics']>, ParentType, ContextType>;
};

export type FeatureStatisticsReportResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureStatisticsReport'] = ResolversParentTypes['FeatureStatisticsReport']> = {
  complete?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  featureSet?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  features?: Resolver<ReadonlyArray<ResolversTypes['FeatureStatistics']>, ParentType, ContextType>;
  itemsScanned?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rows?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type FeatureValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FeatureValue'] = ResolversParentTypes['FeatureValue']> = {
  resolveType: TypeResolveFn<'BoolListValue' | 'BoolValue' | 'BytesValue' | 'DoubleListValue' | 'DoubleValue' | 'FloatVectorValue' | 'Int64ListValue' | 'Int64Value' | 'StringListValue' | 'StringValue' | 'TimestampValue', ParentType, ContextType>;
};

export interface FilterValueScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['FilterValue'], any> {
  name: 'FilterValue';
}

export type FloatVectorValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['FloatVectorValue'] = ResolversParentTypes['FloatVectorValue']> = {
  dimension?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  floats?: Resolver<ReadonlyArray<ResolversTypes['Float']>, ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  norm?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  packed?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type HistogramResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Histogram'] = ResolversParentTypes['Histogram']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  counts?: Resolver<ReadonlyArray<ResolversTypes['Int']>, ParentType, ContextType>;
  edges?: Resolver<ReadonlyArray<ResolversTypes['Float']>, ParentType, ContextType>;
};

export interface Int64ScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Int64'], any> {
  name: 'Int64';
}

export type Int64ListValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Int64ListValue'] = ResolversParentTypes['Int64ListValue']> = {
  int64s?: Resolver<ReadonlyArray<ResolversTypes['Int64']>, ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Int64ValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Int64Value'] = ResolversParentTypes['Int64Value']> = {
  int64?: Resolver<ResolversTypes['Int64'], ParentType, ContextType>;
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type NumericStatisticsResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['NumericStatistics'] = ResolversParentTypes['NumericStatistics']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  max?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  maxExact?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  mean?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  min?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  minExact?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  featureRows?: Resolver<ResolversTypes['FeatureRowConnection'], ParentType, ContextType, RequireFields<QueryFeatureRowsArgs, 'featureSet' | 'features' | 'first'>>;
  featureSet?: Resolver<Maybe<ResolversTypes['FeatureSet']>, ParentType, ContextType, RequireFields<QueryFeatureSetArgs, 'name'>>;
  featureSets?: Resolver<ReadonlyArray<ResolversTypes['FeatureSet']>, ParentType, ContextType, Partial<QueryFeatureSetsArgs>>;
  featureStatistics?: Resolver<ResolversTypes['FeatureStatisticsReport'], ParentType, ContextType, RequireFields<QueryFeatureStatisticsArgs, 'featureSet'>>;
  features?: Resolver<ReadonlyArray<ResolversTypes['Feature']>, ParentType, ContextType, Partial<QueryFeaturesArgs>>;
  getFeatures?: Resolver<ResolversTypes['FeatureLookup'], ParentType, ContextType, RequireFields<QueryGetFeaturesArgs, 'entityIds' | 'featureNames'>>;
};

export type ScanReportResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['ScanReport'] = ResolversParentTypes['ScanReport']> = {
  evaluatedInGateway?: Resolver<ReadonlyArray<ResolversTypes['String']>, ParentType, ContextType>;
  itemsScanned?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  pushedDown?: Resolver<ReadonlyArray<ResolversTypes['String']>, ParentType, ContextType>;
  storeCalls?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type StringListValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['StringListValue'] = ResolversParentTypes['StringListValue']> = {
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  strings?: Resolver<ReadonlyArray<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type StringValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['StringValue'] = ResolversParentTypes['StringValue']> = {
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  string?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type TimestampValueResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['TimestampValue'] = ResolversParentTypes['TimestampValue']> = {
  json?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  timestamp?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type VectorStatisticsResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['VectorStatistics'] = ResolversParentTypes['VectorStatistics']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expectedDimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  maxDimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  maxNorm?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  meanNorm?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  minDimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  minNorm?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  wrongDimension?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type Resolvers<ContextType = MercuriusContext> = {
  BoolListValue?: BoolListValueResolvers<ContextType>;
  BoolValue?: BoolValueResolvers<ContextType>;
  BytesValue?: BytesValueResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DoubleListValue?: DoubleListValueResolvers<ContextType>;
  DoubleValue?: DoubleValueResolvers<ContextType>;
  EntityFeatures?: EntityFeaturesResolvers<ContextType>;
  Feature?: FeatureResolvers<ContextType>;
  FeatureLookup?: FeatureLookupResolvers<ContextType>;
  FeatureResult?: FeatureResultResolvers<ContextType>;
  FeatureRowConnection?: FeatureRowConnectionResolvers<ContextType>;
  FeatureRowEdge?: FeatureRowEdgeResolvers<ContextType>;
  FeatureSet?: FeatureSetResolvers<ContextType>;
  FeatureStatistics?: FeatureStatisticsResolvers<ContextType>;
  FeatureStatisticsReport?: FeatureStatisticsReportResolvers<ContextType>;
  FeatureValue?: FeatureValueResolvers<ContextType>;
  FilterValue?: GraphQLScalarType;
  FloatVectorValue?: FloatVectorValueResolvers<ContextType>;
  Histogram?: HistogramResolvers<ContextType>;
  Int64?: GraphQLScalarType;
  Int64ListValue?: Int64ListValueResolvers<ContextType>;
  Int64Value?: Int64ValueResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  NumericStatistics?: NumericStatisticsResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ScanReport?: ScanReportResolvers<ContextType>;
  StringListValue?: StringListValueResolvers<ContextType>;
  StringValue?: StringValueResolvers<ContextType>;
  TimestampValue?: TimestampValueResolvers<ContextType>;
  VectorStatistics?: VectorStatisticsResolvers<ContextType>;
};

