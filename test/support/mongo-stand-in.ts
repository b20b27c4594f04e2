// An in-process stand-in for the part of the MongoDB driver the store uses (driver-surface.ts),
// executing filters and pipelines with mingo, MongoDB's query language in JavaScript. Documents
// are kept as BSON, as a server keeps them. It is deliberately small and strict: an option,
// command, write model or property it does not implement throws instead of succeeding. It can
// simulate an unreachable server (`fault`), a write failing part-way (`failWritesAfter`), slow
// reads stopped at their `maxTimeMS` (code 50) or by the client's signal, cursors killed by the
// idle timeout or a failover (`killCursors`: code 43), and the server's 16 MiB limits on
// commands, result documents and replies. Errors during a bulk write reach the caller wrapped
// in MongoBulkWriteError, as the driver does. Transactions are all-or-nothing through an undo
// log of the documents they wrote (an abort restores only those, so others' writes meanwhile
// stay); a document written by an open transaction, or changed since a transaction started,
// fails another transaction's write with a WriteConflict (TransientTransactionError), as the
// server does; reads are not isolated.
// Unique indexes (partial ones) refuse a duplicate with E11000, on a write or on their creation.
import { BSON, MongoServerError, type Document } from 'mongodb'
import { Aggregator } from 'mingo/aggregator'
import { Context } from 'mingo/core'
import * as accumulator from 'mingo/operators/accumulator'
import * as expression from 'mingo/operators/expression'
import * as pipeline from 'mingo/operators/pipeline'
import * as projection from 'mingo/operators/projection'
import * as query from 'mingo/operators/query'
import * as window from 'mingo/operators/window'
import { Query } from 'mingo/query'
import type {
  ClientLike, CollectionLike, CursorLike, DbLike, DeleteOneModel, IndexOptions, ReplaceOneModel, SessionLike
} from '../../src/store/mongodb/driver-surface.js'
import { $lookup } from './mongo-lookup.js'
import {
  MAX_BSON_SIZE, bulkWriteError, checkCommandSize, checkResultSize, checkStatementSize, cursorNotFound, maxTimeExpired,
  serverError, writeConflict
} from './mongo-server-errors.js'
import { planOf, type Plan } from './mongo-planner.js'
import { mongoOrderContext } from './mongo-string-order.js'

const CONTEXT = Context.from(
  mongoOrderContext,
  Context.init({
    accumulator,
    expression,
    pipeline: { ...pipeline, $lookup },
    projection,
    query,
    window
  } as unknown as Parameters<typeof Context.init>[0])
)
const MINGO_OPTIONS = { context: CONTEXT, useStrictMode: true }
// mingo would run these; a server run with --noscripting refuses them, and so does the stand-in
const SCRIPTS = new Set(['$where', '$function', '$accumulator'])

function refuseScripts (value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) {
    if (SCRIPTS.has(key)) throw new Error(`mongo stand-in: ${key} is refused`)
    refuseScripts(child)
  }
}

function notImplemented (what: string): never {
  throw new Error(`mongo stand-in: ${what} is not implemented`)
}

/** Wraps an object so that reading a property it lacks throws rather than yielding undefined. */
function strict<T extends object> (target: T, name: string): T {
  return new Proxy(target, {
    get (object, property, receiver) {
      if (typeof property === 'symbol' || property === 'then' || property in object) {
        return Reflect.get(object, property, receiver)
      }
      return notImplemented(`${name}.${property}`)
    }
  })
}

function checkOptions (what: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) if (!allowed.includes(key)) notImplemented(`option '${key}' of ${what}`)
}

type Table = Map<string, Uint8Array>

interface MongoReadOptions { maxTimeMS?: number, signal?: AbortSignal }

/** The "server": collections, faults and a log of round trips by command. */
export class MongoStandIn {
  readonly tables = new Map<string, Table>()
  /** The options each collection was created with explicitly (a collation, say). */
  readonly collectionOptions = new Map<string, Document>()
  readonly indexes = new Map<string, string[]>()
  /** The keys each index was created with, by collection and index name (`post.status_1`). */
  readonly indexKeys = new Map<string, Record<string, 1 | -1>>()
  /** Unique indexes by collection: their fields and the filter a document must match to be indexed. */
  readonly uniqueIndexes = new Map<string, Array<{ name: string, fields: string[], partial: Document }>>()
  readonly roundTrips: string[] = []
  /** Cursors the "server" holds open: started, neither exhausted nor closed by the client. */
  readonly openCursors = new Set<object>()
  /** What the planner made of each aggregation's head, in order. */
  readonly plans: Plan[] = []
  /** The `maxTimeMS` each read command was sent with, in order (undefined: none). */
  readonly maxTimes: Array<number | undefined> = []
  /** The `maxCommitTimeMS` each transaction was started with. */
  readonly commitTimes: Array<number | undefined> = []
  /** Bytes of the documents read commands returned, in all. */
  replyBytes = 0
  /** Read commands the "server" is still working on. */
  running = 0
  /** Commits: the logical clock of the last committed write, per document. */
  private clock = 0
  private readonly versions = new Map<string, number>()
  /** Documents written by an open transaction, by `collection/id`. */
  readonly locks = new Map<string, object>()
  private readReplyTimeMs = 0
  private faultError: Error | undefined
  private failing: { after: number, error: Error } | undefined
  readonly db: DbLike
  readonly client: ClientLike

  constructor () {
    this.db = strict(new StandInDb(this), 'db')
    this.client = strict(new StandInClient(this), 'client')
  }

  /** While set, every call fails with `error`, as when the server is unreachable. */
  fault (error: Error | undefined): void {
    this.faultError = error
  }

  /** The next bulkWrite applies `after` operations, then fails with `error`. */
  failWritesAfter (after: number, error: Error): void {
    this.failing = { after, error }
  }

  /** One round trip of `command`: fails while faulted. */
  call (command: string): void {
    if (this.faultError !== undefined) throw this.faultError
    this.roundTrips.push(command)
  }

  /** From now on every read command and getMore works `ms` on the "server" before it answers. */
  slowReads (ms: number): void {
    this.readReplyTimeMs = ms
  }

  /**
   * A read's server work: stopped with code 50 at `maxTimeMS`, else it runs to the end, unless
   * the client's `signal` aborts first: the driver then closes the connection (rejecting with the
   * signal's reason), on which the server kills the operation, as MongoDB 4.2+ does for a find or
   * an aggregate whose client disconnected.
   */
  async work (maxTimeMS: number | undefined, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    if (this.readReplyTimeMs === 0) return
    this.running++
    try {
      const limited = maxTimeMS !== undefined && maxTimeMS < this.readReplyTimeMs
      await new Promise<void>((resolve, reject) => {
        const killed = (): void => { clearTimeout(timer); reject(signal?.reason) }
        const timer = setTimeout(() => { signal?.removeEventListener('abort', killed); resolve() },
          limited ? maxTimeMS : this.readReplyTimeMs)
        signal?.addEventListener('abort', killed, { once: true })
      })
      if (limited) throw maxTimeExpired()
    } finally {
      this.running--
    }
  }

  /** Kills every open cursor, as the 10-minute idle timeout or a failover does: their next getMore fails. */
  killCursors (): void {
    for (const cursor of this.openCursors) (cursor as StandInCursor).kill()
    this.openCursors.clear()
  }

  /** The write of one document by `owner` (a transaction, or undefined): conflicts as the server's. */
  write (collection: string, id: string, owner: StandInSession | undefined): void {
    const key = `${collection}/${id}`
    const holder = this.locks.get(key)
    if (owner === undefined) {
      // on a server it would wait for a transaction holding the document; here it goes first
      this.versions.set(key, ++this.clock)
      return
    }
    const changedSince = holder === undefined && (this.versions.get(key) ?? 0) > owner.started
    if ((holder !== undefined && holder !== owner) || changedSince) throw writeConflict()
    this.locks.set(key, owner)
    this.versions.set(key, ++this.clock)
  }

  now (): number {
    return this.clock
  }

  /** Ends a transaction's hold on the documents it wrote. */
  release (owner: StandInSession): void {
    for (const [key, holder] of this.locks) if (holder === owner) this.locks.delete(key)
  }

  table (name: string): Table {
    let table = this.tables.get(name)
    if (table === undefined) this.tables.set(name, table = new Map())
    return table
  }

  takeWriteFailure (): { after: number, error: Error } | undefined {
    const failing = this.failing
    this.failing = undefined
    return failing
  }
}

class StandInDb implements DbLike {
  constructor (private readonly server: MongoStandIn) {}

  collection (name: string): CollectionLike {
    return strict(new StandInCollection(this.server, name), `collection ${name}`)
  }

  async command (command: Document): Promise<Document> {
    if (Object.keys(command).length !== 1 || command.ping !== 1) notImplemented(`command ${JSON.stringify(command)}`)
    this.server.call('ping')
    return { ok: 1 }
  }

  listCollections (filter: Document, options: { nameOnly: false }): { toArray: () => Promise<Document[]> } {
    if (Object.keys(filter).length > 0) notImplemented('a listCollections filter')
    checkOptions('listCollections', options, ['nameOnly'])
    const server = this.server
    return {
      async toArray () {
        server.call('listCollections')
        return [...server.tables.keys()].map(name => ({
          name, type: 'collection', options: server.collectionOptions.get(name) ?? {}
        }))
      }
    }
  }

  async createCollection (name: string, options: Document = {}): Promise<unknown> {
    checkOptions('createCollection', options, ['collation'])
    this.server.call('create')
    if (this.server.tables.has(name)) throw serverError(48, 'NamespaceExists', `Collection ${name} already exists.`)
    this.server.table(name)
    this.server.collectionOptions.set(name, options)
    return this.collection(name)
  }
}

class StandInCursor implements CursorLike {
  private results: Document[] | undefined
  private position = 0
  private buffer: Document[] = []
  private exhausted = false
  private closedByClient = false
  private killed = false
  private static ids = 0
  private readonly id = ++StandInCursor.ids

  constructor (private readonly server: MongoStandIn, private readonly command: string,
    private readonly produce: () => Document[], private readonly batchSize = 101,
    private readonly maxTimeMS?: number, private readonly signal?: AbortSignal) {
    // as the driver's cursor: an abort kills it
    signal?.addEventListener('abort', () => { this.close().catch(() => {}) }, { once: true })
  }

  kill (): void {
    this.killed = true
  }

  get closed (): boolean {
    return (this.exhausted || this.closedByClient) && this.buffer.length === 0
  }

  bufferedCount (): number {
    return this.buffer.length
  }

  async hasNext (): Promise<boolean> {
    this.signal?.throwIfAborted()
    if (this.buffer.length > 0) return true
    if (this.closed) return false
    // the first batch runs the command, later ones are getMores; results are fixed at the first
    const first = this.results === undefined
    this.server.call(first ? this.command : 'getMore')
    if (first) this.server.maxTimes.push(this.maxTimeMS)
    if (this.killed) throw cursorNotFound(this.id)
    await this.server.work(this.maxTimeMS, this.signal)
    this.results ??= this.produce()
    this.buffer = replyBatch(this.results, this.position, this.batchSize)
    for (const doc of this.buffer) this.server.replyBytes += BSON.calculateObjectSize(doc)
    this.position += this.buffer.length
    // like the server, close the cursor in the reply that reaches the end
    this.exhausted = this.position >= this.results.length
    if (this.exhausted) this.server.openCursors.delete(this)
    else this.server.openCursors.add(this)
    return this.buffer.length > 0
  }

  readBufferedDocuments (count = this.buffer.length): Document[] {
    return this.buffer.splice(0, count)
  }

  async toArray (): Promise<Document[]> {
    const all: Document[] = []
    while (await this.hasNext()) all.push(...this.readBufferedDocuments())
    return all
  }

  async close (): Promise<void> {
    this.closedByClient = true
    this.buffer = []
    this.server.openCursors.delete(this)
  }
}

/** A reply's documents: up to `batchSize`, and at most 16 MiB of them (at least one), as the server sends. */
function replyBatch (results: Document[], from: number, batchSize: number): Document[] {
  let bytes = 0
  let end = from
  while (end < results.length && end - from < batchSize) {
    const size = BSON.calculateObjectSize(results[end]!)
    if (end > from && bytes + size > MAX_BSON_SIZE) break
    bytes += size
    end++
  }
  return results.slice(from, end)
}

class StandInCollection implements CollectionLike {
  constructor (
    private readonly server: MongoStandIn,
    private readonly name: string
  ) {}

  /** A read of a collection that does not exist finds nothing, and does not create it. */
  private documents (name = this.name): Document[] {
    return [...(this.server.tables.get(name) ?? new Map()).values()].map(bytes => BSON.deserialize(bytes))
  }

  private matching (filter: Document, projection?: Document): Document[] {
    refuseScripts(filter)
    checkCommandSize({ filter })
    return new Query(filter, MINGO_OPTIONS).find(this.documents(), projection).all() as Document[]
  }

  async findOne (filter: Document, options: MongoReadOptions): Promise<Document | null> {
    checkOptions('findOne', options, ['maxTimeMS', 'signal'])
    this.server.call('find')
    this.server.maxTimes.push(options.maxTimeMS)
    await this.server.work(options.maxTimeMS, options.signal)
    return this.matching(filter)[0] ?? null
  }

  find (filter: Document, options: MongoReadOptions & { batchSize: number, projection?: Document }): CursorLike {
    checkOptions('find', options, ['batchSize', 'maxTimeMS', 'projection', 'signal'])
    const produce = (): Document[] => this.matching(filter, options.projection)
    const cursor = new StandInCursor(this.server, 'find', produce, options.batchSize,
      options.maxTimeMS, options.signal)
    return strict(cursor, 'find cursor')
  }

  aggregate (stages: Document[],
    options: MongoReadOptions & { batchSize?: number, allowDiskUse: boolean }): CursorLike {
    checkOptions('aggregate', options, ['batchSize', 'allowDiskUse', 'maxTimeMS', 'signal'])
    const indexes = new Map<string, Record<string, 1 | -1>>([['_id_', { _id: 1 }]])
    for (const [key, keys] of this.server.indexKeys) {
      if (key.startsWith(`${this.name}.`)) indexes.set(key.slice(this.name.length + 1), keys)
    }
    this.server.plans.push(planOf(stages, indexes))
    // like a server, it refuses a pipeline when running it, not when the cursor is made
    const run = (): Document[] => {
      refuseScripts(stages)
      checkCommandSize({ pipeline: stages })
      // $lookup and $unionWith read the other collections as they are when the pipeline runs
      const collectionResolver = (name: string): Document[] =>
        this.server.tables.has(name) ? this.documents(name) : []
      const results = new Aggregator(stages, { ...MINGO_OPTIONS, collectionResolver }).run(this.documents())
      results.forEach(checkResultSize)
      return results as Document[]
    }
    return strict(new StandInCursor(this.server, 'aggregate', run, options.batchSize, options.maxTimeMS,
      options.signal), 'aggregate cursor')
  }

  async bulkWrite (
    operations: ReplaceOneModel[] | DeleteOneModel[],
    options: { ordered: true, session?: SessionLike }
  ): Promise<{ deletedCount: number }> {
    checkOptions('bulkWrite', options, ['ordered', 'session'])
    if (options.ordered !== true) notImplemented('an unordered bulkWrite')
    if (
      options.session !== undefined &&
      !(options.session instanceof StandInSession && options.session.inTransaction)
    ) {
      notImplemented('a session outside a transaction')
    }
    // the driver checks every statement's size before it sends anything, and throws unwrapped
    for (const operation of operations as Array<ReplaceOneModel | DeleteOneModel>) {
      if ('replaceOne' in operation) {
        const { filter, replacement, upsert } = operation.replaceOne
        checkStatementSize({ q: filter, u: replacement, upsert })
      }
    }
    try {
      return this.applyBulkWrite(operations, options.session as StandInSession | undefined)
    } catch (error) {
      throw bulkWriteError(error)
    }
  }

  private applyBulkWrite (
    operations: ReplaceOneModel[] | DeleteOneModel[],
    session: StandInSession | undefined
  ): { deletedCount: number } {
    this.server.call('bulkWrite')
    const failing = this.server.takeWriteFailure()
    const table = this.server.table(this.name)
    const server = this.server
    const name = this.name
    const before = (id: string): void => {
      server.write(name, id, session)
      session?.remember(name, id, table.get(id))
    }
    let deletedCount = 0
    const remove = (filter: Document): number => this.remove(filter, 1, before).deletedCount
    const checkUnique = (doc: Document): void => this.checkUnique(doc)
    ;(operations as Array<ReplaceOneModel | DeleteOneModel>).forEach(function apply (operation, i) {
      if (failing !== undefined && i === failing.after) throw failing.error
      const keys = Object.keys(operation)
      if (keys.length === 1 && 'deleteOne' in operation) {
        deletedCount += remove(operation.deleteOne.filter)
        return
      }
      const model = (operation as ReplaceOneModel).replaceOne
      if (keys.length !== 1 || model === undefined || model.upsert !== true) {
        notImplemented(`write model ${keys.join()}`)
      }
      const id: unknown = model.filter._id
      if (Object.keys(model.filter).length !== 1 || typeof id !== 'string') {
        notImplemented(`replaceOne filter ${JSON.stringify(model.filter)}`)
      }
      if ('_id' in model.replacement || Object.keys(model.replacement).some(key => key.startsWith('$'))) {
        notImplemented('a replacement holding _id or operators')
      }
      checkUnique({ _id: id, ...model.replacement })
      before(id)
      table.set(id, BSON.serialize({ _id: id, ...model.replacement }))
    })
    return { deletedCount }
  }

  /** As a server's unique index: E11000 when another indexed document holds the same values. */
  private checkUnique (doc: Document): void {
    for (const index of this.server.uniqueIndexes.get(this.name) ?? []) {
      const indexed = new Query(index.partial, MINGO_OPTIONS)
      if (!indexed.test(doc)) continue
      const values = JSON.stringify(index.fields.map(field => doc[field]))
      const holder = this.documents().find(other => other._id !== doc._id && indexed.test(other) &&
        JSON.stringify(index.fields.map(field => other[field])) === values)
      if (holder !== undefined) throw duplicateKey(this.name, index.name)
    }
  }

  private remove (filter: Document, limit: number, before?: (id: string) => void): { deletedCount: number } {
    const table = this.server.table(this.name)
    const ids = this.matching(filter)
      .slice(0, limit)
      .map(doc => doc._id as string)
    for (const id of ids) {
      before?.(id)
      table.delete(id)
    }
    return { deletedCount: ids.length }
  }

  async deleteOne (filter: Document): Promise<{ deletedCount: number }> {
    this.server.call('delete')
    return this.remove(filter, 1, id => this.server.write(this.name, id, undefined))
  }

  async deleteMany (filter: Document): Promise<{ deletedCount: number }> {
    this.server.call('delete')
    return this.remove(filter, Infinity, id => this.server.write(this.name, id, undefined))
  }

  private createUnique (fields: string[], options: IndexOptions): void {
    const indexes = this.server.uniqueIndexes.get(this.name) ?? []
    if (indexes.some(index => index.name === options.name)) return
    const partial = options.partialFilterExpression!
    const seen = new Set<string>()
    for (const doc of new Query(partial, MINGO_OPTIONS).find(this.documents()).all() as Document[]) {
      const values = JSON.stringify(fields.map(field => doc[field]))
      if (seen.has(values)) throw duplicateKey(this.name, options.name)
      seen.add(values)
    }
    indexes.push({ name: options.name, fields, partial })
    this.server.uniqueIndexes.set(this.name, indexes)
  }

  async createIndex (keys: Record<string, 1 | -1>, options: IndexOptions): Promise<string> {
    checkOptions('createIndex', options, ['name', 'unique', 'partialFilterExpression', 'commitQuorum'])
    if (Object.values(keys).some(direction => direction !== 1 && direction !== -1)) {
      notImplemented(`index ${JSON.stringify(keys)}`)
    }
    if ((options.unique === undefined) !== (options.partialFilterExpression === undefined)) {
      notImplemented('a unique index without a partial filter, or a partial index that is not unique')
    }
    this.server.call('createIndexes')
    if (options.unique === true) this.createUnique(Object.keys(keys), options)
    const names = this.server.indexes.get(this.name) ?? []
    const same = (other: object): boolean => JSON.stringify(other) === JSON.stringify(keys)
    const clash = names.find(name => name !== options.name && same(this.server.indexKeys.get(`${this.name}.${name}`)!))
    // as the server: the same keys under another name, or the name on other keys, are refused
    if (clash !== undefined) {
      throw serverError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${clash}`)
    }
    const named = this.server.indexKeys.get(`${this.name}.${options.name}`)
    if (named !== undefined && !same(named)) {
      throw serverError(86, 'IndexKeySpecsConflict', 'An existing index has the same name as the requested index')
    }
    if (!names.includes(options.name)) names.push(options.name)
    this.server.indexes.set(this.name, names)
    this.server.indexKeys.set(`${this.name}.${options.name}`, { ...keys })
    this.server.table(this.name)
    return options.name
  }

  listIndexes (): { toArray: () => Promise<Document[]> } {
    const server = this.server
    const name = this.name
    return {
      async toArray () {
        server.call('listIndexes')
        if (!server.tables.has(name)) throw serverError(26, 'NamespaceNotFound', `ns does not exist: ${name}`)
        const named = (server.indexes.get(name) ?? [])
          .map(index => ({ name: index, key: server.indexKeys.get(`${name}.${index}`) }))
        return [{ name: '_id_', key: { _id: 1 } }, ...named]
      }
    }
  }
}

function duplicateKey (collection: string, index: string): MongoServerError {
  const message = `E11000 duplicate key error collection: ${collection} index: ${index}`
  return new MongoServerError({ message, code: 11000 })
}

class StandInSession implements SessionLike {
  /** Per collection, the documents this transaction changed as they were before it (undefined: absent). */
  private undo: Map<string, Map<string, Uint8Array | undefined>> | undefined
  /** The server's clock when the transaction started: later writes by others conflict with its own. */
  started = 0

  constructor (private readonly server: MongoStandIn) {}

  get inTransaction (): boolean {
    return this.undo !== undefined
  }

  startTransaction (options: { maxCommitTimeMS?: number } = {}): void {
    checkOptions('startTransaction', options, ['maxCommitTimeMS'])
    this.server.commitTimes.push(options.maxCommitTimeMS)
    if (this.undo !== undefined) notImplemented('a nested transaction')
    this.undo = new Map()
    this.started = this.server.now()
  }

  /** Called before the transaction changes a document: keeps its first version. */
  remember (collection: string, id: string, previous: Uint8Array | undefined): void {
    let changed = this.undo!.get(collection)
    if (changed === undefined) this.undo!.set(collection, changed = new Map())
    if (!changed.has(id)) changed.set(id, previous)
  }

  async commitTransaction (): Promise<unknown> {
    if (this.undo === undefined) notImplemented('commit outside a transaction')
    // the commit is a round trip: others' writes can come between the last write and it
    await new Promise(resolve => setImmediate(resolve))
    this.server.call('commitTransaction')
    this.undo = undefined
    this.server.release(this)
    return { ok: 1 }
  }

  async abortTransaction (): Promise<unknown> {
    if (this.undo === undefined) notImplemented('abort outside a transaction')
    const undo = this.undo
    this.undo = undefined
    this.server.release(this)
    for (const [name, changed] of undo) {
      const table = this.server.table(name)
      for (const [id, previous] of changed) {
        if (previous === undefined) table.delete(id)
        else table.set(id, previous)
      }
    }
    return { ok: 1 }
  }

  async endSession (): Promise<void> {
    // the driver aborts a transaction left open when its session ends
    if (this.undo !== undefined) await this.abortTransaction()
  }
}

class StandInClient implements ClientLike {
  closed = false

  constructor (private readonly server: MongoStandIn) {}

  startSession (): SessionLike {
    if (this.closed) notImplemented('a session on a closed client')
    return strict(new StandInSession(this.server), 'session')
  }

  async close (): Promise<void> {
    this.closed = true
  }
}
