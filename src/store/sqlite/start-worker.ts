// Starts a worker thread of the SQLite store (a read worker, the index builder) from its module
// beside this one. Compiled, the worker is the .js file; from the sources (tsx, tests) it is the
// .ts file, which a worker thread can only load after registering tsx itself: workers do not
// inherit the hooks.
import { Worker } from 'node:worker_threads'

const TYPESCRIPT = import.meta.url.endsWith('.ts')

/** `name` is the module's name without extension, e.g. `read-worker`. */
export function startWorker (name: string, workerData: unknown): Worker {
  const url = new URL(`./${name}.${TYPESCRIPT ? 'ts' : 'js'}`, import.meta.url)
  if (!TYPESCRIPT) return new Worker(url, { workerData })
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const boot = `import(${tsx}).then(tsx => { tsx.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
