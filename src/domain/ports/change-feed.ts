/**
 * One recorded change: rows of one feature set written (by entity id), or the set's registry entry
 * put or deleted. Writers append one after the store confirmed the write, so a replica that sees the
 * entry and reads the row again reads the new row.
 */
export interface ChangeEntry {
  /** Unique per entry: the same entry read twice (overlapping reads) is applied once. */
  readonly id: string
  /** Milliseconds since the epoch, on the writer's clock. */
  readonly writtenAt: number
  readonly featureSet: string
  /** 'rows': entityIds were written; 'registry': the set's spec changed (a reload is due). */
  readonly kind: 'rows' | 'registry'
  readonly entityIds: readonly string[]
}

/**
 * The log of changes every writer appends to, read by every replica so a write anywhere reaches each
 * one's cache within one poll interval. Nothing names or calls a replica.
 */
export interface ChangeFeed {
  /**
   * Entries written (writer's clock) at or after `since`, oldest first. A strongly consistent read: an
   * entry whose append returned before this call began is in the answer.
   */
  readSince (since: number, signal?: AbortSignal): Promise<ChangeEntry[]>
}
