import type { ScanPosition, SegmentPosition } from '../../domain/ports/bulk-reader.js'
import type { ReadPage } from './feature-export.js'
import { samePosition, shardAt, withSegment } from '../../domain/scan-positions.js'

/** How one segment's pages are read: in a turn of the queue, or ahead of the reader in a spare one. */
export interface SegmentReads {
  /** A page from `position`, to the end of its shard at most, in a turn (waiting for one): the pull must go on. */
  read (position: ScanPosition): Promise<ReadPage>
  /** The same, read ahead of the reader in a turn nobody else wants right now; undefined, unread, when there is none. */
  readSpare?: (position: ScanPosition) => Promise<ReadPage | undefined>
}

/** How far a segment is read ahead of its reader. */
export interface ReadAheadLimits {
  /** Shards read at the same time, the reader's own included. */
  readonly shards: number
  /** Pages read or being read and not yet handed out, at most (the reader's own next page aside: it is always read). */
  readonly pages: number
  /** ...and their bytes as the store sent them, so a pull of large rows holds about as much as one of small ones. */
  readonly bytes: number
}

interface Lane {
  readonly shard: number
  /** Where its next read starts. */
  from: ScanPosition
  /** Read, in order, not yet handed out. */
  readonly pages: ReadPage[]
  reading: Promise<void> | undefined
  /** Its shard's last page is read. */
  ended: boolean
  failure: { readonly error: unknown } | undefined
}

/**
 * One segment's pages in its own order (shard after shard, each by entity id), read several shards
 * at once. Pages of one shard follow one another (each starts where the last ended), so one reader
 * goes no faster than one store call after another; but a later shard's start is known before the
 * earlier ones end, so while the reader's shard is read, the next few are read ahead in turns the
 * exploration queue has spare (none when other work waits or online lookups are being served), and
 * handed out in order once their turn comes. Rows, order and resume positions are exactly those of
 * reading the shards one by one; only the time differs.
 *
 * Memory stays bounded: the pages read ahead are bounded in count and in bytes, and a slow reader
 * stops the reading ahead as it stops the reader's own reads.
 */
export class ShardReadAhead {
  readonly #segment: number
  readonly #shards: readonly number[]
  readonly #reads: SegmentReads
  readonly #limits: ReadAheadLimits
  readonly #lanes: Lane[] = []
  /** Where the other segments stand: as the pull began, since it reads only this one. */
  readonly #base: ScanPosition
  /** Index in #shards of the next shard to open a lane for. */
  #nextShard: number
  /** Bytes per page seen so far, to judge a read ahead before it is made. */
  #pagesSeen = 0
  #bytesSeen = 0
  #stopped = false

  /**
   * `from`: where the segment stands, at one of `shards` (the segment's, in order); `pageBytes`: the
   * bytes of the page read before, to judge the first reads ahead by. Reading starts at once.
   */
  constructor (segment: number, shards: readonly number[], from: ScanPosition, reads: SegmentReads, limits: ReadAheadLimits, pageBytes: number) {
    const at = from.segments[segment]
    if (at === undefined || at === 'done') throw new Error('reading ahead needs a segment not yet done')
    const shard = at === 'start' ? shards[0] : at.shard
    const index = shard === undefined ? -1 : shards.indexOf(shard)
    if (index < 0) throw new Error(`shard ${String(shard)} is not one of segment ${segment}'s`)
    this.#segment = segment
    this.#shards = shards
    this.#reads = reads
    this.#limits = limits
    this.#base = from
    this.#lanes.push(this.#lane(shard!, at === 'start' ? withSegment(from, segment, { shard: shard! }) : from))
    this.#nextShard = index + 1
    this.#pagesSeen = 1
    this.#bytesSeen = pageBytes
    this.#fill()
  }

  /** The segment's next page; a failed read is thrown when its page's turn comes, not before. */
  async next (): Promise<ReadPage> {
    for (;;) {
      if (this.#stopped) throw new Error('the read-ahead was stopped')
      const head = this.#lanes[0]
      if (head === undefined) throw new Error('the segment has no page left')
      const page = head.pages.shift()
      if (page !== undefined) {
        if (head.ended && head.pages.length === 0) this.#advance(head, page)
        this.#fill()
        return page
      }
      if (head.failure !== undefined) throw head.failure.error
      if (head.reading === undefined) this.#start(head, 'turn')
      await head.reading
    }
  }

  /** Reads nothing more (the pull ended); reads in flight finish unobserved. */
  stop (): void {
    this.#stopped = true
  }

  /** The reader's shard is handed out whole: the next lane is the reader's, and must start where that one ended. */
  #advance (head: Lane, last: ReadPage): void {
    this.#lanes.shift()
    const ended = last.endPosition.segments[this.#segment]
    const following = this.#lanes[0] ?? (this.#nextShard < this.#shards.length ? this.#openNext() : undefined)
    const expected: SegmentPosition = following === undefined ? 'done' : { shard: following.shard }
    if (!samePosition(ended, expected)) {
      throw new Error(`shard ${head.shard} ended at ${JSON.stringify(ended)}, not at ${JSON.stringify(expected)}`)
    }
  }

  /** The reader's next page is always on its way; later shards are read while turns, pages and bytes allow. */
  #fill (): void {
    if (this.#stopped) return
    const head = this.#lanes[0]
    if (head !== undefined && !head.ended && head.reading === undefined && head.pages.length === 0 && head.failure === undefined) this.#start(head, 'turn')
    if (this.#reads.readSpare === undefined) return
    const pageBytes = this.#bytesSeen / this.#pagesSeen
    while (this.#lanes.length < this.#limits.shards && this.#nextShard < this.#shards.length) this.#openNext()
    for (const lane of this.#lanes.slice(1)) {
      if (lane.ended || lane.reading !== undefined || lane.failure !== undefined) continue
      // Pages read or being read and not yet handed out, and the bytes of those read (those being read judged by the pages seen).
      let reading = 0
      let pages = 0
      let bytes = 0
      for (const { pages: held, reading: pending } of this.#lanes) {
        if (pending !== undefined) reading++
        pages += held.length
        for (const page of held) bytes += page.bytesRead
      }
      if (pages + reading >= this.#limits.pages || bytes + (reading + 1) * pageBytes > this.#limits.bytes) return
      this.#start(lane, 'spare')
    }
  }

  #openNext (): Lane {
    const shard = this.#shards[this.#nextShard++]!
    const lane = this.#lane(shard, withSegment(this.#base, this.#segment, { shard }))
    this.#lanes.push(lane)
    return lane
  }

  #lane (shard: number, from: ScanPosition): Lane {
    return { shard, from, pages: [], reading: undefined, ended: false, failure: undefined }
  }

  #start (lane: Lane, kind: 'turn' | 'spare'): void {
    lane.reading = (async () => {
      let read: ReadPage | undefined
      try {
        read = kind === 'turn' ? await this.#reads.read(lane.from) : await this.#reads.readSpare!(lane.from)
      } catch (error) {
        lane.failure = { error }
      } finally {
        lane.reading = undefined
      }
      // Declined (no spare turn) or failed: nothing is held. A declined lane is asked again only
      // once the reader takes a page, so a busy queue is not asked over and over.
      if (read === undefined) return
      lane.pages.push(read)
      lane.from = read.endPosition
      lane.ended = shardAt(read.endPosition.segments[this.#segment]) !== lane.shard
      this.#pagesSeen++
      this.#bytesSeen += read.bytesRead
      this.#fill()
    })()
  }
}
