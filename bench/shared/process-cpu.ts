import { readdirSync, readFileSync } from 'node:fs'

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

export interface ThreadCpu {
  /** `main` for the main thread (the event loop); otherwise its `comm` (Node leaves most named "node"). */
  readonly name: string
  /** Nanoseconds on a CPU so far (schedstat). */
  readonly nanos: number
}

/**
 * CPU so far of every thread of a process, by thread id (GC helpers, compiler threads, worker threads and
 * libuv's pool included), from /proc/<pid>/task/<tid>/schedstat. Empty where /proc is not there.
 */
export function threadCpuNanos (pid: number): Map<string, ThreadCpu> {
  const threads = new Map<string, ThreadCpu>()
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return threads
  }
  for (const tid of tids) {
    try {
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      threads.set(tid, { name, nanos: Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]) })
    } catch {
      // A thread that ended between the listing and the read: its time is gone from /proc either way.
    }
  }
  return threads
}
