import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { GatewayObserver } from '../../src/core/gateway-observer.js'

export interface GraphqlResponse {
  readonly status: number
  readonly headers: Record<string, unknown>
  readonly body: {
    data?: any
    errors?: Array<{ message: string, path?: Array<string | number>, extensions?: Record<string, any> }>
    extensions?: Record<string, any>
  }
}

/** POST /graphql through inject. */
export async function gql (app: FastifyInstance, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphqlResponse> {
  const response = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, ...(variables !== undefined && { variables }) } })
  return { status: response.statusCode, headers: response.headers, body: response.json() }
}

/**
 * Everything the app reports through its observer, counted: store calls by operation (BatchGetItem,
 * Scan) are what "no store call was made" is checked against. Installed on the app's own observer
 * instance (the one the repository and the scanner report to) and removed on teardown.
 */
export class ObserverRecorder {
  readonly storeCalls: Array<{ operation: string, outcome: string }> = []
  readonly operations: Array<{ operation: string, outcome: string }> = []
  readonly costs: number[] = []
  readonly rejections: string[] = []
  readonly statuses: Array<Record<string, number>> = []

  static install (t: Test, app: FastifyInstance): ObserverRecorder {
    const recorder = new ObserverRecorder()
    const observer = app.observer as GatewayObserver & Record<string, unknown>
    const originals = new Map<string, unknown>()
    const wrap = <K extends keyof GatewayObserver>(name: K, record: (...args: Parameters<GatewayObserver[K]>) => void): void => {
      const own = Object.prototype.hasOwnProperty.call(observer, name)
      originals.set(name, own ? observer[name] : undefined)
      const original = observer[name] as (...args: unknown[]) => void
      observer[name] = ((...args: Parameters<GatewayObserver[K]>) => {
        record(...args)
        original.apply(observer, args)
      }) as never
    }
    wrap('storeCall', (operation, _seconds, outcome) => { recorder.storeCalls.push({ operation, outcome }) })
    wrap('graphqlOperation', (operation, outcome) => { recorder.operations.push({ operation, outcome }) })
    wrap('graphqlCost', (cost) => { recorder.costs.push(cost) })
    wrap('graphqlRejected', (reason) => { recorder.rejections.push(reason) })
    wrap('featureStatuses', (protocol, counts) => { if (protocol === 'graphql') recorder.statuses.push({ ...counts }) })
    t.teardown(() => {
      for (const [name, original] of originals) {
        if (original === undefined) delete observer[name]
        else observer[name] = original
      }
    })
    return recorder
  }

  reset (): void {
    this.storeCalls.length = 0
    this.operations.length = 0
    this.costs.length = 0
    this.rejections.length = 0
    this.statuses.length = 0
  }

  calls (operation?: string): number {
    return this.storeCalls.filter((c) => operation === undefined || c.operation === operation).length
  }
}
