/** Messages between the benchmark's processes (over Node's IPC channel). */

/** Any credentials do for a local store; the AWS chain reads them from the environment. */
export const BENCH_CREDENTIALS = { accessKeyId: 'featuregatebench', secretAccessKey: 'featuregatebench' } as const

export interface StoreReady {
  readonly type: 'ready'
  readonly endpoint: string
  readonly featureTable: string
  readonly registryTable: string
  readonly users: number
  readonly loadMs: number
}

export interface ServerReady {
  readonly type: 'ready'
  readonly port: number
}

/** What the gateway's observer saw: the counts the benchmark turns into store calls per request. */
export interface GatewayCounts {
  readonly type: 'counts'
  readonly storeCalls: number
  /** Summed durations of those calls as the gateway timed them. */
  readonly storeSeconds: number
  readonly keysRead: number
  readonly grpcCalls: number
  /** Summed handler times (from the call's arrival to its answer) as the gateway timed them. */
  readonly grpcSeconds: number
}

export type ParentMessage = { readonly type: 'counts' } | { readonly type: 'close' }
