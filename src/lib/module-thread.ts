import { Worker } from 'node:worker_threads'

/**
 * A worker thread running the module `name` that sits beside `callerUrl` (the caller's
 * `import.meta.url`). Compiled, that is the `.js` sibling. From source under tsx (`npm start`, the
 * tests) a worker does not inherit tsx's loader hooks, so the thread registers them before it
 * imports the `.ts` module.
 */
export function startModuleThread (callerUrl: string, name: string, workerData: unknown): Worker {
  const fromSource = callerUrl.endsWith('.ts')
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl)
  if (!fromSource) return new Worker(entry, { workerData, execArgv: [] })
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [] })
}
