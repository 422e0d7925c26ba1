import { Worker, type ResourceLimits } from 'node:worker_threads'

/**
 * A worker thread running the module `name` that sits beside `callerUrl` (the caller's
 * `import.meta.url`). Compiled, that is the `.js` sibling. From source under tsx (`npm start`, the
 * tests) a worker does not inherit tsx's loader hooks, so the thread registers them before it
 * imports the `.ts` module.
 */
export function startModuleThread (callerUrl: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const fromSource = callerUrl.endsWith('.ts')
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl)
  const options = { workerData, execArgv: [], ...(resourceLimits !== undefined && { resourceLimits }) }
  if (!fromSource) return new Worker(entry, options)
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
