// Original file: proto/feature_store/v1/feature_store.proto

import type { FeatureVector as _feature_store_v1_FeatureVector, FeatureVector__Output as _feature_store_v1_FeatureVector__Output } from '../../feature_store/v1/FeatureVector.js';

/**
 * Columnar, like Feast's GetOnlineFeaturesResponse: the feature names once, then one vector per
 * feature running over the entities. Chosen over one row per entity because
 * - names are not repeated per entity, and statuses and event times become packed scalar arrays
 * (one length-prefixed field per feature instead of a tag per cell);
 * - a column maps straight onto one model input (one tensor per feature across the batch);
 * - clients moving from Feast find the shape they know.
 * The cost: a client that wants rows transposes, which is a loop over indexes, no lookups.
 */
export interface GetOnlineFeaturesResponse {
  /**
   * The resolved references, one per column, in request order with whole sets expanded:
   * results[i] holds feature_refs[i].
   */
  'feature_refs'?: (string)[];
  /**
   * The requested entity ids, in request order, duplicates kept: entry j of every vector below
   * is for entity_ids[j].
   */
  'entity_ids'?: (string)[];
  'results'?: (_feature_store_v1_FeatureVector)[];
}

/**
 * Columnar, like Feast's GetOnlineFeaturesResponse: the feature names once, then one vector per
 * feature running over the entities. Chosen over one row per entity because
 * - names are not repeated per entity, and statuses and event times become packed scalar arrays
 * (one length-prefixed field per feature instead of a tag per cell);
 * - a column maps straight onto one model input (one tensor per feature across the batch);
 * - clients moving from Feast find the shape they know.
 * The cost: a client that wants rows transposes, which is a loop over indexes, no lookups.
 */
export interface GetOnlineFeaturesResponse__Output {
  /**
   * The resolved references, one per column, in request order with whole sets expanded:
   * results[i] holds feature_refs[i].
   */
  'feature_refs': (string)[];
  /**
   * The requested entity ids, in request order, duplicates kept: entry j of every vector below
   * is for entity_ids[j].
   */
  'entity_ids': (string)[];
  'results': (_feature_store_v1_FeatureVector__Output)[];
}
