import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { Config } from '../config.js'
import { CliError, EXIT_OK, EXIT_REJECTED, EXIT_STORE } from './cli-error.js'
import { formatIngestReport, formatProgress } from './format-ingest-report.js'
import { ingestLines } from './ingest.js'
import { openCliStore } from './open-cli-store.js'
import { clearGatewayCache } from './reload-gateway.js'

export interface IngestCommand {
  readonly featureSet: string
  /** A path, or `-` for standard input. */
  readonly file: string
  readonly allowMissing: boolean
  /** Keep stored rows whose event time is later than the line's. */
  readonly onlyNewer?: boolean
  readonly concurrency: number
  readonly rejectsFile: string | undefined
  readonly json: boolean
  readonly quiet: boolean
  /** A running gateway to clear its row cache once rows are written, so it serves them at once. */
  readonly gateway?: string | undefined
  readonly apiKey?: string | undefined
}

export interface Output {
  write (text: string): unknown
}

/** `ingest <feature_set> <file>`: validate against the registry, write, report; returns the exit code. */
export async function runIngest (config: Config, command: IngestCommand, stdout: Output, stderr: Output, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  if (command.file !== '-') {
    try {
      await access(command.file)
    } catch (error) {
      throw new CliError(`Cannot read ${command.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    }
  }
  const store = await openCliStore(config, { ensureChangeTable: true })
  let rejects: WriteStream | undefined
  try {
    const specs = await store.registry.list()
    const spec = specs.find((s) => s.name === command.featureSet)
    if (spec === undefined) {
      throw new CliError(`Unknown feature set "${command.featureSet}"; the registry has ${specs.length === 0 ? 'none (apply a registry file first)' : specs.map((s) => s.name).join(', ')}`)
    }
    let rejectsError: Error | undefined
    if (command.rejectsFile !== undefined) {
      rejects = await openForWriting(command.rejectsFile)
      rejects.on('error', (error) => { rejectsError ??= error })
    }
    // Made here, with no await before ingestLines starts its `for await`: readline emits lines as soon
    // as the input is read, and lines emitted before the iteration begins are dropped, not buffered.
    // (Made before the rejects file was open, a loaded machine lost the file's first lines.)
    const input = command.file === '-' ? stdin : createReadStream(command.file)
    const lines = createInterface({ input, crlfDelay: Infinity })
    const report = await ingestLines({
      featureSet: spec,
      lines,
      writer: store.writer,
      allowMissing: command.allowMissing,
      onlyNewer: command.onlyNewer === true,
      concurrency: command.concurrency,
      ...(rejects !== undefined && {
        onRejected: (rejected) => {
          if (rejectsError !== undefined) throw new Error(`cannot write the rejects file ${command.rejectsFile ?? ''}: ${rejectsError.message}`)
          rejects!.write(JSON.stringify({ line: rejected.line, error: rejected.reason, text: rejected.text }) + '\n')
        }
      }),
      ...(!command.quiet && { onProgress: (progress) => stderr.write(formatProgress(spec.name, progress)) })
    })
    const source = command.file === '-' ? 'standard input' : command.file
    if (command.json) {
      const { rejectedLines, ...counts } = report
      stdout.write(JSON.stringify({ source, ...counts, seconds: Math.round(report.seconds * 1e3) / 1e3, rejectedLines: rejectedLines.map(({ line, reason }) => ({ line, reason })) }) + '\n')
    } else {
      stdout.write(formatIngestReport(report, source))
    }
    // Also after a partial failure: the rows that were written must be served at once.
    if (command.gateway !== undefined && report.written > 0) await clearGatewayCache(command.gateway, command.apiKey)
    if (report.storeError !== undefined || report.failure !== undefined) return EXIT_STORE
    return report.rejected > 0 ? EXIT_REJECTED : EXIT_OK
  } finally {
    if (rejects !== undefined) await new Promise((resolve) => rejects!.end(resolve))
    await store.close()
  }
}

/** The rejects file, opened before any row is written: a path that cannot be written stops the run up front. */
async function openForWriting (path: string): Promise<WriteStream> {
  const stream = createWriteStream(path)
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (error) => reject(new CliError(`Cannot write the rejects file ${path}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, 3)))
  })
  return stream
}
