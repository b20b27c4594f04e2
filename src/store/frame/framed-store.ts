// The one frame around every store adapter: a Store whose calls check their arguments, resolve
// the entity (and the reference) through the adapter's tables, refuse to run once the store is
// closed, count one round trip per call (a stream: one per batch) through `onQuery`, turn the
// adapter's store faults into StoreUnavailableError, and reject a read whose caller went away
// (its signal aborted) with CancelledError at once. Adapters only say what differs. A call the
// adapter answered at once (a value, not a promise) costs one promise and arms nothing to wait
// with: no listener on the signal, no timer (settles-at-once.ts tells the timeout).
import { CancelledError, RelataError, StoreUnavailableError } from '../../errors.js'
import { checkCountLimit } from '../bounded-count.js'
import { checkAfter, checkBatchSize, checkLimit, checkPage } from '../keyset.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, ReadOptions, RefQuery, RefResult, ResolvedLink,
  Store, StoreBroadcast, StoreOptions, StreamQuery, WriteStatus
} from '../store.js'
import { checkLinkQuery, distinctLinks } from '../links.js'
import type { GraphTextReader } from '../graph-plan.js'
import type { Answer, Batch, Call, StoreAdapter } from './store-adapter.js'
import { explainRefusal } from '../unique-keys.js'
import { checkRelations } from './check-relations.js'
import { forget, whenAborted } from './abort-waits.js'
import { atOnce } from '../settles-at-once.js'

/** Settled already: an answer had at once is handed over on the microtask after its `then`. */
const NOW = Promise.resolve()

/** One call as the adapter sees it: one object per call, of one shape whether a signal is given or not. */
class CountedCall implements Call {
  constructor (private readonly options: StoreOptions, private readonly entity: string, private readonly op: string,
    readonly signal: AbortSignal | undefined) {}

  again (): void {
    this.options.onQuery?.(this.entity, this.op)
  }
}

export class FramedStore<T> implements Store {
  readonly kind: string
  readonly graphTexts?: GraphTextReader
  readonly broadcast?: StoreBroadcast
  #closed = false

  constructor (private readonly adapter: StoreAdapter<T>, private readonly options: StoreOptions) {
    this.kind = adapter.kind
    const texts = adapter.graphTexts
    if (texts !== undefined) {
      this.graphTexts = {
        page: async (entity, query, plan, options = {}) => {
          this.adapter.tables.of(entity)
          checkRelations(this.adapter.tables, entity, query.filter)
          return await this.#run(entity, 'findGraphs', () => texts.page(entity, query, plan, options), options.signal)
        },
        one: (entity, id, plan, options = {}) =>
          this.#read(entity, 'getGraph', () => texts.one(entity, id, plan, options), options.signal)
      }
      const stream = texts.stream?.bind(texts)
      if (stream !== undefined) {
        this.graphTexts.stream = (entity, query, plan, { signal } = {}) =>
          this.#batches(entity, 'streamGraphs', query, signal, (_table, call) => stream(entity, query, plan, call))
      }
    }
    const broadcast = adapter.broadcast
    if (broadcast !== undefined) {
      this.broadcast = {
        stored: async (entity, ids) => await this.#run(entity, 'notify', () => broadcast.stored(entity, ids)),
        listen: async listener => await broadcast.listen(listener)
      }
    }
  }

  #unavailable (what: string, reason = 'the store is closed'): StoreUnavailableError {
    return new StoreUnavailableError(`${this.kind} store: ${what} failed: ${reason}`)
  }

  #cancelled (what: string): CancelledError {
    return new CancelledError(`${this.kind} store: ${what} was cancelled: its caller went away`)
  }

  /** Checks the store is open and the caller still there, then counts the call's first round trip. */
  #begin (entity: string, op: string, signal?: AbortSignal): Call {
    if (this.#closed) throw this.#unavailable(`${op} on '${entity}'`)
    if (signal?.aborted === true) throw this.#cancelled(`${op} on '${entity}'`)
    const call = new CountedCall(this.options, entity, op, signal)
    call.again()
    return call
  }

  /** Settles as `work`, or rejects with CancelledError as soon as `signal` aborts (the adapter stops the work). */
  #unlessCancelled<R> (what: string, work: Promise<R>, signal?: AbortSignal): Promise<R> {
    if (signal === undefined) return work
    return new Promise((resolve, reject) => {
      const cancel = (): void => reject(this.#cancelled(what))
      whenAborted(signal, cancel)
      work.then(
        value => { forget(signal, cancel); resolve(value) },
        (error: unknown) => { forget(signal, cancel); reject(error) })
    })
  }

  /** Errors the adapter raised on purpose (a refused document, an unavailable store) are thrown as they are. */
  #fault (error: unknown, what: string): unknown {
    if (error instanceof RelataError || this.adapter.fault === undefined) return error
    return this.adapter.fault(error, what)
  }

  /**
   * One call: checked, counted, its faults mapped, and rejected with CancelledError if `signal`
   * aborts before the answer is handed over. An answer the adapter had at once (a value, not a
   * promise) costs one promise and arms nothing: no listener on the signal, which is checked
   * once when the answer is handed over, and no timer (atOnce tells the timeout so). A call that
   * waits on the store rejects as soon as `signal` aborts (the adapter stops the work): one
   * promise besides the adapter's, waiting on the signal through one listener per signal.
   */
  #run<R> (entity: string, op: string, work: (call: Call) => Answer<R>, signal?: AbortSignal): Promise<R> {
    let answer: Answer<R>
    try {
      const call = this.#begin(entity, op, signal)
      try {
        answer = work(call)
      } catch (error) {
        throw this.#fault(error, `${op} on '${entity}'`)
      }
    } catch (error) {
      return Promise.reject(error)
    }
    if (!(answer instanceof Promise)) return atOnce(this.#handOver(entity, op, answer, signal))
    return new Promise((resolve, reject) => {
      const cancel = (): void => reject(this.#cancelled(`${op} on '${entity}'`))
      if (signal !== undefined) whenAborted(signal, cancel)
      answer.then(
        value => {
          if (signal !== undefined) forget(signal, cancel)
          resolve(value)
        },
        (error: unknown) => {
          if (signal !== undefined) forget(signal, cancel)
          reject(this.#fault(error, `${op} on '${entity}'`))
        })
    })
  }

  /**
   * An answer the adapter had at once, handed over on the next microtask unless its caller went
   * away by then: a caller that aborts right after calling (before it could see the answer) gets
   * CancelledError, as from a call that waits.
   */
  #handOver<R> (entity: string, op: string, value: R, signal: AbortSignal | undefined): Promise<R> {
    if (signal === undefined) return Promise.resolve(value)
    return NOW.then(() => {
      if (signal.aborted) throw this.#cancelled(`${op} on '${entity}'`)
      return value
    })
  }

  /** As #run, for a read of `entity`'s table: an unknown entity rejects, as it is, before anything runs. */
  #read<R> (entity: string, op: string, work: (table: T, call: Call) => Answer<R>, signal?: AbortSignal): Promise<R> {
    let table: T
    try {
      table = this.adapter.tables.of(entity)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#run(entity, op, call => work(table, call), signal)
  }

  /** As #read, with the call's own checks in `prepare`: what it throws rejects, as it is, before anything runs. */
  #checked<P, R> (entity: string, op: string, prepare: () => P, work: (prepared: P, call: Call) => Answer<R>,
    signal?: AbortSignal): Promise<R> {
    let prepared: P
    try {
      prepared = prepare()
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#run(entity, op, call => work(prepared, call), signal)
  }

  get (entity: string, id: string, options: ReadOptions = {}): Promise<Doc | undefined> {
    // the options are the read's form (ReadForm) as they are: no copy per call
    return this.#read(entity, 'get', (table, call) => this.adapter.get(table, id, call, options), options.signal)
  }

  getMany (entity: string, ids: readonly string[], options: ReadOptions = {}): Promise<Doc[]> {
    return this.#read(entity, 'getMany', (table, call) => this.adapter.getMany(table, ids, call, options),
      options.signal)
  }

  getManyByKey (entity: string, property: string, values: ReadonlyArray<string | number>,
    { signal, text }: ReadOptions = {}): Promise<Doc[]> {
    return this.#checked(entity, 'getManyByKey', () => ({
      table: this.adapter.tables.withKey(entity, property),
      wanted: [...new Set(values)].filter(v => typeof v === 'string' || (typeof v === 'number' && isFinite(v)))
    }), ({ table, wanted }, call) => this.adapter.getManyByKey(table, property, wanted, call, { text }), signal)
  }

  find (entity: string, query: FindQuery, { signal }: ReadOptions = {}): Promise<FindResult> {
    return this.#checked(entity, 'find', () => {
      checkPage(query.page, query.size, query.after)
      checkAfter(query.after, query.sort)
      checkCountLimit(query.countLimit)
      const table = this.adapter.tables.of(entity)
      checkRelations(this.adapter.tables, entity, query.filter)
      return table
    }, (table, call) => this.adapter.find(table, query, call), signal)
  }

  findByRefs (entity: string, refProperty: string, ids: readonly string[], query: RefQuery,
    { signal }: ReadOptions = {}): Promise<RefResult> {
    return this.#checked(entity, 'findByRefs', () => {
      checkLimit(query.perRefLimit)
      return this.adapter.tables.withRef(entity, refProperty)
    }, (table, call) => this.adapter.findByRefs(table, refProperty, ids, query, call), signal)
  }

  countByRefs (entity: string, refProperty: string, ids: readonly string[],
    { signal }: ReadOptions = {}): Promise<Map<string, number>> {
    return this.#checked(entity, 'countByRefs', () => this.adapter.tables.withRef(entity, refProperty),
      (table, call) => this.adapter.countByRefs(table, refProperty, ids, call), signal)
  }

  stream (entity: string, query: StreamQuery, { signal }: ReadOptions = {}): AsyncIterable<Doc[]> {
    return this.#batches(entity, 'stream', query, signal, (table, call) => this.adapter.stream(table, query, call))
  }

  async * #batches<I> (entity: string, op: string, query: StreamQuery, signal: AbortSignal | undefined,
    open: (table: T, call: Call) => AsyncIterator<Batch<I>, void>): AsyncGenerator<I[]> {
    checkBatchSize(query.batchSize)
    checkAfter(query.after, query.sort)
    const table = this.adapter.tables.of(entity)
    checkRelations(this.adapter.tables, entity, query.filter)
    const what = `${op === 'stream' ? 'stream' : 'graph stream'} of '${entity}'`
    const call = this.#begin(entity, op, signal)
    const batches = open(table, call)
    let reading = false
    try {
      for (let first = true; ; first = false) {
        // the first round trip was counted by #begin; each later batch is checked and counted here
        if (!first) this.#begin(entity, op, signal)
        let step: IteratorResult<Batch<I>, void>
        try {
          reading = true
          step = await this.#unlessCancelled(what, batches.next(), signal)
          reading = false
        } catch (error) {
          throw this.#fault(error, what)
        }
        if (step.done === true) return
        if (step.value.docs.length > 0) yield step.value.docs
        if (step.value.last) return
      }
    } finally {
      // a cancelled read is still being stopped by the adapter: its end must not hold this one
      if (reading) batches.return?.().catch(() => {})
      else await batches.return?.()
    }
  }

  async upsertMany (entity: string, docs: readonly Doc[], links: readonly IdentityLink[] = []): Promise<Doc[]> {
    const table = this.adapter.tables.of(entity)
    const distinct = distinctLinks(links)
    const linked = distinct.length === 0 ? undefined : { entity, links: distinct }
    try {
      return await this.#run(entity, 'upsertMany', call => this.adapter.upsertMany(table, docs, call, linked))
    } catch (error) {
      throw await this.#keyConflict(error, entity, docs)
    }
  }

  /** A unique index's refusal as the conflict it was, read back in one more round trip; other errors as they are. */
  async #keyConflict (error: unknown, entity: string, docs: readonly Doc[]): Promise<unknown> {
    if (this.adapter.isUniqueViolation?.(error) !== true) return error
    return await explainRefusal(this, entity, this.adapter.tables.uniqueKeys(entity), docs)
  }

  async resolveLinks (entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    const table = this.adapter.tables.of(entity)
    return await this.#run(entity, 'resolveLinks', call => this.adapter.resolveLinks(table, entity, keys, call))
  }

  async findLinks (entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    checkLinkQuery(query)
    this.adapter.tables.of(entity)
    return await this.#run(entity, 'findLinks', call => this.adapter.findLinks(entity, query, call))
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    this.adapter.tables.of(entity)
    return await this.#run(entity, 'deleteLinks', call => this.adapter.deleteLinks(entity, keys, call))
  }

  async delete (entity: string, id: string): Promise<boolean> {
    const table = this.adapter.tables.of(entity)
    return await this.#run(entity, 'delete', call => this.adapter.delete(table, id, call))
  }

  async deleteMany (entity: string, ids: readonly string[]): Promise<number> {
    const table = this.adapter.tables.of(entity)
    return await this.#run(entity, 'deleteMany', call => this.adapter.deleteMany(table, ids, call))
  }

  /** Counted once, against the target entity: one compare-and-move whatever the number of moves. */
  async moveMany (from: string, to: string, moves: readonly Move[]): Promise<string[]> {
    const source = this.adapter.tables.of(from)
    const target = this.adapter.tables.of(to)
    try {
      return await this.#run(to, 'moveMany', call => this.adapter.moveMany(source, target, moves, call))
    } catch (error) {
      throw await this.#keyConflict(error, to, moves.map(move => move.doc))
    }
  }

  /** Not counted: a health check, not a query. */
  async ping (): Promise<void> {
    await this.#check('ping', () => this.adapter.ping())
  }

  async writeStatus (): Promise<WriteStatus> {
    const { writeStatus } = this.adapter
    if (writeStatus === undefined) {
      await this.ping()
      return 'ok'
    }
    return await this.#check('write check', () => writeStatus.call(this.adapter))
  }

  async #check<R> (what: string, work: () => Promise<R>): Promise<R> {
    if (this.#closed) throw this.#unavailable(what)
    try {
      return await work()
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error
      // the driver's text goes to the log (the message), not to the client (the detail)
      throw new StoreUnavailableError(`${this.kind} store: ${what} failed`,
        { cause: error, reason: (error as Error).message })
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.adapter.close()
  }
}
