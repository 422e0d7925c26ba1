import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { RecordBatchReader, type RecordBatch } from 'apache-arrow'

export const NDJSON = 'application/x-ndjson'
export const ARROW = 'application/vnd.apache.arrow.stream'

export interface NdjsonRow {
  entity_id: string
  features: Record<string, unknown>
  statuses: Record<string, string>
  event_times: Record<string, string | null>
}

export interface NdjsonPull {
  status: number
  headers: Record<string, unknown>
  rows: NdjsonRow[]
  resumeTokens: string[]
  end: { end: true, rows: number } | undefined
  error: { message: string, code: string, fgCode: string, retryAfterSeconds?: number } | undefined
  /** The body as JSON when the pull was refused before its first byte. */
  json: any
}

/** Reads an NDJSON pull's lines by kind; every line must be one of the documented kinds. */
export function readNdjson (text: string): Pick<NdjsonPull, 'rows' | 'resumeTokens' | 'end' | 'error'> & { lines: unknown[] } {
  const lines = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>)
  const out: ReturnType<typeof readNdjson> = { rows: [], resumeTokens: [], end: undefined, error: undefined, lines }
  for (const line of lines) {
    if (typeof line.entity_id === 'string') out.rows.push(line as NdjsonRow)
    else if (typeof line.resume_after === 'string') out.resumeTokens.push(line.resume_after)
    else if (line.end === true) out.end = line as NdjsonPull['end']
    else if (line.error !== undefined) out.error = line.error
    else throw new Error(`unexpected NDJSON line ${JSON.stringify(line)}`)
  }
  return out
}

export async function pullNdjson (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<NdjsonPull> {
  const response = await app.inject({ method: 'POST', url: '/v1/pull', headers: { accept: NDJSON, ...headers }, payload: body as Record<string, unknown> })
  const isStream = String(response.headers['content-type']).startsWith(NDJSON)
  return {
    status: response.statusCode,
    headers: response.headers,
    ...(isStream ? readNdjson(response.body) : { rows: [], resumeTokens: [], end: undefined, error: undefined }),
    json: isStream ? undefined : response.json()
  }
}

export interface ArrowPull {
  status: number
  batches: RecordBatch[]
  bytes: Buffer
}

export async function pullArrow (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<ArrowPull> {
  const response = await app.inject({ method: 'POST', url: '/v1/pull', headers: { accept: ARROW, ...headers }, payload: body as Record<string, unknown> })
  if (response.statusCode !== 200) throw new Error(`pull refused: ${response.statusCode} ${response.body}`)
  return { status: response.statusCode, batches: [...RecordBatchReader.from(response.rawPayload)], bytes: response.rawPayload }
}

/** Arrow rows as plain objects (column name → JS value), across batches. */
export function arrowRows (batches: readonly RecordBatch[]): Array<Record<string, unknown>> {
  return batches.flatMap((batch) => Array.from({ length: batch.numRows }, (_, i) => batch.get(i)!.toJSON() as Record<string, unknown>))
}

/** The value of the first /metrics line starting with `prefix` (0 when there is none). */
export async function metricLine (app: FastifyInstance, prefix: string): Promise<number> {
  const text = (await app.inject('/metrics')).body
  const line = text.split('\n').find((l) => l.startsWith(prefix))
  return line === undefined ? 0 : Number(line.slice(prefix.length).trim())
}

/**
 * An NDJSON pull over a real socket (the app listening) that `interrupt` breaks after its first chunk
 * arrived, read to its end: the whole text the reader got.
 */
export async function interruptedNdjsonPull (app: FastifyInstance, body: unknown, interrupt: () => Promise<void>): Promise<{ status: number, text: string }> {
  const address = app.server.address() as AddressInfo
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/pull`, { method: 'POST', headers: { accept: NDJSON, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = decoder.decode((await reader.read()).value, { stream: true })
  await interrupt()
  for (;;) {
    const { value, done } = await reader.read()
    if (done === true) break
    text += decoder.decode(value, { stream: true })
  }
  return { status: response.status, text }
}
