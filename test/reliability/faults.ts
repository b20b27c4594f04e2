// Fault injection for the reliability tests: a store wrapper that can be switched to fail or to
// hang, and a switch that makes every SQLite statement fail like a disk that cannot be read.
import Database from 'better-sqlite3'
import { StoreUnavailableError } from '../../src/errors.js'
import type { Store } from '../../src/store/store.js'

export type FaultMode = 'ok' | 'throw' | 'hang'

export interface FaultyStore {
  store: Store
  mode: FaultMode
}

const CALLS = new Set([
  'get',
  'getMany',
  'find',
  'findByRefs',
  'countByRefs',
  'upsertMany',
  'delete',
  'deleteMany',
  'ping'
])

/** Wraps `store`: in mode `throw` every call fails as unavailable, in mode `hang` none answers. */
export function faulty (store: Store): FaultyStore {
  const control: FaultyStore = { mode: 'ok', store: undefined as unknown as Store }
  function fault (): Promise<never> | undefined {
    if (control.mode === 'throw') {
      return Promise.reject(new StoreUnavailableError(`${store.kind} store: injected fault`))
    }
    if (control.mode === 'hang') return new Promise<never>(() => {})
    return undefined
  }
  control.store = new Proxy(store, {
    get (target, property) {
      const value: unknown = Reflect.get(target, property)
      if (typeof value !== 'function') return value
      if (property === 'stream') {
        return (entity: string, query: unknown) => ({
          [Symbol.asyncIterator] () {
            const inner = (value as Store['stream']).call(target, entity, query as never)[Symbol.asyncIterator]()
            return {
              next: () => fault() ?? inner.next(),
              return: async () => (await inner.return?.()) ?? { done: true, value: undefined }
            }
          }
        })
      }
      if (!CALLS.has(String(property))) return value.bind(target)
      return (...args: unknown[]) => fault() ?? (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
    }
  })
  return control
}

type StatementMethod = 'get' | 'all' | 'run' | 'iterate'
const METHODS: StatementMethod[] = ['get', 'all', 'run', 'iterate']

/**
 * Makes every better-sqlite3 statement of this process fail with SQLITE_IOERR_READ (after
 * `after` more successful calls), as a disk that stopped answering would; returns the switch
 * that heals it. The adapter's own error mapping sees a real SqliteError.
 */
export function breakSqliteDisk (after = 0): () => void {
  const probe = new Database(':memory:')
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<
    StatementMethod,
    (...args: unknown[]) => unknown
  >
  probe.close()
  const originals = new Map(METHODS.map(m => [m, proto[m]]))
  let left = after
  for (const method of METHODS) {
    const original = originals.get(method)!
    proto[method] = function failing (this: unknown, ...args: unknown[]) {
      if (left-- > 0) return original.apply(this, args)
      throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_READ')
    }
  }
  return function heal () {
    for (const method of METHODS) proto[method] = originals.get(method)!
  }
}
