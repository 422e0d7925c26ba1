import type { ScanPosition, SegmentPosition } from '../../domain/ports/bulk-reader.js'
import { InvalidCursorError } from '../../errors.js'
import { MAX_ENTITY_ID_BYTES } from '../entity-id.js'

/** Which pull a cursor continues, and when that pull started (relative windows are judged as of then). */
export interface PullIdentity {
  readonly fingerprint: string
  readonly startedAt: number
}

/** 2: positions are (shard, entity) per segment, for the by-set layout; version-1 cursors are refused. */
const CURSOR_VERSION = 2
/** Shard numbers are the store's; anything beyond this is not one of ours. */
const MAX_SHARD = 1_000_000

interface CursorBody {
  readonly v: number
  readonly f: string
  readonly t0: number
  readonly n: number
  readonly p: ReadonlyArray<0 | 1 | readonly [number] | readonly [number, string]>
}

/** An opaque cursor: base64url JSON of the pull's identity and every segment's position. */
export function encodeCursor (plan: PullIdentity, position: ScanPosition): string {
  const body: CursorBody = {
    v: CURSOR_VERSION,
    f: plan.fingerprint,
    t0: plan.startedAt,
    n: position.totalSegments,
    p: position.segments.map((s) => s === 'start' ? 0 : s === 'done' ? 1 : s.after === undefined ? [s.shard] as const : [s.shard, s.after] as const)
  }
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
  if (typeof body !== 'object' || body === null || b.v !== CURSOR_VERSION || typeof b.f !== 'string' || typeof b.t0 !== 'number' ||
    !Number.isSafeInteger(b.t0) || b.n !== totalSegments || !Array.isArray(b.p) || b.p.length !== totalSegments) {
    throw new InvalidCursorError('not a cursor from this API')
  }
  if (b.f !== fingerprint) throw new InvalidCursorError('it belongs to a pull with another feature set, filters, time window or segmentation')
  const segments: SegmentPosition[] = b.p.map((entry: unknown) => {
    if (entry === 0) return 'start'
    if (entry === 1) return 'done'
    if (Array.isArray(entry) && (entry.length === 1 || entry.length === 2) && Number.isSafeInteger(entry[0]) && entry[0] >= 0 && entry[0] <= MAX_SHARD) {
      const shard = entry[0] as number
      if (entry.length === 1) return { shard }
      const after: unknown = entry[1]
      if (typeof after === 'string' && after.length > 0 && Buffer.byteLength(after) <= MAX_ENTITY_ID_BYTES) return { shard, after }
    }
    throw new InvalidCursorError('not a cursor from this API')
  })
  return { position: { totalSegments, segments }, startedAt: b.t0 }
}
