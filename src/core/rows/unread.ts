import { isUnread, type FeatureRow, type RowResult, type UnreadRow } from '../../domain/feature-row.js'
import { isFeaturegateError } from '../../errors.js'

/**
 * A key's read that failed on its own (its batch was throttled or its store call failed) becomes an
 * unread row, so the keys read beside it are still answered. A deadline or a cancellation is the
 * caller's whole request ending, and stays an error.
 */
export function unreadOr (error: unknown): UnreadRow {
  if (isFeaturegateError(error) && error.kind !== 'deadline_exceeded') return { unread: error }
  throw error
}

/** The port's promise: when nothing at all could be read, the read fails with the first error. */
export function failIfNothingRead (rows: readonly RowResult[]): void {
  if (rows.length === 0) return
  for (const row of rows) if (!isUnread(row)) return
  throw (rows[0] as UnreadRow).unread
}

/** For reads that cannot answer in part (a pull page, a filter): a row not read fails the whole read. */
export function requireAllRead (rows: readonly RowResult[]): Array<FeatureRow | undefined> {
  return rows.map((row) => {
    if (isUnread(row)) throw row.unread
    return row
  })
}
