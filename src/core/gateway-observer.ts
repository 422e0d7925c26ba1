import type { StoreObserver } from '../domain/ports/store-observer.js'

/**
 * Everything the gateway reports for operators, as one typed interface: protocols and the
 * repository record through it and never import a metrics library. The metrics plugin provides
 * the Prometheus implementation; NO_OP_GATEWAY_OBSERVER stands in when metrics are off.
 */
/** Where feature values went out: online lookups by protocol, or streamed training pulls. */
export type StatusProtocol = 'grpc' | 'graphql' | 'pull'

export interface GatewayObserver extends StoreObserver {
  /** One finished gRPC call: full method name (e.g. /feature_store.v1.FeatureStoreService/GetOnlineFeatures) and status code name. */
  grpcCall (method: string, code: string, seconds: number): void
  /** One finished GraphQL operation; `operation` is already a bounded label, `outcome` 'ok' | 'error' | 'rejected'. */
  graphqlOperation (operation: string, outcome: string, seconds: number): void
  /** Static cost of an accepted GraphQL query. */
  graphqlCost (cost: number): void
  /** A GraphQL query refused before execution, by reason (depth, cost, aliases, tokens, batch, ...). */
  graphqlRejected (reason: string): void
  /** Per-feature lookup outcomes, counted by status (PRESENT, NOT_FOUND, ...). */
  featureStatuses (protocol: StatusProtocol, counts: Readonly<Record<string, number>>): void
  /** One page of featureRows or of a streamed pull: its rows, and the store items examined for them. */
  exportPage (protocol: StatusProtocol, rows: number, itemsExamined: number): void
  /** After a registry reload: stored entries that no longer parse, and how many of those still serve their last good spec. */
  registryReloaded (invalidEntries: number, servedFromLastGood: number): void
  /** An exploration operation's wait for a turn ended: admitted, gave up (deadline, aborted), or refused (its caller's queue full). */
  exploreQueueWait (outcome: 'admitted' | 'deadline' | 'aborted' | 'refused', seconds: number): void
  /** Exploration operations running and waiting, and how many may run at once right now. */
  exploreQueueDepth (running: number, waiting: number, limit: number): void
  /** One streamed pull ended: `format` 'arrow' | 'ndjson'; `outcome` 'complete', 'error' (ended with the error marker) or 'aborted' (the reader left). */
  pullFinished (format: string, outcome: string): void
  /** Rows of a pull written to its reader, as each batch goes out. */
  pullRows (format: string, rows: number): void
  /** A pull that failed after its first byte, by FG_ERR_* code: the reader got the error marker, not an answer. */
  pullError (format: string, code: string): void
  /** One write call's rows, by what became of them (written, left alone because the stored row is newer, rejected); `protocol` 'grpc' | 'http'. */
  rowsWritten (protocol: 'grpc' | 'http', counts: WriteCounts): void
  /** One read of the change log (other replicas' writes): 'ok' or 'error', and how long it took. */
  changeFeedPolled (outcome: 'ok' | 'error', seconds: number): void
  /** One change-log entry applied: its kind, the rows it named (forgotten here), seconds from its write to now. */
  changeApplied (kind: 'rows' | 'registry', rows: number, lagSeconds: number): void
  /** The change log was unreadable for too long to catch up, so the whole row cache was cleared. */
  changeFeedCacheCleared (): void
  /** A caller budget's scope now: shared by the fleet (leases work) or this replica's share (the store cannot be asked). */
  budgetScope (budget: string, scope: 'fleet' | 'replica'): void
  /** One lease of a fleet budget asked of the store: granted in full, short (the budget is spent), or failed. */
  budgetLease (budget: string, outcome: 'full' | 'short' | 'failed'): void
}

export interface WriteCounts {
  readonly written: number
  readonly leftAlone: number
  readonly rejected: number
}

export const NO_OP_GATEWAY_OBSERVER: GatewayObserver = {
  storeCall () {},
  batchGet () {},
  unprocessedRetry () {},
  throttled () {},
  grpcCall () {},
  graphqlOperation () {},
  graphqlCost () {},
  graphqlRejected () {},
  featureStatuses () {},
  exportPage () {},
  registryReloaded () {},
  exploreQueueWait () {},
  exploreQueueDepth () {},
  pullFinished () {},
  pullRows () {},
  pullError () {},
  rowsWritten () {},
  changeFeedPolled () {},
  changeApplied () {},
  changeFeedCacheCleared () {},
  budgetScope () {},
  budgetLease () {}
}
