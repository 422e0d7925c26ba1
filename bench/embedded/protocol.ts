/** Messages between bench:embedded and its gateway processes (over Node's IPC channel). */
export interface GatewayReady {
  readonly type: 'ready'
  readonly grpcPort: number
  readonly httpPort: number
  /** The demo data load (registry and every user's rows through the store's writer), as timed in the gateway. */
  readonly demoLoadMs: number
}

/** The gateway's event-loop delay since the last reset, in milliseconds. */
export interface GatewayLag {
  readonly type: 'lag'
  readonly p50: number
  readonly p99: number
  readonly max: number
}
