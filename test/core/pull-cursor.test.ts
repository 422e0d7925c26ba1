import t from 'tap'
import { decodeCursor, encodeCursor } from '../../src/core/export/pull-cursor.js'
import type { ScanPosition, SegmentPosition } from '../../src/domain/ports/bulk-reader.js'

const PULL = { fingerprint: 'fp-of-this-pull', startedAt: 1_700_000_000_000 }

function positionOf (totalSegments: number, moved: Record<number, SegmentPosition>): ScanPosition {
  return { totalSegments, segments: Array.from({ length: totalSegments }, (_, i) => moved[i] ?? 'start') }
}

/** A cursor body as a client could forge it. */
function forged (body: object): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

t.test('a cursor gives back the position and start time it was made from', async (t) => {
  const position = positionOf(4, { 0: 'done', 1: { shard: 5, after: 'user_9' }, 3: { shard: 7 } })
  const decoded = decodeCursor(encodeCursor(PULL, position), PULL.fingerprint, 4)
  t.same(decoded, { position, startedAt: PULL.startedAt })
})

t.test('a cursor of one segment of many holds that segment only', async (t) => {
  const position = positionOf(1_000, { 917: { shard: 53, after: 'user_123456' } })
  const cursor = encodeCursor(PULL, position)
  t.ok(cursor.length < 200, `${cursor.length} characters for segment 917 of 1000`)
  t.same(decodeCursor(cursor, PULL.fingerprint, 1_000).position, position)
})

t.test('cursors from before (version 2, every segment listed) still resume', async (t) => {
  const dense = forged({ v: 2, f: PULL.fingerprint, t0: PULL.startedAt, n: 3, p: [1, 0, [9, 'user_4']] })
  t.same(decodeCursor(dense, PULL.fingerprint, 3).position, positionOf(3, { 0: 'done', 2: { shard: 9, after: 'user_4' } }))
})

t.test('a cursor that was tampered with or belongs elsewhere is refused', async (t) => {
  const body = { v: 3, f: PULL.fingerprint, t0: PULL.startedAt, n: 4 }
  const refused = (cursor: string, why: string, totalSegments = 4): void => {
    t.throws(() => decodeCursor(cursor, PULL.fingerprint, totalSegments), { code: 'FG_ERR_INVALID_CURSOR' }, why)
  }
  refused(forged({ ...body, p: [[2, 1], [1, 1]] }), 'segments out of order')
  refused(forged({ ...body, p: [[1, 1], [1, [3]]] }), 'a segment twice')
  refused(forged({ ...body, p: [[4, 1]] }), 'a segment past the count')
  refused(forged({ ...body, p: [[0, 0]] }), 'a start written out')
  refused(forged({ ...body, p: [[0, [-1]]] }), 'a negative shard')
  refused(forged({ ...body, v: 1, p: [] }), 'version 1')
  refused(forged({ ...body, p: [] }), 'another segment count', 8)
  refused(forged({ ...body, f: 'another pull', p: [] }), 'another pull')
  refused('not*base64', 'not base64url')
})
