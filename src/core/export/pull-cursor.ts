import type { ScanPosition, SegmentPosition } from '../../domain/ports/bulk-reader.js'
import { InvalidCursorError } from '../../errors.js'
import { MAX_ENTITY_ID_BYTES } from '../entity-id.js'

/** Which pull a cursor continues, and when that pull started (relative windows are judged as of then). */
export interface PullIdentity {
  readonly fingerprint: string
  readonly startedAt: number
}

/**
 * 3: only the segments that moved from their start, as [segment, position] pairs, so a cursor of
 * segment {index, count: 1000} stays small. 2: every segment's position in order (still read, so a
 * pull resumes across the upgrade). Version-1 cursors (before the by-set layout) are refused.
 */
const CURSOR_VERSION = 3
const DENSE_VERSION = 2
/** Shard numbers are the store's; anything beyond this is not one of ours. */
const MAX_SHARD = 1_000_000

type PositionEntry = 0 | 1 | readonly [number] | readonly [number, string]

interface CursorBody {
  readonly v: number
  readonly f: string
  readonly t0: number
  readonly n: number
  /** Version 3: [segment, position] of each segment not at its start. Version 2: every segment's position. */
  readonly p: ReadonlyArray<readonly [number, PositionEntry]> | readonly PositionEntry[]
}

/** An opaque cursor: base64url JSON of the pull's identity and the position of every segment that has moved. */
export function encodeCursor (plan: PullIdentity, position: ScanPosition): string {
  const moved: Array<readonly [number, PositionEntry]> = []
  position.segments.forEach((s, segment) => {
    if (s !== 'start') moved.push([segment, s === 'done' ? 1 : s.after === undefined ? [s.shard] : [s.shard, s.after]])
  })
  const body: CursorBody = { v: CURSOR_VERSION, f: plan.fingerprint, t0: plan.startedAt, n: position.totalSegments, p: moved }
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

/** Cursors are opaque to callers but checked strictly here: a tampered one is refused, never scanned with. */
export function decodeCursor (text: string, fingerprint: string, totalSegments: number): { position: ScanPosition, startedAt: number } {
  if (text.length > 100_000 || !/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError('not a cursor from this API')
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidCursorError('not a cursor from this API')
  }
  const b = body as Partial<CursorBody>
  if (typeof body !== 'object' || body === null || (b.v !== CURSOR_VERSION && b.v !== DENSE_VERSION) || typeof b.f !== 'string' || typeof b.t0 !== 'number' ||
    !Number.isSafeInteger(b.t0) || b.n !== totalSegments || !Array.isArray(b.p)) {
    throw new InvalidCursorError('not a cursor from this API')
  }
  if (b.f !== fingerprint) throw new InvalidCursorError('it belongs to a pull with another feature set, filters, time window or segmentation')
  const segments: SegmentPosition[] = b.v === DENSE_VERSION
    ? denseSegments(b.p, totalSegments)
    : movedSegments(b.p, totalSegments)
  return { position: { totalSegments, segments }, startedAt: b.t0 }
}

function denseSegments (entries: readonly unknown[], totalSegments: number): SegmentPosition[] {
  if (entries.length !== totalSegments) throw new InvalidCursorError('not a cursor from this API')
  return entries.map(segmentPosition)
}

function movedSegments (entries: readonly unknown[], totalSegments: number): SegmentPosition[] {
  if (entries.length > totalSegments) throw new InvalidCursorError('not a cursor from this API')
  const segments: SegmentPosition[] = Array.from({ length: totalSegments }, () => 'start')
  let previous = -1
  for (const entry of entries) {
    // Segments in increasing order, each once: one spelling per position, nothing to smuggle.
    if (!Array.isArray(entry) || entry.length !== 2 || !Number.isSafeInteger(entry[0]) || entry[0] <= previous || entry[0] >= totalSegments) {
      throw new InvalidCursorError('not a cursor from this API')
    }
    previous = entry[0] as number
    const position = segmentPosition(entry[1])
    if (position === 'start') throw new InvalidCursorError('not a cursor from this API')
    segments[previous] = position
  }
  return segments
}

function segmentPosition (entry: unknown): SegmentPosition {
  if (entry === 0) return 'start'
  if (entry === 1) return 'done'
  if (Array.isArray(entry) && (entry.length === 1 || entry.length === 2) && Number.isSafeInteger(entry[0]) && entry[0] >= 0 && entry[0] <= MAX_SHARD) {
    const shard = entry[0] as number
    if (entry.length === 1) return { shard }
    const after: unknown = entry[1]
    if (typeof after === 'string' && after.length > 0 && Buffer.byteLength(after) <= MAX_ENTITY_ID_BYTES) return { shard, after }
  }
  throw new InvalidCursorError('not a cursor from this API')
}
