// Bounds every store call in time: a call that has not settled after `timeoutMs` rejects with
// StoreUnavailableError (503), so a hung store (a network partition, a lock) costs a client one
// bounded wait instead of a request that never ends. Streams are bounded per batch. A read that
// runs out of time is also stopped: it runs with a signal that follows the caller's and that the
// timeout aborts, so the store ends its statement as when the client went away (a worker
// terminated, a backend cancelled, a server operation killed). A write is not stopped:
// its outcome is then unknown, as with any 503, and the client retries (writes are upserts by
// id, so a retry is safe). A call the store answered at once (settles-at-once.ts) arms nothing.
import { setMaxListeners } from 'node:events'
import { StoreUnavailableError } from '../errors.js'
import { settlesAtOnce } from './settles-at-once.js'
import type { GraphTextReader } from './graph-plan.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, ReadOptions, RefQuery, RefResult, ResolvedLink,
  Store, StoreBroadcast, StreamQuery, WriteStatus
} from './store.js'

/** Where a caller's signal holds the controller its reads run with (stopOf). */
const STOP = Symbol('relata.stop')
type Stoppable = AbortSignal & { [STOP]?: AbortController | undefined }

/**
 * The controller whose signal a caller's reads run with: it follows the caller's signal, and a
 * read that times out aborts it. One per caller signal (a request), shared by its reads, because
 * an AbortSignal costs more to make than a read of the memory store; a timeout then stops the
 * caller's other reads running then too, which is right for a request: it answers that timeout.
 * The timeout takes it off its caller, whose later reads get a fresh one, so a library caller's
 * long-lived signal is not spent by one timeout. Reads without a caller signal (the healer's)
 * get one each. Held on the caller's signal itself: a property costs a read of a field per
 * call, where a WeakMap cost a hash lookup (about a microsecond per request in the server).
 */
function stopOf (caller: Stoppable | undefined): AbortController {
  if (caller === undefined) return new AbortController()
  return caller[STOP] ?? newStop(caller)
}

function newStop (caller: Stoppable): AbortController {
  const controller = new AbortController()
  // a request's reads run at once (a graph level, a stream's look-ahead), each listening until
  // it settles: more than Node's default 10 is expected here, not a leak
  setMaxListeners(0, controller.signal)
  if (caller.aborted) controller.abort(caller.reason)
  else caller.addEventListener('abort', () => controller.abort(caller.reason), { once: true })
  caller[STOP] = controller
  return controller
}

/** Stops the reads running with `stop` (a timeout), and gives its caller's later reads a fresh one. */
function spend (stop: AbortController, caller: Stoppable | undefined): void {
  if (caller !== undefined && caller[STOP] === stop) caller[STOP] = undefined
  stop.abort()
}

export function withTimeout (store: Store, timeoutMs: number): Store {
  return new TimedStore(store, timeoutMs)
}

/**
 * `store` with every call bounded. Each call names what it is (`what`, and the entity it reads)
 * so that a timeout says what did not answer; the message is written only then.
 */
class TimedStore implements Store {
  readonly kind: string
  readonly graphTexts?: GraphTextReader
  readonly #store: Store
  readonly #timeoutMs: number

  constructor (store: Store, timeoutMs: number) {
    this.#store = store
    this.#timeoutMs = timeoutMs
    this.kind = store.kind
    const texts = store.graphTexts
    if (texts === undefined) return
    this.graphTexts = {
      page: (entity, query, plan, options) =>
        this.#read('graph page of', entity, options, o => texts.page(entity, query, plan, o)),
      one: (entity, id, plan, options) => this.#read('graph on', entity, options, o => texts.one(entity, id, plan, o))
    }
    const graphStream = texts.stream?.bind(texts)
    if (graphStream !== undefined) {
      this.graphTexts.stream = (entity, query, plan, options) => this.#batches(`graph stream of '${entity}'`,
        options, o => graphStream(entity, query, plan, o))
    }
  }

  get broadcast (): StoreBroadcast | undefined {
    return this.#store.broadcast
  }

  // One promise and one timer per call, settled by whichever comes first. A queue of deadlines
  // watched by one timer for all calls cost about 2 µs less per call, but raised a 1,000,000-row
  // stream's peak RSS from 181 to 257 MB (bench/stream.ts, cause not found), so it was taken out.
  // A late result or rejection of an abandoned call settles nothing and is never unhandled.
  // A call whose answer was there when it returned (settlesAtOnce) costs neither: no timer could
  // fire before it settles. A read's `stop` is aborted at the timeout, which stops the read.
  #bounded<T> (work: Promise<T>, what: string, entity: string | undefined, stop?: AbortController,
    caller?: AbortSignal): Promise<T> {
    if (settlesAtOnce(work)) return work
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const subject = entity === undefined ? what : `${what} '${entity}'`
        reject(new StoreUnavailableError(`${this.kind} store: ${subject} did not answer within ` +
          `STORE_TIMEOUT_MS (${this.#timeoutMs} ms)`))
        // after the rejection, so that the call answers the timeout, not the cancellation it causes
        if (stop !== undefined) spend(stop, caller)
      }, this.#timeoutMs)
      work.then(
        value => { clearTimeout(timer); resolve(value) },
        (error: unknown) => { clearTimeout(timer); reject(error) }
      )
    })
  }

  /**
   * A read run with its caller's stop (stopOf) in place of the caller's signal, bounded: the one
   * copy of the options per read, which the store needs before it can tell whether it waits.
   */
  #read<T> (what: string, entity: string, options: ReadOptions | undefined,
    read: (options: ReadOptions) => Promise<T>): Promise<T> {
    const caller = options?.signal
    const stop = stopOf(caller)
    return this.#bounded(read({ ...options, signal: stop.signal }), what, entity, stop, caller)
  }

  async * #batches<I> (what: string, options: ReadOptions | undefined,
    open: (options: ReadOptions) => AsyncIterable<I[]>): AsyncGenerator<I[]> {
    // one signal for the stream's life: a batch that runs out of time stops the whole stream
    const caller = options?.signal
    const stop = stopOf(caller)
    const iterator = open({ ...options, signal: stop.signal })[Symbol.asyncIterator]()
    let settled = true
    try {
      while (true) {
        settled = false
        const next = await this.#bounded(iterator.next(), what, undefined, stop, caller)
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

  get (entity: string, id: string, options?: ReadOptions): Promise<Doc | undefined> {
    return this.#read('get on', entity, options, o => this.#store.get(entity, id, o))
  }

  getMany (entity: string, ids: readonly string[], options?: ReadOptions): Promise<Doc[]> {
    return this.#read('getMany on', entity, options, o => this.#store.getMany(entity, ids, o))
  }

  getManyByKey (entity: string, property: string, values: ReadonlyArray<string | number>,
    options?: ReadOptions): Promise<Doc[]> {
    return this.#read('getManyByKey on', entity, options, o => this.#store.getManyByKey(entity, property, values, o))
  }

  find (entity: string, query: FindQuery, options?: ReadOptions): Promise<FindResult> {
    return this.#read('find on', entity, options, o => this.#store.find(entity, query, o))
  }

  findByRefs (entity: string, refProperty: string, ids: readonly string[], query: RefQuery,
    options?: ReadOptions): Promise<RefResult> {
    return this.#read('findByRefs on', entity, options, o => this.#store.findByRefs(entity, refProperty, ids, query, o))
  }

  countByRefs (entity: string, refProperty: string, ids: readonly string[],
    options?: ReadOptions): Promise<Map<string, number>> {
    return this.#read('countByRefs on', entity, options, o => this.#store.countByRefs(entity, refProperty, ids, o))
  }

  stream (entity: string, query: StreamQuery, options?: ReadOptions): AsyncGenerator<Doc[]> {
    return this.#batches(`stream of '${entity}'`, options, o => this.#store.stream(entity, query, o))
  }

  upsertMany (entity: string, docs: readonly Doc[], links?: readonly IdentityLink[]): Promise<Doc[]> {
    return this.#bounded(this.#store.upsertMany(entity, docs, links), 'upsertMany on', entity)
  }

  resolveLinks (entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    return this.#bounded(this.#store.resolveLinks(entity, keys), 'resolveLinks on', entity)
  }

  findLinks (entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    return this.#bounded(this.#store.findLinks(entity, query), 'findLinks on', entity)
  }

  deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    return this.#bounded(this.#store.deleteLinks(entity, keys), 'deleteLinks on', entity)
  }

  delete (entity: string, id: string): Promise<boolean> {
    return this.#bounded(this.#store.delete(entity, id), 'delete on', entity)
  }

  deleteMany (entity: string, ids: readonly string[]): Promise<number> {
    return this.#bounded(this.#store.deleteMany(entity, ids), 'deleteMany on', entity)
  }

  moveMany (from: string, to: string, moves: readonly Move[]): Promise<string[]> {
    return this.#bounded(this.#store.moveMany(from, to, moves), `moveMany from '${from}' to '${to}'`, undefined)
  }

  ping (): Promise<void> {
    return this.#bounded(this.#store.ping(), 'ping', undefined)
  }

  writeStatus (): Promise<WriteStatus> {
    return this.#bounded(this.#store.writeStatus(), 'write check', undefined)
  }

  close (): Promise<void> {
    return this.#store.close()
  }
}
