import { Counter, type Registry } from 'prom-client'
import type { GatewayObserver, StatusProtocol } from '../../core/gateway-observer.js'

const PROTOCOLS = new Set<StatusProtocol>(['graphql', 'pull'])

/** What bulk reads cost the store (README "Storage layout for pulls"): items examined against rows returned. */
export class ExportMetrics implements Pick<GatewayObserver, 'exportPage'> {
  readonly #rows: Counter<'protocol'>
  readonly #items: Counter<'protocol'>

  constructor (registry: Registry) {
    const registers = [registry]
    this.#rows = new Counter({
      name: 'featuregate_export_rows_total',
      help: 'Rows of featureRows pages and streamed pulls, by protocol (graphql, pull).',
      labelNames: ['protocol'],
      registers
    })
    this.#items = new Counter({
      name: 'featuregate_export_items_examined_total',
      help: 'Store items examined to find those rows (DynamoDB ScannedCount), by protocol: over the rows, the scan\'s cost per row.',
      labelNames: ['protocol'],
      registers
    })
  }

  exportPage (protocol: StatusProtocol, rows: number, itemsExamined: number): void {
    const label = PROTOCOLS.has(protocol) ? protocol : 'other'
    if (rows > 0 && Number.isFinite(rows)) this.#rows.inc({ protocol: label }, rows)
    if (itemsExamined > 0 && Number.isFinite(itemsExamined)) this.#items.inc({ protocol: label }, itemsExamined)
  }
}
