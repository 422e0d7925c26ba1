import type { GrpcLoadOptions, LatencyFigures } from '../shared/online-load.js'

/** Messages between bench:pull's processes (over Node's IPC channel). */

export interface GatewayReady {
  readonly type: 'ready'
  readonly grpcPort: number
  readonly httpPort: number
}

/** What the gateway's own export saw, summed over every page it read (pulls and featureRows alike). */
export interface ExportCounts {
  readonly type: 'counts'
  readonly pages: number
  readonly rows: number
  /** Items the store examined for those pages (DynamoDB's ScannedCount, summed). */
  readonly itemsScanned: number
}

/** One floor read: the store's own shard-by-shard Query plan for `segments` parallel readers. */
export interface FloorJob {
  readonly type: 'floor'
  readonly featureSet: string
  readonly features: readonly string[]
  readonly segments: number
  /** Each reader stops after its first page at or past this many rows (undefined: the whole segment). */
  readonly rowsPerSegment: number | undefined
  readonly limit: number
}

export interface FloorResult {
  readonly type: 'floor'
  readonly rows: number
  readonly examined: number
  readonly calls: number
  readonly seconds: number
}

/** The gateway's event-loop delay since the last such request (monitorEventLoopDelay, 10 ms sampling), then reset. */
export interface LoopDelay {
  readonly type: 'loop-delay'
  readonly p99Ms: number
  readonly maxMs: number
}

export type GatewayRequest = { readonly type: 'counts' } | { readonly type: 'loop-delay' } | { readonly type: 'close' }

/** Online lookups measured from a process of their own, so the pulls' readers in the bench's process do not delay them. */
export interface OnlineLoadJob {
  readonly type: 'online'
  readonly grpcPort: number
  readonly load: GrpcLoadOptions
}

export interface OnlineLoadResult extends LatencyFigures {
  readonly type: 'online'
}
