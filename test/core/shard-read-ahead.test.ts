import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FeatureRow } from '../../src/domain/feature-row.js'
import type { ScanPosition, SegmentPosition } from '../../src/domain/ports/bulk-reader.js'
import type { ReadPage } from '../../src/core/export/feature-export.js'
import { KnownRows } from '../../src/core/export/page-rows.js'
import { ShardReadAhead, type ReadAheadLimits, type SegmentReads } from '../../src/core/export/shard-read-ahead.js'

/**
 * ShardReadAhead against a segment made up here: its shards, pages and timing are chosen by each
 * test, so the order, the bounds and the failures can be checked exactly (the real store's reads go
 * through it in test/pull/read-ahead.test.ts).
 */

const SEGMENT = 1
const TOTAL = 4
/** Segment 1 of 4's shards, as the store cuts them (every 4th from 1). */
const SHARDS = [1, 5, 9, 13, 17]
const PAGES_PER_SHARD = 3
const ROWS_PER_PAGE = 2
const PAGE_BYTES = 1_000
/** Every made-up row's values: the read-ahead hands pages out, it never looks inside them. */
const ROW: FeatureRow = { eventTime: 0, values: new Map(), invalid: new Set() }
const OTHER: SegmentPosition = { shard: 2, after: 'elsewhere' }

const at = (position: SegmentPosition): ScanPosition => ({ totalSegments: TOTAL, segments: ['done', position, OTHER, 'start'] })

/** The rows of the whole segment in its order: shard after shard, page after page. */
const ALL = SHARDS.flatMap((shard) => Array.from({ length: PAGES_PER_SHARD * ROWS_PER_PAGE }, (_, i) => `s${shard}-${i}`))

interface FakeSegment {
  reads: SegmentReads
  /** Reads made: where each started and how (`turn` or `spare`), in the order they started. */
  readonly started: Array<{ from: string, kind: 'turn' | 'spare' }>
  inFlight: number
  maxInFlight: number
}

/**
 * One shard-only page from `position`: the rows after it in its shard, at most a page; the position
 * after them is the next shard's start once the shard is read. `fail` names reads (by start) that throw.
 */
function fakeSegment (options: { delayMs?: (from: string) => number, spare?: 'grant' | 'decline' | 'none', fail?: string } = {}): FakeSegment {
  const segment: FakeSegment = { started: [], inFlight: 0, maxInFlight: 0, reads: { read: async () => { throw new Error('set below') } } }
  const readPage = async (position: ScanPosition, kind: 'turn' | 'spare'): Promise<ReadPage> => {
    const from = position.segments[SEGMENT]
    if (typeof from !== 'object') throw new Error(`a read from ${JSON.stringify(from)}`)
    t.same(position.segments.filter((_, i) => i !== SEGMENT), ['done', OTHER, 'start'], 'other segments stay where the pull found them')
    const label = `${from.shard}:${from.after ?? ''}`
    segment.started.push({ from: label, kind })
    segment.inFlight++
    segment.maxInFlight = Math.max(segment.maxInFlight, segment.inFlight)
    try {
      await sleep(options.delayMs?.(label) ?? 1)
      if (options.fail === label) throw new Error(`read ${label} failed`)
      const rows = ALL.filter((id) => id.startsWith(`s${from.shard}-`))
      const start = from.after === undefined ? 0 : rows.indexOf(from.after) + 1
      const taken = rows.slice(start, start + ROWS_PER_PAGE)
      const shardEnds = start + ROWS_PER_PAGE >= rows.length
      const nextShard = SHARDS[SHARDS.indexOf(from.shard) + 1]
      const end: SegmentPosition = !shardEnds ? { shard: from.shard, after: taken.at(-1)! } : nextShard === undefined ? 'done' : { shard: nextShard }
      return {
        kept: taken.map((entityId) => ({ entityId, row: ROW, after: at({ shard: from.shard, after: entityId }) })),
        known: new KnownRows(),
        readOptions: {},
        hasNextPage: end !== 'done',
        endCursor: undefined,
        endPosition: at(end),
        itemsScanned: taken.length,
        storeCalls: 1,
        bytesRead: PAGE_BYTES
      }
    } finally {
      segment.inFlight--
    }
  }
  const spare = options.spare ?? 'grant'
  segment.reads = {
    read: async (position: ScanPosition) => await readPage(position, 'turn'),
    ...(spare !== 'none' && { readSpare: async (position: ScanPosition) => spare === 'grant' ? await readPage(position, 'spare') : undefined })
  }
  return segment
}

const LIMITS: ReadAheadLimits = { shards: 3, pages: 4, bytes: 100 * PAGE_BYTES }

/** Every page from `reader` in order, with the reader taking `holdMs` over each. */
async function drain (reader: ShardReadAhead, holdMs = 0): Promise<ReadPage[]> {
  const pages: ReadPage[] = []
  for (;;) {
    const page = await reader.next()
    pages.push(page)
    if (!page.hasNextPage) return pages
    if (holdMs > 0) await sleep(holdMs)
  }
}

const idsOf = (pages: readonly ReadPage[]): string[] => pages.flatMap((p) => p.kept.map((k) => k.entityId))

t.test('pages come in the segment\'s own order, each once, while later shards are read at the same time', async (t) => {
  const segment = fakeSegment({ delayMs: () => 5 })
  const reader = new ShardReadAhead(SEGMENT, SHARDS, at('start'), segment.reads, LIMITS, PAGE_BYTES)
  const pages = await drain(reader)
  t.same(idsOf(pages), ALL, 'every row once, shard after shard')
  t.equal(pages.length, SHARDS.length * PAGES_PER_SHARD)
  t.equal(segment.started.length, pages.length, 'each page read once')
  t.same(new Set(segment.started.map((s) => s.from)).size, pages.length, 'from where the last one of its shard ended')
  t.equal(segment.maxInFlight, LIMITS.shards, `${LIMITS.shards} shards read at once`)
  t.ok(segment.started.some((s) => s.kind === 'spare'), 'the later shards in spare turns')
  // A page ends after its last row inside its shard, or where the next shard starts when it read the shard's last rows.
  pages.forEach((page, i) => {
    const shard = SHARDS[Math.floor(i / PAGES_PER_SHARD)]!
    const next = SHARDS[Math.floor(i / PAGES_PER_SHARD) + 1]
    const expected: SegmentPosition = i % PAGES_PER_SHARD < PAGES_PER_SHARD - 1 ? { shard, after: page.kept.at(-1)!.entityId } : next === undefined ? 'done' : { shard: next }
    t.same(page.endPosition, at(expected), `page ${i} ends at ${JSON.stringify(expected)}`)
  })
})

t.test('a reader that stops taking pages stops the reading ahead: pages ahead stay within their bound', async (t) => {
  const segment = fakeSegment()
  const reader = new ShardReadAhead(SEGMENT, SHARDS, at('start'), segment.reads, LIMITS, PAGE_BYTES)
  const first = await reader.next()
  await sleep(100)
  // Taken: 1; read since or being read: at most the bound.
  t.ok(segment.started.length - 1 <= LIMITS.pages, `${segment.started.length - 1} pages ahead of the reader, bound ${LIMITS.pages}`)
  t.ok(segment.started.length - 1 >= LIMITS.pages - 1, 'and it did read ahead')
  const held = segment.started.length
  await sleep(100)
  t.equal(segment.started.length, held, 'no more while the reader holds its page')
  const rest = await drain(reader)
  t.same(idsOf([first, ...rest]), ALL)

  // Bytes bound them too: pages of 1,000 bytes with 2,500 allowed.
  const small = fakeSegment()
  const byBytes = new ShardReadAhead(SEGMENT, SHARDS, at('start'), small.reads, { ...LIMITS, bytes: 2.5 * PAGE_BYTES }, PAGE_BYTES)
  await byBytes.next()
  await sleep(100)
  t.ok(small.started.length - 1 <= 3, `${small.started.length - 1} pages ahead with room for 2.5 pages' bytes`)
  t.same(idsOf([await byBytes.next(), ...(await drain(byBytes))]).length, ALL.length - ROWS_PER_PAGE)
})

t.test('with no spare turn, only the reader\'s own next page is read; declined shards are asked again only as pages are taken', async (t) => {
  for (const spare of ['decline', 'none'] as const) {
    const segment = fakeSegment({ spare })
    const reader = new ShardReadAhead(SEGMENT, SHARDS, at('start'), segment.reads, LIMITS, PAGE_BYTES)
    const pages = await drain(reader, 2)
    t.same(idsOf(pages), ALL, `${spare}: every row once, in order`)
    t.equal(segment.maxInFlight, 1, `${spare}: one read at a time`)
    t.ok(segment.started.every((s) => s.kind === 'turn'), `${spare}: every read in a turn of its own`)
    t.equal(segment.started.length, pages.length, `${spare}: each page read once`)
  }
  // Asked again only as pages are taken or read, not in a loop: count the declined asks.
  let asks = 0
  const segment = fakeSegment()
  const reader = new ShardReadAhead(SEGMENT, SHARDS, at('start'), { read: segment.reads.read, readSpare: async () => { asks++; return undefined } }, LIMITS, PAGE_BYTES)
  await reader.next()
  await sleep(100)
  const idle = asks
  await sleep(100)
  t.equal(asks, idle, 'no asks while nothing happens')
  // One ask per shard ahead at each event: the start, the first page read, taken, and the next one read.
  t.ok(idle <= 4 * (LIMITS.shards - 1), `${idle} asks, at most ${4 * (LIMITS.shards - 1)}`)
  await drain(reader)
})

t.test('a read that fails ahead fails the reader only when its page\'s turn comes, after every page before it', async (t) => {
  const segment = fakeSegment({ fail: '9:' })
  const reader = new ShardReadAhead(SEGMENT, SHARDS, at('start'), segment.reads, LIMITS, PAGE_BYTES)
  const pages: ReadPage[] = []
  await t.rejects(async () => { for (;;) pages.push(await reader.next()) }, { message: 'read 9: failed' })
  t.same(idsOf(pages), ALL.filter((id) => id.startsWith('s1-') || id.startsWith('s5-')), 'shards 1 and 5 whole, then the failure')
})

t.test('from the middle of a shard (a resumed pull): the rest of it, then the later shards', async (t) => {
  const segment = fakeSegment({ delayMs: (from) => from.startsWith('5:') ? 20 : 1 })
  const reader = new ShardReadAhead(SEGMENT, SHARDS, at({ shard: 5, after: 's5-2' }), segment.reads, LIMITS, PAGE_BYTES)
  const pages = await drain(reader)
  t.same(idsOf(pages), ALL.slice(ALL.indexOf('s5-3')), 'every row after s5-2 once, in order')
  t.equal(segment.started[0]!.from, '5:s5-2')
  t.throws(() => new ShardReadAhead(SEGMENT, SHARDS, at({ shard: 2 }), segment.reads, LIMITS, PAGE_BYTES), /not one of segment 1's/)
  t.throws(() => new ShardReadAhead(SEGMENT, SHARDS, at('done'), segment.reads, LIMITS, PAGE_BYTES), /not yet done/)
})

t.test('stopped (the pull ended): nothing more is read', async (t) => {
  const segment = fakeSegment({ delayMs: () => 10 })
  const reader = new ShardReadAhead(SEGMENT, SHARDS, at('start'), segment.reads, LIMITS, PAGE_BYTES)
  await reader.next()
  reader.stop()
  await sleep(50)
  const started = segment.started.length
  await sleep(100)
  t.equal(segment.started.length, started, 'no read started after the stop')
  await t.rejects(reader.next(), /stopped/)
})
