import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux everywhere in practice). */
const TICKS_PER_SECOND = 100

/**
 * CPU time (user + system) a process has used so far, in microseconds, from /proc/<pid>/stat: the
 * steadier figure beside rows/s or latency on a noisy machine. NaN where /proc is not there.
 */
export function processCpuMicros (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND * 1e6
  } catch {
    return NaN
  }
}
