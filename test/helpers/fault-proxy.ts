import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

/**
 * An HTTP proxy in front of a real DynamoDB-compatible server that injects the faults a real local
 * server never produces: throttling, UnprocessedKeys/UnprocessedItems, and calls that never answer.
 * Used only for those; everything else in the tests talks to the real server directly.
 */
export type Fault =
  /** Pass the request through unchanged. */
  | { readonly kind: 'forward' }
  /** Answer 400 ProvisionedThroughputExceededException, as DynamoDB does when throttling. */
  | { readonly kind: 'throttle' }
  /**
   * BatchGetItem/BatchWriteItem: forward only the first `keep` keys (or write requests) and hand the
   * rest back as unprocessed. Like dynalite, the UnprocessedKeys returned carry no projection.
   */
  | { readonly kind: 'unprocess', readonly keep: number }
  /** Never answer; `aborted` resolves when the client gives up on the request. */
  | { readonly kind: 'hang' }

export interface ProxiedRequest {
  /** e.g. BatchGetItem */
  readonly operation: string
  readonly body: Record<string, unknown>
  readonly fault: Fault['kind']
}

export interface FaultProxy {
  readonly endpoint: string
  /** Every request seen, in order. */
  readonly requests: ProxiedRequest[]
  /** Decides each request's fate; the default forwards everything. */
  decide: (operation: string, body: Record<string, unknown>, index: number) => Fault
  /** Resolves with the number of hung requests the client has closed so far, once at least one has. */
  readonly aborted: Promise<number>
  requestsFor (operation: string): ProxiedRequest[]
}

export async function startFaultProxy (t: Test, upstream: string): Promise<FaultProxy> {
  let abortedCount = 0
  let markAborted: (count: number) => void = () => {}
  const aborted = new Promise<number>((resolve) => { markAborted = resolve })
  const hung = new Set<ServerResponse>()
  const proxy: FaultProxy = {
    endpoint: '',
    requests: [],
    decide: () => ({ kind: 'forward' }),
    aborted,
    requestsFor (operation) {
      return this.requests.filter((request) => request.operation === operation)
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
    })
  })

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').at(-1) ?? ''
    const body = (raw === '' ? {} : JSON.parse(raw)) as Record<string, unknown>
    const fault = proxy.decide(operation, body, proxy.requests.filter((r) => r.operation === operation).length)
    proxy.requests.push({ operation, body, fault: fault.kind })
    switch (fault.kind) {
      case 'forward': {
        const answer = await forward(req, raw)
        res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.text)
        return
      }
      case 'throttle':
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded (injected)'
        }))
        return
      case 'hang':
        hung.add(res)
        res.on('close', () => {
          hung.delete(res)
          if (!res.writableEnded) markAborted(++abortedCount)
        })
        return
      case 'unprocess': {
        const answer = await unprocess(req, operation, body, fault.keep)
        res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.text)
      }
    }
  }

  async function forward (req: IncomingMessage, raw: string): Promise<{ status: number, contentType: string, text: string }> {
    const headers: Record<string, string> = {}
    for (const name of ['content-type', 'x-amz-target', 'authorization', 'x-amz-date', 'x-amz-security-token']) {
      const value = req.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    const response = await fetch(upstream, { method: 'POST', headers, body: raw })
    return { status: response.status, contentType: response.headers.get('content-type') ?? 'application/x-amz-json-1.0', text: await response.text() }
  }

  async function unprocess (req: IncomingMessage, operation: string, body: Record<string, unknown>, keep: number): Promise<{ status: number, contentType: string, text: string }> {
    const requestItems = body.RequestItems as Record<string, unknown>
    const [table] = Object.keys(requestItems)
    if (table === undefined) throw new Error('no table in request')
    if (operation === 'BatchGetItem') {
      const spec = requestItems[table] as { Keys: unknown[] }
      const kept = { ...spec, Keys: spec.Keys.slice(0, keep) }
      const left = spec.Keys.slice(keep)
      const answer = kept.Keys.length === 0 ? { status: 200, contentType: 'application/x-amz-json-1.0', text: JSON.stringify({ Responses: { [table]: [] } }) } : await forward(req, JSON.stringify({ ...body, RequestItems: { [table]: kept } }))
      const parsed = JSON.parse(answer.text) as Record<string, unknown>
      // Keys only, no ProjectionExpression: what dynalite hands back, so the caller must re-attach its own.
      if (left.length > 0) parsed.UnprocessedKeys = { [table]: { Keys: left } }
      return { ...answer, text: JSON.stringify(parsed) }
    }
    if (operation === 'BatchWriteItem') {
      const writes = requestItems[table] as unknown[]
      const kept = writes.slice(0, keep)
      const left = writes.slice(keep)
      const answer = kept.length === 0 ? { status: 200, contentType: 'application/x-amz-json-1.0', text: '{}' } : await forward(req, JSON.stringify({ ...body, RequestItems: { [table]: kept } }))
      const parsed = JSON.parse(answer.text) as Record<string, unknown>
      if (left.length > 0) parsed.UnprocessedItems = { [table]: left }
      return { ...answer, text: JSON.stringify(parsed) }
    }
    throw new Error(`cannot leave ${operation} unprocessed`)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const res of hung) res.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return Object.assign(proxy, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
}
