// The one frame around every store adapter: a Store whose calls check their arguments, resolve
// the entity (and the reference) through the adapter's tables, refuse to run once the store is
// closed, count one round trip per call (a stream: one per batch) through `onQuery`, and turn
// the adapter's store faults into StoreUnavailableError. Adapters only say what differs.
import { RelataError, StoreUnavailableError } from '../../errors.js'
import { checkCountLimit } from '../bounded-count.js'
import { checkAfter, checkBatchSize, checkLimit, checkPage } from '../keyset.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, RefQuery, RefResult, ResolvedLink, Store,
  StoreBroadcast, StoreOptions, StreamQuery, WriteStatus
} from '../store.js'
import { checkLinkQuery, distinctLinks } from '../links.js'
import type { GraphTextReader } from '../graph-plan.js'
import type { Call, StoreAdapter } from './store-adapter.js'
import { explainRefusal } from '../unique-keys.js'

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
        page: async (entity, query, plan) => {
          this.adapter.tables.of(entity)
          return await this.#run(entity, 'findGraphs', () => texts.page(entity, query, plan))
        },
        one: async (entity, id, plan) => {
          this.adapter.tables.of(entity)
          return await this.#run(entity, 'getGraph', () => texts.one(entity, id, plan))
        }
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

  /** Checks the store is open, then counts the call's first round trip. */
  #begin (entity: string, op: string): Call {
    if (this.#closed) throw this.#unavailable(`${op} on '${entity}'`)
    const count = (): void => this.options.onQuery?.(entity, op)
    count()
    return { again: count }
  }

  /** Errors the adapter raised on purpose (a refused document, an unavailable store) are thrown as they are. */
  #fault (error: unknown, what: string): unknown {
    if (error instanceof RelataError || this.adapter.fault === undefined) return error
    return this.adapter.fault(error, what)
  }

  async #run<R> (entity: string, op: string, work: (call: Call) => Promise<R>): Promise<R> {
    const call = this.#begin(entity, op)
    try {
      return await work(call)
    } catch (error) {
      throw this.#fault(error, `${op} on '${entity}'`)
    }
  }

  async get (entity: string, id: string): Promise<Doc | undefined> {
    const table = this.adapter.tables.of(entity)
    return await this.#run(entity, 'get', call => this.adapter.get(table, id, call))
  }

  async getMany (entity: string, ids: readonly string[]): Promise<Doc[]> {
    const table = this.adapter.tables.of(entity)
    return await this.#run(entity, 'getMany', call => this.adapter.getMany(table, ids, call))
  }

  async getManyByKey (entity: string, property: string, values: ReadonlyArray<string | number>): Promise<Doc[]> {
    const table = this.adapter.tables.withKey(entity, property)
    const wanted = [...new Set(values)].filter(v => typeof v === 'string' || (typeof v === 'number' && isFinite(v)))
    return await this.#run(entity, 'getManyByKey', call => this.adapter.getManyByKey(table, property, wanted, call))
  }

  async find (entity: string, query: FindQuery): Promise<FindResult> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    checkCountLimit(query.countLimit)
    const table = this.adapter.tables.of(entity)
    return await this.#run(entity, 'find', call => this.adapter.find(table, query, call))
  }

  async findByRefs (entity: string, refProperty: string, ids: readonly string[], query: RefQuery): Promise<RefResult> {
    checkLimit(query.perRefLimit)
    const table = this.adapter.tables.withRef(entity, refProperty)
    return await this.#run(entity, 'findByRefs', call => this.adapter.findByRefs(table, refProperty, ids, query, call))
  }

  async countByRefs (entity: string, refProperty: string, ids: readonly string[]): Promise<Map<string, number>> {
    const table = this.adapter.tables.withRef(entity, refProperty)
    return await this.#run(entity, 'countByRefs', call => this.adapter.countByRefs(table, refProperty, ids, call))
  }

  stream (entity: string, query: StreamQuery): AsyncIterable<Doc[]> {
    return this.#batches(entity, query)
  }

  async * #batches (entity: string, query: StreamQuery): AsyncGenerator<Doc[]> {
    checkBatchSize(query.batchSize)
    checkAfter(query.after, query.sort)
    const table = this.adapter.tables.of(entity)
    const call = this.#begin(entity, 'stream')
    const batches = this.adapter.stream(table, query, call)
    try {
      for (let first = true; ; first = false) {
        // the first round trip was counted by #begin; each later batch is checked and counted here
        if (!first) this.#begin(entity, 'stream')
        let step: IteratorResult<{ docs: Doc[], last: boolean }, void>
        try {
          step = await batches.next()
        } catch (error) {
          throw this.#fault(error, `stream of '${entity}'`)
        }
        if (step.done === true) return
        if (step.value.docs.length > 0) yield step.value.docs
        if (step.value.last) return
      }
    } finally {
      await batches.return?.()
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
      throw new StoreUnavailableError(`${this.kind} store: ${what} failed (${(error as Error).message})`,
        { cause: error })
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.adapter.close()
  }
}
