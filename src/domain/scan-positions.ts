import type { ScanPosition, SegmentPosition } from './ports/bulk-reader.js'

/** `position` with one segment standing at `at` instead, the others where they were. */
export function withSegment (position: ScanPosition, segment: number, at: SegmentPosition): ScanPosition {
  return { totalSegments: position.totalSegments, segments: position.segments.map((p, i) => i === segment ? at : p) }
}

/** The shard a segment stands in, or undefined before it starts and once it is done. */
export function shardAt (position: SegmentPosition | undefined): number | undefined {
  return typeof position === 'object' ? position.shard : undefined
}

/** The same place in a segment: the same shard, after the same entity (or at the shard's start both). */
export function samePosition (a: SegmentPosition | undefined, b: SegmentPosition | undefined): boolean {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b
  return a.shard === b.shard && a.after === b.after
}

/** A read that started in a shard and ended inside the same one: the set's shards hold more than a read. */
export function endedInsideItsShard (from: SegmentPosition | undefined, to: SegmentPosition | undefined): boolean {
  return typeof to === 'object' && to.after !== undefined && shardAt(from) === to.shard
}

/** The shard a plan of exactly one segment stands in; any other plan is a fault in its caller. */
export function singleSegmentShard (segments: readonly number[], position: ScanPosition): number {
  const shard = segments.length === 1 ? shardAt(position.segments[segments[0]!]) : undefined
  if (shard === undefined) throw new Error('a read of one shard needs a plan of one segment, standing at a shard')
  return shard
}
