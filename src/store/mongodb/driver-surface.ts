// The part of the official driver's surface the MongoDB store uses, and nothing more. The store
// is written against these types so that tests can hand it an in-process stand-in (which must
// implement exactly this) and production hands it the driver's own Db and MongoClient.
import type { Document } from 'mongodb'

export type { Document }

export interface SessionLike {
  startTransaction (options: { maxCommitTimeMS: number }): void
  commitTransaction (): Promise<unknown>
  abortTransaction (): Promise<unknown>
  endSession (): Promise<void>
}

export interface ClientLike {
  startSession (): SessionLike
  close (): Promise<void>
}

/** A driver cursor read batch by batch: each fetch of an empty buffer is one round trip. */
export interface CursorLike {
  /** True once the server closed the cursor and the buffer is drained. */
  readonly closed: boolean
  bufferedCount (): number
  /** Fetches the next server batch when the buffer is empty; false when nothing is left. */
  hasNext (): Promise<boolean>
  readBufferedDocuments (count?: number): Document[]
  toArray (): Promise<Document[]>
  close (): Promise<void>
}

export interface ReplaceOneModel {
  replaceOne: { filter: Document, replacement: Document, upsert: boolean }
}

export interface DeleteOneModel {
  deleteOne: { filter: Document }
}

export interface IndexOptions {
  name: string
  unique?: true
  /** Only documents matching it are indexed (a unique key holds only string and number values). */
  partialFilterExpression?: Document
  /** Replica sets: a majority of the members builds it, so one member down does not hang the start. */
  commitQuorum?: 'majority'
}

/**
 * A server-side time limit: a read the client gave up on stops on the server too. It is the
 * cursor's cumulative processing time (first batch and every getMore), so a stream omits it.
 * `signal` (driver 6.13+): when it aborts, the command in flight is abandoned (its connection
 * closed, on which MongoDB 4.2+ kills a find or aggregate) and the cursor is killed.
 */
export interface MongoReadOptions {
  maxTimeMS?: number
  signal?: AbortSignal
}

export interface CollectionLike {
  findOne(filter: Document, options: MongoReadOptions): Promise<Document | null>
  find(filter: Document, options: MongoReadOptions & { batchSize: number, projection?: Document }): CursorLike
  aggregate(pipeline: Document[], options: MongoReadOptions & { batchSize?: number, allowDiskUse: boolean }): CursorLike
  bulkWrite(
    operations: ReplaceOneModel[] | DeleteOneModel[],
    options: { ordered: true, session?: SessionLike }
  ): Promise<{ deletedCount: number }>
  deleteOne(filter: Document): Promise<{ deletedCount: number }>
  deleteMany(filter: Document): Promise<{ deletedCount: number }>
  createIndex(keys: Record<string, 1 | -1>, options: IndexOptions): Promise<string>
  listIndexes(): { toArray (): Promise<Document[]> }
}

export interface DbLike {
  collection (name: string): CollectionLike
  command (command: Document): Promise<Document>
  listCollections (filter: Document, options: { nameOnly: false }): { toArray (): Promise<Document[]> }
  createCollection (name: string): Promise<unknown>
}
