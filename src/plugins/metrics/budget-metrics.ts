import { Counter, Gauge, type Registry } from 'prom-client'
import type { GatewayObserver } from '../../core/gateway-observer.js'

const BUDGETS = new Set(['online', 'explore'])

/** The fleet budgets' series (README "Budgets across the fleet"), kept apart from GatewayMetrics' own. */
export class BudgetMetrics implements Pick<GatewayObserver, 'budgetScope' | 'budgetLease'> {
  readonly #shared: Gauge<'budget'>
  readonly #leases: Counter<'budget' | 'outcome'>

  constructor (registry: Registry) {
    const registers = [registry]
    this.#shared = new Gauge({
      name: 'featuregate_budget_fleet_scope',
      help: 'Per budget (online, explore): 1 while callers\' budgets are shared by the fleet through the store, 0 while this replica enforces its own share (store unreachable).',
      labelNames: ['budget'],
      registers
    })
    this.#leases = new Counter({
      name: 'featuregate_budget_leases_total',
      help: 'Leases of callers\' fleet budgets asked of the store (one conditional write each), by budget and outcome (full, short: the budget is spent, failed).',
      labelNames: ['budget', 'outcome'],
      registers
    })
  }

  budgetScope (budget: string, scope: 'fleet' | 'replica'): void {
    this.#shared.set({ budget: BUDGETS.has(budget) ? budget : 'other' }, scope === 'fleet' ? 1 : 0)
  }

  budgetLease (budget: string, outcome: 'full' | 'short' | 'failed'): void {
    this.#leases.inc({ budget: BUDGETS.has(budget) ? budget : 'other', outcome })
  }
}
