// The MongoDB store: one collection per entity, the entity id in `_id`, an index on every ref
// property. Every Store call is one driver round trip (a transaction's commit aside), counted
// once per fetch of a server batch; streams read one driver cursor batch by batch and close it
// when the consumer stops. Written against the driver surface in driver-surface.ts, so tests
// can run it on an in-process stand-in.
import { StoreUnavailableError } from '../../errors.js'
import { checkAfter, checkBatchSize, checkLimit, checkPage } from '../keyset.js'
import type {
  Doc, FindQuery, Move, FindResult, IdentityLink, LinkKey, LinkQuery, RefQuery, RefResult, ResolvedLink, SortKey, Store,
  StoreEntity, StoreOptions, StreamQuery, WriteStatus
} from '../store.js'
import { checkLinkQuery, distinctLinks, linkConflict } from '../links.js'
import {
  createLinkIndexes, fromLinkDoc, LINKS_COLLECTION, linkDoc, linkDocId, linksPagePipeline, resolvePipeline
} from './mongo-links.js'
import type {
  ClientLike, CollectionLike, CursorLike, Document, DbLike, ReplaceOneModel, SessionLike
} from './driver-surface.js'
import { fromStored, prepareDoc } from './mongo-documents.js'
import { storeError } from './mongo-errors.js'
import { storedPath } from './mongo-filter.js'
import { filterStages, type CheckRef } from './mongo-relations.js'
import { indexedProperties } from '../semi-join.js'
import { sortStages } from './mongo-order.js'
import { countByRefsPipeline, findByRefsPipeline, findPipeline } from './pipelines.js'

export interface MongoStoreSettings {
  /** Run each upsertMany in a transaction (replica sets and sharded clusters only). */
  transactions: boolean
  /** Most ids in one `$in`; longer lists take one round trip per chunk. */
  maxIdsPerQuery: number
}

export const DEFAULT_STORE_SETTINGS: MongoStoreSettings = { transactions: false, maxIdsPerQuery: 20_000 }

function chunks<T> (items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size))
  // an empty list is still asked for, so that round trips count the same in every store
  return result.length === 0 ? [[]] : result
}

export class MongoStore implements Store {
  readonly kind = 'mongodb'
  private readonly refs = new Map<string, ReadonlySet<string>>()
  private closed = false

  constructor (private readonly db: DbLike, private readonly options: StoreOptions,
    private readonly settings: MongoStoreSettings = DEFAULT_STORE_SETTINGS, private readonly client?: ClientLike) {
    for (const entity of options.entities) this.refs.set(entity.name, new Set(entity.refProperties))
  }

  /** Children are read and joined only through declared references, which have their index. */
  private readonly checkRef: CheckRef = {
    check: (entity, refProperty) => {
      if (!this.refs.has(entity)) throw new Error(`mongodb store: unknown entity '${entity}'`)
      if (!this.refs.get(entity)!.has(refProperty)) {
        throw new Error(`mongodb store: '${refProperty}' is not a declared ref property of '${entity}'`)
      }
    },
    indexed: entity => indexedProperties(this.refs.get(entity) ?? [])
  }

  private collection (entity: string): CollectionLike {
    // entities come from the model, never from a request: an unknown one is a bug
    if (!this.refs.has(entity)) throw new Error(`mongodb store: unknown entity '${entity}'`)
    return this.db.collection(entity)
  }

  private unavailable (what: string): StoreUnavailableError {
    return new StoreUnavailableError(`mongodb store: ${what} failed: the store is closed`)
  }

  /** Runs one round trip: counted once, with server faults turned into StoreUnavailableError. */
  private async run<T> (entity: string, op: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw this.unavailable(`${op} on '${entity}'`)
    this.options.onQuery?.(entity, op)
    try {
      return await work()
    } catch (error) {
      throw storeError(error, `${op} on '${entity}'`)
    }
  }

  /** The next server batch of a cursor, one counted round trip; empty when the cursor is done. */
  private async fetch (entity: string, op: string, cursor: CursorLike, count?: number): Promise<Document[]> {
    if (this.closed) throw this.unavailable(`${op} on '${entity}'`)
    if (cursor.bufferedCount() === 0) {
      if (cursor.closed) return []
      if (!await this.run(entity, op, async () => await cursor.hasNext())) return []
    }
    return cursor.readBufferedDocuments(count)
  }

  private async drain (entity: string, op: string, cursor: CursorLike): Promise<Document[]> {
    const all: Document[] = []
    for (
      let batch = await this.fetch(entity, op, cursor);
      batch.length > 0;
      batch = await this.fetch(entity, op, cursor)
    ) {
      all.push(...batch)
    }
    return all
  }

  async get (entity: string, id: string): Promise<Doc | undefined> {
    const collection = this.collection(entity)
    const found = await this.run(entity, 'get', async () => await collection.findOne({ _id: id }))
    return found === null ? undefined : fromStored(found)
  }

  async getMany (entity: string, ids: readonly string[]): Promise<Doc[]> {
    const collection = this.collection(entity)
    const found: Document[] = []
    for (const chunk of chunks([...new Set(ids)], this.settings.maxIdsPerQuery)) {
      // one more than can match, so the server sees the end and closes the cursor in its reply
      found.push(
        ...(await this.drain(
          entity,
          'getMany',
          collection.find({ _id: { $in: chunk } }, { batchSize: chunk.length + 1 })
        ))
      )
    }
    return found.map(fromStored)
  }

  async find (entity: string, query: FindQuery): Promise<FindResult> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    const collection = this.collection(entity)
    const pipeline = findPipeline(
      filterStages(query.filter, this.checkRef),
      sortStages(query.sort, query.after),
      query.page,
      query.size
    )
    const [result] = await this.drain(entity, 'find', collection.aggregate(pipeline, { allowDiskUse: true }))
    return {
      items: ((result?.items as Document[] | undefined) ?? []).map(fromStored),
      total: (result?.total as number) ?? 0
    }
  }

  async findByRefs (entity: string, refProperty: string, ids: readonly string[], query: RefQuery): Promise<RefResult> {
    checkLimit(query.perRefLimit)
    const collection = this.collection(entity)
    this.checkRef.check(entity, refProperty)
    const unique = [...new Set(ids)]
    const pipeline = findByRefsPipeline(refProperty, unique, query.perRefLimit, query.sort)
    // every row fits one reply unless it passes 16 MiB; one more than can come closes the cursor
    const batchSize = Math.min(unique.length * Math.max(query.perRefLimit, 1), 100_000) + 1
    const rows = await this.drain(
      entity,
      'findByRefs',
      collection.aggregate(pipeline, { batchSize, allowDiskUse: true })
    )
    const items: Doc[] = []
    const totals = new Map<string, number>()
    for (const row of rows) {
      totals.set(row.ref as string, row.children as number)
      if ((row.position as number) <= query.perRefLimit) items.push(fromStored(row.doc as Document))
    }
    return { items, totals }
  }

  async countByRefs (entity: string, refProperty: string, ids: readonly string[]): Promise<Map<string, number>> {
    const collection = this.collection(entity)
    this.checkRef.check(entity, refProperty)
    const unique = [...new Set(ids)]
    const rows = await this.drain(
      entity,
      'countByRefs',
      collection.aggregate(countByRefsPipeline(refProperty, unique), {
        batchSize: unique.length + 1,
        allowDiskUse: true
      })
    )
    return new Map(rows.map(row => [row._id as string, row.children as number]))
  }

  stream (entity: string, query: StreamQuery): AsyncIterable<Doc[]> {
    return this.batches(entity, query)
  }

  // One cursor whose server batches are the stream's batches; closing it (finally) is what
  // stops the server's work when the consumer stops, e.g. because the HTTP client went away.
  private async * batches (entity: string, query: StreamQuery): AsyncGenerator<Doc[]> {
    checkBatchSize(query.batchSize)
    checkAfter(query.after, query.sort)
    const collection = this.collection(entity)
    const pipeline = [...filterStages(query.filter, this.checkRef), ...sortStages(query.sort, query.after)]
    const cursor = collection.aggregate(pipeline, { batchSize: query.batchSize, allowDiskUse: true })
    try {
      while (true) {
        const batch = await this.fetch(entity, 'stream', cursor, query.batchSize)
        if (batch.length === 0) return
        yield batch.map(fromStored)
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
  async upsertMany (entity: string, docs: readonly Doc[], links: readonly IdentityLink[] = []): Promise<Doc[]> {
    const collection = this.collection(entity)
    // every document is checked before the first is sent
    const prepared = docs.map(prepareDoc)
    const distinct = distinctLinks(links)
    if (prepared.length === 0 && distinct.length === 0) return []
    const operations = prepared.map(({ id, fields }) => ({
      replaceOne: { filter: { _id: id }, replacement: fields, upsert: true }
    }))
    const linkCollection = this.db.collection(LINKS_COLLECTION)
    await this.run(entity, 'upsertMany', async () => {
      const added = await this.newLinks(entity, distinct)
      const write = async (session?: SessionLike) => {
        const options = session === undefined ? { ordered: true as const } : { ordered: true as const, session }
        if (added.length > 0) await linkCollection.bulkWrite(added, options)
        if (operations.length > 0) await collection.bulkWrite(operations, options)
      }
      if (!this.settings.transactions || this.client === undefined) return await write()
      return await this.inTransaction(this.client, write)
    })
    return prepared.map(({ doc }) => doc)
  }

  /** The writes of the links not stored yet; throws LinkConflictError for a key held by another id. */
  private async newLinks (entity: string, links: readonly IdentityLink[]): Promise<ReplaceOneModel[]> {
    if (links.length === 0) return []
    const ids = links.map(link => linkDocId(entity, link))
    const held = new Map<string, string>()
    const cursor = this.db.collection(LINKS_COLLECTION).find({ _id: { $in: ids } }, { batchSize: ids.length + 1 })
    for (const doc of await cursor.toArray()) held.set(doc._id as string, doc.id as string)
    return links.flatMap((link, i) => {
      const id = held.get(ids[i]!)
      if (id !== undefined && id !== link.id) throw linkConflict(link, id)
      if (id !== undefined) return []
      return [{ replaceOne: { filter: { _id: ids[i]! }, replacement: linkDoc(entity, link), upsert: true } }]
    })
  }

  async resolveLinks (entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    this.collection(entity)
    const links = this.db.collection(LINKS_COLLECTION)
    const cursor = links.aggregate(resolvePipeline(entity, keys), { allowDiskUse: false })
    const found = await this.drain(entity, 'resolveLinks', cursor)
    return found.map(doc => ({ ...fromLinkDoc(doc), exists: doc.exists === true }))
  }

  async findLinks (entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    checkLinkQuery(query)
    this.collection(entity)
    const links = this.db.collection(LINKS_COLLECTION)
    const cursor = links.aggregate(linksPagePipeline(entity, query), { allowDiskUse: true })
    const [result] = await this.drain(entity, 'findLinks', cursor)
    const total = ((result?.total as Document[] | undefined)?.[0]?.n as number | undefined) ?? 0
    return { items: ((result?.items as Document[] | undefined) ?? []).map(fromLinkDoc), total }
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    this.collection(entity)
    const links = this.db.collection(LINKS_COLLECTION)
    const ids = keys.map(key => linkDocId(entity, key))
    const remove = async () => await links.deleteMany({ _id: { $in: ids } })
    const { deletedCount } = await this.run(entity, 'deleteLinks', remove)
    return deletedCount
  }

  // Explicit start/commit rather than withTransaction: that helper retries for up to two
  // minutes, while a request should fail fast with 503 and let its client retry.
  private async inTransaction<T> (client: ClientLike, work: (session: SessionLike) => Promise<T>): Promise<T> {
    const session = client.startSession()
    try {
      session.startTransaction()
      let result: T
      try {
        result = await work(session)
      } catch (error) {
        await session.abortTransaction().catch(() => undefined)
        throw error
      }
      await session.commitTransaction()
      return result
    } finally {
      await session.endSession()
    }
  }

  async delete (entity: string, id: string): Promise<boolean> {
    const collection = this.collection(entity)
    const { deletedCount } = await this.run(entity, 'delete', async () => await collection.deleteOne({ _id: id }))
    return deletedCount > 0
  }

  async deleteMany (entity: string, ids: readonly string[]): Promise<number> {
    const collection = this.collection(entity)
    let deleted = 0
    for (const chunk of chunks([...new Set(ids)], this.settings.maxIdsPerQuery)) {
      deleted += (
        await this.run(entity, 'deleteMany', async () => await collection.deleteMany({ _id: { $in: chunk } }))
      ).deletedCount
    }
    return deleted
  }

  /**
   * Reads which sources are still the version to move, then deletes them (guarded by `rev`) and
   * upserts their documents. With transactions both writes commit together, and a guarded delete
   * that finds fewer documents than read (another process moved them first) aborts the batch.
   * Without transactions the upserts go first: a failure in between leaves the records in `from`,
   * to be moved again later as the same documents, so nothing is lost, but a process racing
   * another may upsert a record the other moved too (the same document, twice).
   */
  async moveMany (from: string, to: string, moves: readonly Move[]): Promise<string[]> {
    // A record deleted, written again or moved by another caller between the read of the
    // revisions and the transaction aborts it: read them again and move what is still to move.
    for (let attempt = 1; attempt <= MOVE_ATTEMPTS; attempt++) {
      const moved = await this.moveOnce(from, to, moves)
      if (moved !== undefined) return moved
    }
    throw new StoreUnavailableError(`mongodb store: moveMany from '${from}': other writers kept changing these ` +
      `records during ${MOVE_ATTEMPTS} attempts; retry`)
  }

  /** The ids moved, or undefined when another caller changed one of them meanwhile (nothing moved). */
  private async moveOnce (from: string, to: string, moves: readonly Move[]): Promise<string[] | undefined> {
    const source = this.collection(from)
    const target = this.collection(to)
    const prepared = moves.map((move, index) => ({ move, ...prepareDoc(move.doc, index) }))
    const ids = [...new Set(moves.map(move => move.id))]
    const found =
      ids.length === 0
        ? []
        : await this.drain(to, 'moveMany', source.find({ _id: { $in: ids } }, { batchSize: ids.length + 1 }))
    const revs = new Map(found.map(doc => [doc._id as string, doc.rev]))
    const ready = prepared.filter(({ move }) => revs.get(move.id) === move.rev)
    if (ready.length === 0) return []
    const deletes = ready.map(({ move }) => ({ deleteOne: { filter: { _id: move.id, rev: move.rev } } }))
    const upserts = ready.map(({ id, fields }) => ({
      replaceOne: { filter: { _id: id }, replacement: fields, upsert: true }
    }))
    const done = await this.run(to, 'moveMany', async () => {
      if (!this.settings.transactions || this.client === undefined) {
        await target.bulkWrite(upserts, { ordered: true })
        await source.bulkWrite(deletes, { ordered: true })
        return true
      }
      try {
        await this.inTransaction(this.client, async session => {
          const { deletedCount } = await source.bulkWrite(deletes, { ordered: true, session })
          if (deletedCount !== ready.length) throw new MoveConflict()
          return await target.bulkWrite(upserts, { ordered: true, session })
        })
        return true
      } catch (error) {
        if (error instanceof MoveConflict) return false
        throw error
      }
    })
    return done ? ready.map(({ move }) => move.id) : undefined
  }

  async ping (): Promise<void> {
    if (this.closed) throw this.unavailable('ping')
    try {
      await this.db.command({ ping: 1 })
    } catch (error) {
      throw new StoreUnavailableError(`mongodb store: ping failed (${(error as Error).message})`, { cause: error })
    }
  }

  /** MongoDB takes no store-wide write lock: the driver routes writes to the primary it finds. */
  async writeStatus (): Promise<WriteStatus> {
    await this.ping()
    return 'ok'
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.client?.close()
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
 * A declared index on the stored fields, then `_id`: it serves equality and range filters on
 * its leading keys. Sorts read computed keys (mongo-order.ts), which no index holds.
 */
function declaredIndex (keys: readonly SortKey[]): [Record<string, 1 | -1>, { name: string }] {
  const spec: Record<string, 1 | -1> = {}
  for (const key of keys) spec[storedPath(key.field).stored] = key.desc ? -1 : 1
  spec._id = 1
  return [spec, { name: `idx_${keys.map(key => `${key.desc ? '-' : ''}${key.field}`).join('_')}` }]
}

/**
 * A store on an open database (the driver's Db, or a stand-in): checks the entities and makes
 * sure every ref property has its index, so that child lookups never scan a collection.
 */
export async function createMongoStore (db: DbLike, options: StoreOptions,
  settings: Partial<MongoStoreSettings> = {}, client?: ClientLike): Promise<MongoStore> {
  options.entities.forEach(checkEntity)
  try {
    await createLinkIndexes(db.collection(LINKS_COLLECTION))
    for (const entity of options.entities) {
      const collection = db.collection(entity.name)
      for (const property of entity.refProperties) {
        await collection.createIndex({ [property]: 1 }, { name: `${property}_1` })
      }
      for (const keys of entity.indexes ?? []) await collection.createIndex(...declaredIndex(keys))
    }
  } catch (error) {
    throw storeError(error, 'creating the indexes')
  }
  return new MongoStore(db, options, { ...DEFAULT_STORE_SETTINGS, ...settings }, client)
}
