/** A parsed Prometheus text exposition, enough for tests to ask "what is this series' value?". */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Exposition {
  readonly samples: readonly Sample[]
  /** Metric family names with their TYPE line (histogram families without the _bucket/_sum/_count suffix). */
  readonly types: ReadonlyMap<string, string>
  /** Value of the one series with exactly these labels (others ignored), or undefined when absent. */
  value (name: string, labels?: Readonly<Record<string, string>>): number | undefined
  /** Sum over every series of `name` whose labels include `labels`. */
  sum (name: string, labels?: Readonly<Record<string, string>>): number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parseExposition (text: string): Exposition {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      if (name !== undefined && type !== undefined) types.set(name, type)
      continue
    }
    if (line === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (match === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_all, c: string) => c === 'n' ? '\n' : c)
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  const includes = (sample: Sample, labels: Readonly<Record<string, string>>): boolean =>
    Object.entries(labels).every(([k, v]) => sample.labels[k] === v)
  return {
    samples,
    types,
    value (name, labels = {}) {
      const found = samples.find((s) => s.name === name && includes(s, labels) && Object.keys(s.labels).length === Object.keys(labels).length)
      return found?.value
    },
    sum (name, labels = {}) {
      return samples.filter((s) => s.name === name && includes(s, labels)).reduce((total, s) => total + s.value, 0)
    }
  }
}
