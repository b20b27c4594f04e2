// Bounds every store call in time: a call that has not settled after `timeoutMs` rejects with
// StoreUnavailableError (503), so a hung store (a network partition, a lock) costs a client one
// bounded wait instead of a request that never ends. Streams are bounded per batch. A read that
// runs out of time is also stopped: it runs with a signal that follows the caller's and that the
// timeout aborts, so the store ends its statement as when the client went away (a worker
// terminated, a backend cancelled, a server operation killed). A write is not stopped:
// its outcome is then unknown, as with any 503, and the client retries (writes are upserts by
// id, so a retry is safe). Members this wrapper does not know pass through untouched.
import { setMaxListeners } from 'node:events'
import { StoreUnavailableError } from '../errors.js'
import { settlesAtOnce } from './settles-at-once.js'
import type { Doc, ReadOptions, Store, StreamQuery } from './store.js'

/**
 * The controller whose signal a caller's reads run with: it follows the caller's signal, and a
 * read that times out aborts it. One per caller signal (a request), shared by its reads, because
 * an AbortSignal costs more to make than a read of the memory store; a timeout then stops the
 * caller's other reads running then too, which is right for a request: it answers that timeout.
 * The caller's later reads get a fresh one, so a library caller's long-lived signal is not spent
 * by one timeout. Reads without a caller signal (the healer's) get one each.
 */
const stops = new WeakMap<AbortSignal, AbortController>()

function stopOf (caller: AbortSignal | undefined): AbortController {
  if (caller === undefined) return new AbortController()
  let stop = stops.get(caller)
  if (stop === undefined || (stop.signal.aborted && !caller.aborted)) {
    const controller = stop = new AbortController()
    // a request's reads run at once (a graph level, a stream's look-ahead), each listening until
    // it settles: more than Node's default 10 is expected here, not a leak
    setMaxListeners(0, controller.signal)
    if (caller.aborted) controller.abort(caller.reason)
    else caller.addEventListener('abort', () => controller.abort(caller.reason), { once: true })
    stops.set(caller, controller)
  }
  return stop
}

export function withTimeout (store: Store, timeoutMs: number): Store {
  const limit = `STORE_TIMEOUT_MS (${timeoutMs} ms)`
  // One promise and one timer per call, settled by whichever comes first. A queue of deadlines
  // watched by one timer for all calls cost about 2 µs less per call, but raised a 1,000,000-row
  // stream's peak RSS from 181 to 257 MB (bench/stream.ts, cause not found), so it was taken out.
  // A late result or rejection of an abandoned call settles nothing and is never unhandled.
  // A call whose answer was there when it returned (settlesAtOnce) costs neither: no timer could
  // fire before it settles.
  function bounded<T> (what: string, work: Promise<T>, stop?: AbortController): Promise<T> {
    if (settlesAtOnce(work)) return work
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(function expire () {
        reject(new StoreUnavailableError(`${store.kind} store: ${what} did not answer within ${limit}`))
        // after the rejection, so that the call answers the timeout, not the cancellation it causes
        stop?.abort()
      }, timeoutMs)
      work.then(
        value => { clearTimeout(timer); resolve(value) },
        (error: unknown) => { clearTimeout(timer); reject(error) }
      )
    })
  }

  /** A read run with its caller's stop signal (stopOf), aborted at the timeout. */
  function read<T> (what: string, options: ReadOptions | undefined,
    call: (options: ReadOptions) => Promise<T>): Promise<T> {
    const stop = stopOf(options?.signal)
    return bounded(what, call({ ...options, signal: stop.signal }), stop)
  }

  function stream (entity: string, query: StreamQuery, options?: ReadOptions): AsyncGenerator<Doc[]> {
    return boundedBatches(`stream of '${entity}'`, options, o => store.stream(entity, query, o))
  }

  async function * boundedBatches<I> (what: string, options: ReadOptions | undefined,
    open: (options: ReadOptions) => AsyncIterable<I[]>): AsyncGenerator<I[]> {
    // one signal for the stream's life: a batch that runs out of time stops the whole stream
    const stop = stopOf(options?.signal)
    const iterator = open({ ...options, signal: stop.signal })[Symbol.asyncIterator]()
    let settled = true
    try {
      while (true) {
        settled = false
        const next = await bounded(what, iterator.next(), stop)
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
    get: (entity, id, options) => read(`get on '${entity}'`, options, o => store.get(entity, id, o)),
    getMany: (entity, ids, options) => read(`getMany on '${entity}'`, options, o => store.getMany(entity, ids, o)),
    getManyByKey: (entity, property, values, options) =>
      read(`getManyByKey on '${entity}'`, options, o => store.getManyByKey(entity, property, values, o)),
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
    const graphStream = texts.stream?.bind(texts)
    if (graphStream !== undefined) {
      wrapped.graphTexts.stream = (entity, query, plan, options) =>
        boundedBatches(`graph stream of '${entity}'`, options, o => graphStream(entity, query, plan, o))
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
