// Bounds every store call in time: a call that has not settled after `timeoutMs` rejects with
// StoreUnavailableError (503), so a hung store (a network partition, a lock) costs a client one
// bounded wait instead of a request that never ends. Streams are bounded per batch. A read that
// runs out of time is also stopped: it runs with a signal of its own (following the caller's),
// aborted at the timeout, so the store ends its statement as when the client went away (a
// worker terminated, a backend cancelled, a server operation killed). A write is not stopped:
// its outcome is then unknown, as with any 503, and the client retries (writes are upserts by
// id, so a retry is safe). Members this wrapper does not know pass through untouched.
import { StoreUnavailableError } from '../errors.js'
import type { Doc, ReadOptions, Store, StreamQuery } from './store.js'

/** A read's own signal: aborted at its timeout, or when the caller's signal aborts. */
interface Stop {
  signal: AbortSignal
  abort: () => void
  /** Stops following the caller's signal. */
  release: () => void
}

function stopOf (caller: AbortSignal | undefined): Stop {
  const controller = new AbortController()
  const abort = (): void => controller.abort()
  if (caller === undefined) return { signal: controller.signal, abort, release: () => {} }
  if (caller.aborted) abort()
  else caller.addEventListener('abort', abort, { once: true })
  return { signal: controller.signal, abort, release: () => caller.removeEventListener('abort', abort) }
}

export function withTimeout (store: Store, timeoutMs: number): Store {
  const limit = `STORE_TIMEOUT_MS (${timeoutMs} ms)`
  // One promise and one timer per call, settled by whichever comes first; on the hot path this
  // replaced Promise.race over a timeout promise and a finally, three more promises per call.
  // A late result or rejection of an abandoned call settles nothing and is never unhandled.
  function bounded<T> (what: string, work: Promise<T>, stop?: Stop): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(function expire () {
        reject(new StoreUnavailableError(`${store.kind} store: ${what} did not answer within ${limit}`))
        // after the rejection, so that the call answers the timeout, not the cancellation it causes
        stop?.abort()
      }, timeoutMs)
      work.then(
        value => { clearTimeout(timer); stop?.release(); resolve(value) },
        (error: unknown) => { clearTimeout(timer); stop?.release(); reject(error) }
      )
    })
  }

  /** A read run with its own signal, stopped at the timeout. */
  function read<T> (what: string, options: ReadOptions | undefined,
    call: (options: ReadOptions) => Promise<T>): Promise<T> {
    const stop = stopOf(options?.signal)
    return bounded(what, call({ ...options, signal: stop.signal }), stop)
  }

  async function * stream (entity: string, query: StreamQuery, options?: ReadOptions): AsyncGenerator<Doc[]> {
    // one signal for the stream's life: a batch that runs out of time stops the whole stream
    const stop = stopOf(options?.signal)
    const iterator = store.stream(entity, query, { ...options, signal: stop.signal })[Symbol.asyncIterator]()
    let settled = true
    try {
      while (true) {
        settled = false
        const next = await bounded(`stream of '${entity}'`, iterator.next(), { ...stop, release: () => {} })
        settled = true
        if (next.done === true) return
        yield next.value
      }
    } finally {
      stop.release()
      // after a timeout the source's pending read would hold return() back: let it go
      if (settled) await iterator.return?.()
      else iterator.return?.().catch(() => {})
    }
  }

  const wrapped: { -readonly [K in keyof Store]?: Store[K] } = {
    get: (entity, id, options) => read(`get on '${entity}'`, options, o => store.get(entity, id, o)),
    getMany: (entity, ids, options) => read(`getMany on '${entity}'`, options, o => store.getMany(entity, ids, o)),
    getManyByKey: (entity, property, values) =>
      bounded(`getManyByKey on '${entity}'`, store.getManyByKey(entity, property, values)),
    find: (entity, query, options) => read(`find on '${entity}'`, options, o => store.find(entity, query, o)),
    findByRefs: (entity, property, ids, query, options) =>
      read(`findByRefs on '${entity}'`, options, o => store.findByRefs(entity, property, ids, query, o)),
    countByRefs: (entity, property, ids, options) =>
      read(`countByRefs on '${entity}'`, options, o => store.countByRefs(entity, property, ids, o)),
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
        read(`graph page of '${entity}'`, options, o => texts.page(entity, query, plan, o)),
      one: (entity, id, plan, options) => read(`graph on '${entity}'`, options, o => texts.one(entity, id, plan, o))
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
