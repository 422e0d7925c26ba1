/**
 * The storage layout for pulls. Items stay keyed (entity id, feature set) in one table, so the online
 * path reads a user's sets with one BatchGetItem; a global secondary index whose hash key is
 * `<set>#<shard>` (range key: entity id, all attributes projected) lets a pull Query exactly one
 * set's items instead of Scanning every set's. A set is cut into SET_SHARDS shards by a stable hash
 * of the entity id, so segments of a pull (and DynamoDB's partitions) split the set evenly.
 *
 * Chosen over a table per set by measurement (README, "Storage layout for pulls"): both read only the
 * set's items at the same speed, but the index keeps the item key, the online path and every
 * existing client untouched, and its migration (add the index, backfill one attribute) never
 * stops online reads.
 */
export const SET_INDEX = 'by_set_shard'

/**
 * Shards per feature set. Fixed: changing it means rewriting every item's shard key. 64 is the most
 * segments the gateway fans a pull out over (GRAPHQL_SCAN_SEGMENTS), keeps a large set's writes to
 * the index spread over 64 partition keys, and costs a small set at most 64 short Queries per pull.
 */
export const SET_SHARDS = 64

/**
 * FNV-1a (32-bit) of the entity id's UTF-8 bytes, mod SET_SHARDS: stable across processes, versions
 * and languages, so any writer (a Spark job, a Python loader) can compute the same shard key.
 */
export function shardOf (entityId: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(entityId, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % SET_SHARDS
}

export function shardKey (featureSet: string, shard: number): string {
  return `${featureSet}#${shard}`
}

/** The shards segment `index` of `count` reads, in the order it reads them: every shard in exactly one segment. */
export function shardsOfSegment (index: number, count: number): number[] {
  const shards: number[] = []
  for (let shard = index; shard < SET_SHARDS; shard += count) shards.push(shard)
  return shards
}
