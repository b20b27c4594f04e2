// The MongoDB store: one collection per entity, the entity id in `_id`, an index on every ref
// property. Every Store call is one driver round trip (a transaction's commit aside), counted by
// the frame; a call that needs more (ids past the chunk bound, a reply past 16 MiB) counts each
// further one. Streams read one driver cursor batch by batch and close it when the consumer
// stops. Written against the driver surface in driver-surface.ts, so tests can run it on an
// in-process stand-in.
import { StoreUnavailableError } from '../../errors.js'
import { boundedTotal, countCap } from '../bounded-count.js'
import { EntityTables } from '../frame/entity-tables.js'
import { FramedStore } from '../frame/framed-store.js'
import type { Batch, Call, LinkWrite, StoreAdapter } from '../frame/store-adapter.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, RefQuery, RefResult, ResolvedLink, Store,
  StoreEntity, StoreOptions, StreamQuery
} from '../store.js'
import type {
  ClientLike, CollectionLike, CursorLike, Document, DbLike, MongoReadOptions, ReplaceOneModel, SessionLike
} from './driver-surface.js'
import { linkConflict } from '../links.js'
import {
  createLinkIndexes, fromLinkDoc, LINKS_COLLECTION, linkDoc, linkDocId, linksPagePipeline, resolvePipeline
} from './mongo-links.js'
import { MAX_ID_BYTES, idChunks } from './id-chunks.js'
import { fromStored, prepareDoc } from './mongo-documents.js'
import { setUpCollections } from './mongo-setup.js'
import { isTransient, isUnknownCommit, storeError } from './mongo-errors.js'
import { storedPath } from './mongo-filter.js'
import { filterStages, type CheckRef } from './mongo-relations.js'
import { indexedProperties } from '../semi-join.js'
import { isUniqueViolation } from './mongo-unique.js'
import { sortStages } from './mongo-order.js'
import { countByRefsPipeline, findByRefsPipeline, findPipeline } from './pipelines.js'

export interface MongoStoreSettings {
  /** Run each upsertMany in a transaction (replica sets and sharded clusters only). */
  transactions: boolean
  /** Most ids in one `$in`; longer lists take one round trip per chunk. */
  maxIdsPerQuery: number
}

export const DEFAULT_STORE_SETTINGS: MongoStoreSettings = { transactions: false, maxIdsPerQuery: 20_000 }

/** A call's time budget when the options give none (STORE_TIMEOUT_MS sets it in the app). */
const DEFAULT_TIME_LIMIT_MS = 5000

/** One entity's collection, and its name for messages. */
export interface MongoTable {
  name: string
  collection: CollectionLike
}

export class MongoAdapter implements StoreAdapter<MongoTable> {
  readonly kind = 'mongodb'
  readonly tables: EntityTables<MongoTable>
  /**
   * Each read's `maxTimeMS`, each commit's `maxCommitTimeMS` and the time transient transaction
   * errors are retried within: the call's own budget, so the server stops when the caller does.
   */
  private readonly limit: { maxTimeMS: number }

  constructor (private readonly db: DbLike, options: StoreOptions,
    private readonly settings: MongoStoreSettings = DEFAULT_STORE_SETTINGS, private readonly client?: ClientLike) {
    this.tables = new EntityTables(this.kind, options.entities,
      ({ name }) => ({ name, collection: db.collection(name) }))
    this.limit = { maxTimeMS: options.timeoutMs ?? DEFAULT_TIME_LIMIT_MS }
  }

  readonly fault = storeError
  readonly isUniqueViolation = isUniqueViolation

  /** Children are read and joined only through declared references, which have their index. */
  private readonly checkRef: CheckRef = {
    check: (entity, refProperty) => { this.tables.withRef(entity, refProperty) },
    indexed: entity => indexedProperties(this.tables.refs(entity))
  }

  /**
   * Every document of a cursor. Its first server batch is the round trip the frame counted; each
   * further one (a reply cut at 16 MiB) is counted here.
   */
  private async drain (cursor: CursorLike, call: Call): Promise<Document[]> {
    const all: Document[] = []
    for (let first = true; await cursor.hasNext(); first = false) {
      if (!first) call.again()
      all.push(...cursor.readBufferedDocuments())
    }
    return all
  }

  /**
   * A read's server time limit, and the caller's signal: the driver aborts the command in flight
   * when it aborts (closing its connection, on which the server kills the operation) and kills
   * the cursor, so a caller that went away or ran out of time stops the server's work.
   */
  private reading (call: Call): MongoReadOptions {
    return call.signal === undefined ? this.limit : { ...this.limit, signal: call.signal }
  }

  async get ({ collection }: MongoTable, id: string, call: Call): Promise<Doc | undefined> {
    const found = await collection.findOne({ _id: id }, this.reading(call))
    return found === null ? undefined : fromStored(found)
  }

  async getMany ({ collection }: MongoTable, ids: readonly string[], call: Call): Promise<Doc[]> {
    const found: Document[] = []
    for (const [index, chunk] of idChunks(ids, this.settings.maxIdsPerQuery).entries()) {
      if (index > 0) call.again()
      // one more than can match, so the server sees the end and closes the cursor in its reply
      const cursor = collection.find({ _id: { $in: chunk } }, { ...this.reading(call), batchSize: chunk.length + 1 })
      found.push(...(await this.drain(cursor, call)))
    }
    return found.map(fromStored)
  }

  /** Through the key's unique index; `$in` matches by type, as the other stores do. */
  async getManyByKey ({ collection }: MongoTable, property: string, values: ReadonlyArray<string | number>,
    call: Call): Promise<Doc[]> {
    const found: Document[] = []
    for (const [index, chunk] of idChunks(values, this.settings.maxIdsPerQuery).entries()) {
      if (index > 0) call.again()
      const cursor = collection.find({ [property]: { $in: chunk } }, { ...this.limit, batchSize: chunk.length + 1 })
      found.push(...(await this.drain(cursor, call)))
    }
    return found.map(fromStored)
  }

  async find ({ name, collection }: MongoTable, query: FindQuery, call: Call): Promise<FindResult> {
    const pipeline = findPipeline(
      name,
      filterStages(query.filter, this.checkRef),
      sortStages(query.sort, query.after),
      query.page,
      query.size,
      countCap(query.countLimit)
    )
    // the page and the count row fit one reply unless they pass 16 MiB; one more closes the cursor
    const options = { ...this.reading(call), batchSize: query.size + 2, allowDiskUse: true }
    const rows = await this.drain(collection.aggregate(pipeline, options), call)
    // stored documents all have an _id; the count row has none
    const items = rows.filter(row => '_id' in row)
    const total = rows.find(row => !('_id' in row))?.total as number | undefined
    return { items: items.map(fromStored), ...boundedTotal(total ?? 0, query.countLimit) }
  }

  /** One round trip, or one per list of parent ids when they pass MAX_ID_BYTES / 2 (the pipeline holds them twice). */
  async findByRefs ({ name, collection }: MongoTable, refProperty: string, ids: readonly string[], query: RefQuery,
    call: Call): Promise<RefResult> {
    const items: Doc[] = []
    const totals = new Map<string, number>()
    for (const [index, chunk] of idChunks(ids, Infinity, MAX_ID_BYTES / 2).entries()) {
      if (index > 0) call.again()
      const pipeline = findByRefsPipeline(name, refProperty, chunk, query.perRefLimit, query.sort)
      // every row fits one reply unless they pass 16 MiB; one more than can come closes the cursor
      const batchSize = Math.min(chunk.length * (query.perRefLimit + 1), 100_000) + 1
      const options = { ...this.reading(call), batchSize, allowDiskUse: true }
      for (const row of await this.drain(collection.aggregate(pipeline, options), call)) {
        if ('children' in row) totals.set(row._id as string, row.children as number)
        else items.push(fromStored(row.doc as Document))
      }
    }
    return { items, totals }
  }

  /** Counted from the ref index's matches; chunked as getMany. */
  async countByRefs ({ collection }: MongoTable, refProperty: string, ids: readonly string[],
    call: Call): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    for (const [index, chunk] of idChunks(ids, Infinity).entries()) {
      if (index > 0) call.again()
      const pipeline = countByRefsPipeline(refProperty, chunk)
      const options = { ...this.reading(call), batchSize: chunk.length + 1, allowDiskUse: true }
      const rows = await this.drain(collection.aggregate(pipeline, options), call)
      for (const row of rows) counts.set(row._id as string, row.children as number)
    }
    return counts
  }

  // One cursor whose server batches are the stream's batches; closing it (finally) is what
  // stops the server's work when the consumer stops, e.g. because the HTTP client went away.
  async * stream ({ name, collection }: MongoTable, query: StreamQuery, call: Call): AsyncGenerator<Batch, void> {
    const pipeline = [...filterStages(query.filter, this.checkRef), ...sortStages(query.sort, query.after)]
    const signal = call.signal === undefined ? {} : { signal: call.signal }
    const cursor = collection.aggregate(pipeline, { ...signal, batchSize: query.batchSize, allowDiskUse: true })
    let sent = 0
    try {
      while (true) {
        const docs = await cursor.hasNext().then(
          more => more ? cursor.readBufferedDocuments(query.batchSize) : [],
          (error: unknown) => { throw sent === 0 ? error : resumable(storeError(error, `stream of '${name}'`), sent) }
        )
        sent += docs.length
        // the server closes the cursor in the reply that reaches the end
        yield { docs: docs.map(fromStored), last: docs.length === 0 || cursor.closed }
      }
    } finally {
      await cursor.close().catch(() => undefined)
    }
  }

  /**
   * With links, the keys are read first and a key held by another id refuses the write before
   * anything is sent; the missing links are then written with the documents (in the same
   * transaction where the server has them; without, links first, as documents are not atomic).
   */
  async upsertMany ({ collection }: MongoTable, docs: readonly Doc[], call: Call, linked?: LinkWrite): Promise<Doc[]> {
    // every document is checked before the first is sent
    const prepared = docs.map(prepareDoc)
    const added = linked === undefined ? [] : await this.newLinks(linked, call)
    if (prepared.length === 0 && added.length === 0) return prepared.map(({ doc }) => doc)
    const operations = prepared.map(({ id, fields }) => ({
      replaceOne: { filter: { _id: id }, replacement: fields, upsert: true }
    }))
    const links = this.db.collection(LINKS_COLLECTION)
    const write = async (session?: SessionLike) => {
      const options = session === undefined ? { ordered: true as const } : { ordered: true as const, session }
      if (added.length > 0) await links.bulkWrite(added, options)
      if (operations.length > 0) await collection.bulkWrite(operations, options)
    }
    if (!this.settings.transactions || this.client === undefined) await write()
    else await this.inTransaction(this.client, write)
    return prepared.map(({ doc }) => doc)
  }

  /** The writes of the links not stored yet (one more round trip); throws for a key held by another id. */
  private async newLinks ({ entity, links }: LinkWrite, call: Call): Promise<ReplaceOneModel[]> {
    call.again()
    const ids = links.map(link => linkDocId(entity, link))
    const held = new Map<string, string>()
    const cursor = this.db.collection(LINKS_COLLECTION).find({ _id: { $in: ids } }, {
      ...this.limit, batchSize: ids.length + 1
    })
    for (const doc of await cursor.toArray()) held.set(doc._id as string, doc.id as string)
    return links.flatMap((link, i) => {
      const id = held.get(ids[i]!)
      if (id !== undefined && id !== link.id) throw linkConflict(link, id)
      if (id !== undefined) return []
      return [{ replaceOne: { filter: { _id: ids[i]! }, replacement: linkDoc(entity, link), upsert: true } }]
    })
  }

  async resolveLinks (_table: MongoTable, entity: string, keys: readonly LinkKey[], call: Call):
  Promise<ResolvedLink[]> {
    const links = this.db.collection(LINKS_COLLECTION)
    const options = { ...this.limit, batchSize: keys.length + 1, allowDiskUse: false }
    const found = await this.drain(links.aggregate(resolvePipeline(entity, keys), options), call)
    return found.map(doc => ({ ...fromLinkDoc(doc), exists: doc.exists === true }))
  }

  async findLinks (entity: string, query: LinkQuery, call: Call): Promise<{ items: IdentityLink[], total: number }> {
    const links = this.db.collection(LINKS_COLLECTION)
    const options = { ...this.limit, allowDiskUse: true }
    const [result] = await this.drain(links.aggregate(linksPagePipeline(entity, query), options), call)
    const total = ((result?.total as Document[] | undefined)?.[0]?.n as number | undefined) ?? 0
    return { items: ((result?.items as Document[] | undefined) ?? []).map(fromLinkDoc), total }
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    const ids = keys.map(key => linkDocId(entity, key))
    return (await this.db.collection(LINKS_COLLECTION).deleteMany({ _id: { $in: ids } })).deletedCount
  }

  /**
   * Runs `work` in a transaction, again while it fails with a TransientTransactionError (a write
   * conflict with another transaction, a failover) and commits again while the commit's outcome
   * is unknown, as the driver's withTransaction does, but within the call's time budget rather
   * than withTransaction's two minutes: past it the last error answers 503.
   */
  private async inTransaction<T> (client: ClientLike, work: (session: SessionLike) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.limit.maxTimeMS
    for (let attempt = 1; ; attempt++) {
      const session = client.startSession()
      try {
        session.startTransaction({ maxCommitTimeMS: this.limit.maxTimeMS })
        let result: T
        try {
          result = await work(session)
        } catch (error) {
          await session.abortTransaction().catch(() => undefined)
          throw error
        }
        await commit(session, deadline)
        return result
      } catch (error) {
        if (!isTransient(error) || Date.now() >= deadline) throw error
      } finally {
        await session.endSession()
      }
      // a little random back-off, growing, so that two conflicting writers do not meet again
      await new Promise(resolve => setTimeout(resolve, Math.random() * Math.min(attempt * 5, 50)))
    }
  }

  async delete ({ collection }: MongoTable, id: string): Promise<boolean> {
    const { deletedCount } = await collection.deleteOne({ _id: id })
    return deletedCount > 0
  }

  async deleteMany ({ collection }: MongoTable, ids: readonly string[], call: Call): Promise<number> {
    let deleted = 0
    for (const [index, chunk] of idChunks(ids, this.settings.maxIdsPerQuery).entries()) {
      if (index > 0) call.again()
      deleted += (await collection.deleteMany({ _id: { $in: chunk } })).deletedCount
    }
    return deleted
  }

  /**
   * Reads which sources are still the version to move, then deletes them (guarded by `rev`) and
   * upserts their documents: one compare-and-move, counted as one round trip like a transaction
   * (its read and its writes are separate commands). With transactions both writes commit
   * together, and a guarded delete that finds fewer documents than read (another process moved
   * them first) aborts the batch. Without transactions the upserts go first: a failure in between
   * leaves the records in `from`, to be moved again later as the same documents, so nothing is
   * lost, but a process racing another may upsert a record the other moved too (the same
   * document, twice).
   */
  async moveMany (source: MongoTable, target: MongoTable, moves: readonly Move[], call: Call): Promise<string[]> {
    // A record deleted, written again or moved by another caller between the read of the
    // revisions and the transaction aborts it: read them again and move what is still to move.
    for (let attempt = 1; attempt <= MOVE_ATTEMPTS; attempt++) {
      // each new attempt is another compare-and-move
      if (attempt > 1) call.again()
      const moved = await this.moveOnce(source.collection, target.collection, moves)
      if (moved !== undefined) return moved
    }
    throw new StoreUnavailableError(`mongodb store: moveMany from '${source.name}': other writers kept changing ` +
      `these records during ${MOVE_ATTEMPTS} attempts; retry`)
  }

  /** The ids moved, or undefined when another caller changed one of them meanwhile (nothing moved). */
  private async moveOnce (source: CollectionLike, target: CollectionLike,
    moves: readonly Move[]): Promise<string[] | undefined> {
    const prepared = moves.map((move, index) => ({ move, ...prepareDoc(move.doc, index) }))
    const ids = [...new Set(moves.map(move => move.id))]
    const found = ids.length === 0
      ? []
      : await source.find({ _id: { $in: ids } },
        { ...this.limit, batchSize: ids.length + 1, projection: { rev: 1 } }).toArray()
    const revs = new Map(found.map(doc => [doc._id as string, doc.rev]))
    const ready = prepared.filter(({ move }) => revs.get(move.id) === move.rev)
    if (ready.length === 0) return []
    const deletes = ready.map(({ move }) => ({ deleteOne: { filter: { _id: move.id, rev: move.rev } } }))
    const upserts = ready.map(({ id, fields }) => ({
      replaceOne: { filter: { _id: id }, replacement: fields, upsert: true }
    }))
    if (!this.settings.transactions || this.client === undefined) {
      await target.bulkWrite(upserts, { ordered: true })
      await source.bulkWrite(deletes, { ordered: true })
      return ready.map(({ move }) => move.id)
    }
    try {
      await this.inTransaction(this.client, async session => {
        const { deletedCount } = await source.bulkWrite(deletes, { ordered: true, session })
        if (deletedCount !== ready.length) throw new MoveConflict()
        return await target.bulkWrite(upserts, { ordered: true, session })
      })
      return ready.map(({ move }) => move.id)
    } catch (error) {
      if (error instanceof MoveConflict) return undefined
      throw error
    }
  }

  async ping (): Promise<void> {
    await this.db.command({ ping: 1 })
  }

  /** MongoDB takes no store-wide write lock: the driver routes writes to the primary it finds, so no writeStatus. */
  async close (): Promise<void> {
    await this.client?.close()
  }
}

/**
 * A stream's cursor lost after some documents went out (killed after 10 idle minutes, or by a
 * failover): 503 like any outage, saying how to go on from the last document received.
 */
function resumable (error: unknown, sent: number): unknown {
  if (!(error instanceof StoreUnavailableError)) return error
  const hint = `; the stream stopped after ${sent} documents: resume it with after=<the cursor of the last line ` +
    'received> (cursor=true gives each line its cursor)'
  return new StoreUnavailableError(`${error.detail}${hint}`, { cause: error, reason: error.reason })
}

/** Commits, again while the outcome is unknown (the server may have committed: a commit is idempotent). */
async function commit (session: SessionLike, deadline: number): Promise<void> {
  while (true) {
    try {
      await session.commitTransaction()
      return
    } catch (error) {
      if (!isUnknownCommit(error) || Date.now() >= deadline) throw error
    }
  }
}

/** Reads and transactions a moveMany tries before it gives up on records others keep changing. */
const MOVE_ATTEMPTS = 5

/** Aborts a move's transaction: a record was no longer the version read. */
class MoveConflict extends Error {}

function checkEntity (entity: StoreEntity): void {
  for (const property of entity.refProperties) {
    if (storedPath(property).stored.includes('.')) {
      throw new Error(`mongodb store: ref property '${property}' must be a top-level property`)
    }
  }
}

/**
 * A store on an open database (the driver's Db, or a stand-in): checks the entities, and makes
 * sure of their collections and of every ref property's index, so that child lookups never scan
 * a collection (mongo-setup.ts).
 */
export async function createMongoStore (db: DbLike, options: StoreOptions,
  settings: Partial<MongoStoreSettings> = {}, client?: ClientLike): Promise<Store> {
  options.entities.forEach(checkEntity)
  const full = { ...DEFAULT_STORE_SETTINGS, ...settings }
  try {
    await createLinkIndexes(db.collection(LINKS_COLLECTION))
    await setUpCollections(db, options.entities, full.transactions)
  } catch (error) {
    throw storeError(error, 'creating the collections and indexes')
  }
  return new FramedStore(new MongoAdapter(db, options, full, client), options)
}
