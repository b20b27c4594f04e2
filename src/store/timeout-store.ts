// Bounds every store call in time: a call that has not settled after `timeoutMs` rejects with
// StoreUnavailableError (503), so a hung store (a network partition, a lock) costs a client one
// bounded wait instead of a request that never ends. Streams are bounded per batch. The late
// result of a timed-out call is dropped; for a write the outcome is then unknown, as with any
// 503, and the client retries (writes are upserts by id, so a retry is safe). Members this
// wrapper does not know pass through untouched.
import { StoreUnavailableError } from '../errors.js'
import type { Doc, ReadOptions, Store, StreamQuery } from './store.js'

export function withTimeout (store: Store, timeoutMs: number): Store {
  // One promise and one timer per call, settled by whichever comes first; on the hot path this
  // replaced Promise.race over a timeout promise and a finally, three more promises per call.
  // A late result or rejection of an abandoned call settles nothing and is never unhandled.
  function bounded<T> (what: string, work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(function expire () {
        const limit = `STORE_TIMEOUT_MS (${timeoutMs} ms)`
        reject(new StoreUnavailableError(`${store.kind} store: ${what} did not answer within ${limit}`))
      }, timeoutMs)
      work.then(
        value => { clearTimeout(timer); resolve(value) },
        (error: unknown) => { clearTimeout(timer); reject(error) }
      )
    })
  }

  async function * stream (entity: string, query: StreamQuery, options?: ReadOptions): AsyncGenerator<Doc[]> {
    const iterator = store.stream(entity, query, options)[Symbol.asyncIterator]()
    let settled = true
    try {
      while (true) {
        settled = false
        const next = await bounded(`stream of '${entity}'`, iterator.next())
        settled = true
        if (next.done === true) return
        yield next.value
      }
    } finally {
      // after a timeout the source's pending read would hold return() back: let it go
      if (settled) await iterator.return?.()
      else iterator.return?.().catch(() => {})
    }
  }

  const wrapped: { -readonly [K in keyof Store]?: Store[K] } = {
    get: (entity, id, options) => bounded(`get on '${entity}'`, store.get(entity, id, options)),
    getMany: (entity, ids, options) => bounded(`getMany on '${entity}'`, store.getMany(entity, ids, options)),
    getManyByKey: (entity, property, values, options) =>
      bounded(`getManyByKey on '${entity}'`, store.getManyByKey(entity, property, values, options)),
    find: (entity, query, options) => bounded(`find on '${entity}'`, store.find(entity, query, options)),
    findByRefs: (entity, property, ids, query, options) =>
      bounded(`findByRefs on '${entity}'`, store.findByRefs(entity, property, ids, query, options)),
    countByRefs: (entity, property, ids, options) =>
      bounded(`countByRefs on '${entity}'`, store.countByRefs(entity, property, ids, options)),
    stream,
    upsertMany: (entity, docs, links) => bounded(`upsertMany on '${entity}'`, store.upsertMany(entity, docs, links)),
    resolveLinks: (entity, keys) => bounded(`resolveLinks on '${entity}'`, store.resolveLinks(entity, keys)),
    findLinks: (entity, query) => bounded(`findLinks on '${entity}'`, store.findLinks(entity, query)),
    deleteLinks: (entity, keys) => bounded(`deleteLinks on '${entity}'`, store.deleteLinks(entity, keys)),
    delete: (entity, id) => bounded(`delete on '${entity}'`, store.delete(entity, id)),
    deleteMany: (entity, ids) => bounded(`deleteMany on '${entity}'`, store.deleteMany(entity, ids)),
    moveMany: (from, to, moves) => bounded(`moveMany from '${from}' to '${to}'`, store.moveMany(from, to, moves)),
    ping: () => bounded('ping', store.ping()),
    writeStatus: () => bounded('write check', store.writeStatus())
  }
  const texts = store.graphTexts
  if (texts !== undefined) {
    wrapped.graphTexts = {
      page: (entity, query, plan, options) =>
        bounded(`graph page of '${entity}'`, texts.page(entity, query, plan, options)),
      one: (entity, id, plan, options) => bounded(`graph on '${entity}'`, texts.one(entity, id, plan, options))
    }
  }
  return new Proxy(store, {
    get (target, property, receiver) {
      if (Object.hasOwn(wrapped, property)) return wrapped[property as keyof Store]
      const value: unknown = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
