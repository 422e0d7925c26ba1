import type { IngestProgress, IngestReport } from './ingest.js'

const number = new Intl.NumberFormat('en-US')

export function formatProgress (featureSet: string, progress: IngestProgress): string {
  const rate = progress.seconds > 0 ? Math.round(progress.lines / progress.seconds) : 0
  return `ingest ${featureSet}: ${number.format(progress.lines)} lines, ${number.format(progress.written)} written, ` +
    `${number.format(progress.rejected)} rejected (${number.format(rate)} lines/s)\n`
}

/** The human report: counts, then every kept rejected line with its number, then any store failure. */
export function formatIngestReport (report: IngestReport, source: string): string {
  const out: string[] = []
  out.push(`ingest ${report.featureSet} from ${source}: ${number.format(report.lines)} lines, ${number.format(report.written)} written, ` +
    `${number.format(report.rejected)} rejected${report.skippedOlder > 0 ? `, ${number.format(report.skippedOlder)} left alone (the stored row is newer)` : ''} in ${report.seconds.toFixed(1)} s`)
  if (report.rejected > 0) {
    out.push('rejected lines:')
    for (const rejected of report.rejectedLines) out.push(`  line ${rejected.line}: ${rejected.reason}`)
    const more = report.rejected - report.rejectedLines.length
    if (more > 0) out.push(`  … and ${number.format(more)} more (use --rejects FILE to keep them all)`)
  }
  if (report.storeError !== undefined || report.failure !== undefined) {
    out.push(report.storeError !== undefined ? `the store failed: ${report.storeError}` : `the run failed: ${report.failure ?? ''}`)
    if (report.unwrittenLines.length > 0) {
      out.push(`${number.format(report.unwrittenLines.length)} accepted line${report.unwrittenLines.length > 1 ? 's were' : ' was'} not confirmed written: ${lineRanges(report.unwrittenLines)}`)
    }
    out.push(`reading stopped after line ${number.format(report.stoppedAfterLine ?? 0)}; load the lines above and the rest of the file again (a line rewrites its row, so repeating written lines is safe)`)
  }
  return out.join('\n') + '\n'
}

/** [1,2,3,7,9,10] -> "1-3, 7, 9-10", so thousands of line numbers stay readable. */
export function lineRanges (lines: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < lines.length;) {
    let j = i
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++
    parts.push(i === j ? String(lines[i]) : `${lines[i]}-${lines[j]}`)
    i = j + 1
  }
  return parts.join(', ')
}
