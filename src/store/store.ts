// The one interface every store adapter implements. Batch operations are first-class: the
// graph builder relies on getMany and findByRefs to load any number of relatives in one
// round trip each. Every method call is one round trip (a stream: one per batch), reported
// through `onQuery` so that the counts can be asserted and exported.
import type { Condition } from './filter.js'
import type { GraphTextReader } from './graph-plan.js'

export type Doc = Record<string, unknown> & { id: string }

export interface SortKey {
  field: string
  desc: boolean
}

/**
 * One sort key's value as every adapter orders it: missing and null as null, booleans as 0 and
 * 1, numbers, strings; an array or object as its JSON text, tagged because stores order those
 * differently (SQLite and memory by the text among strings, MongoDB after every string).
 */
export type KeyValue = null | number | string | { composite: string }

/** A place in the total order of a sort (see keyset.ts): the key values of one document there. */
export type Position = readonly KeyValue[]

/**
 * `text: true` lets a store that keeps documents as JSON text hand them out as that text
 * (text-doc.ts), with their id, string reference values and the string values of their
 * single-property unique keys (what references by key join on); other stores answer parsed documents.
 */
export interface ReadForm {
  text?: boolean
  /**
   * With `text`: the documents are answered as they are, no graph is built from them, so a store
   * may hand out the text alone (the id only where the read names it, no references).
   */
  bare?: boolean
}

export interface FindQuery extends ReadForm {
  filter?: Condition
  /** Applied in order; `id` ascending is always appended as the final tie-breaker. */
  sort?: readonly SortKey[]
  /**
   * Only documents strictly after this position of the sort's total order; `total` still counts every match. Needs page
   * 1.
   */
  after?: Position
  /** 1-based. */
  page: number
  size: number
  /**
   * Counts the matches only up to this many, so a count costs at most that many rows: when more match, `total` is
   * `countLimit + 1` and `exact` false. Every match is counted when omitted.
   */
  countLimit?: number
  /** When the count stops at `countLimit`, also the store's own estimate of every match, where it has one. */
  estimate?: boolean
}

export interface FindResult {
  items: Doc[]
  /** How many documents match the filter, across all pages: exactly, or a lower bound when `exact` is false. */
  total: number
  /** False when more than `countLimit` documents match: `total` is then only `countLimit + 1`. */
  exact: boolean
  /** With `estimate`, when the count stopped: the store's estimate of every match (PostgreSQL's planner). */
  estimate?: number
}

export interface StreamQuery extends ReadForm {
  filter?: Condition
  sort?: readonly SortKey[]
  /** Starts strictly after this position of the sort's total order, e.g. to resume a stream. */
  after?: Position
  batchSize: number
}

export interface RefQuery extends ReadForm {
  /** At most this many children per parent id, in `sort` order; the rest are only counted. */
  perRefLimit: number
  /** Order of each parent's children (`id` ascending is appended as the tie-breaker); id order when omitted. */
  sort?: readonly SortKey[]
}

export interface RefResult {
  items: Doc[]
  /** Number of children that exist per parent id (ids without children are absent). */
  totals: Map<string, number>
}

/** What an adapter is told about the model: its entities and which properties to index. */
export interface StoreEntity {
  name: string
  refProperties: readonly string[]
  /**
   * Declared indexes, each its keys in order (top-level properties): created at open so that
   * filters (eq, ranges) on a leading key and sorts on a prefix of the keys read the index. None when omitted.
   */
  indexes?: ReadonlyArray<readonly SortKey[]>
  /**
   * Unique keys, each its top-level properties: no two documents may hold the same values of one.
   * A document takes part in a key only when each of its properties is a string or a number (a
   * missing or null part leaves it out, as NULL in a SQL unique index); `"1"` and `1` differ. A
   * write that breaks one throws KeyConflictError naming the key and the holder, and stores
   * nothing; a batch is checked document after document, as an index checks each row written.
   * Opening a store whose documents already break a key throws ExistingDuplicatesError.
   */
  uniqueKeys?: ReadonlyArray<readonly string[]>
}

/** Whether a write could take the store's write lock now: 'locked' while another connection holds it. */
export type WriteStatus = 'ok' | 'locked'

export type QueryListener = (entity: string, op: string) => void

export interface StoreOptions {
  entities: readonly StoreEntity[]
  onQuery?: QueryListener
  /** How long one call may wait on the store (a lock, a connection) before failing as unavailable. */
  timeoutMs?: number
  /** Most connections a server store (PostgreSQL) opens at once. */
  poolSize?: number
  /** Where the store says what it does at open that may take long (index builds on a big file). */
  log?: StoreLog
}

/** pino's `info(details, message)`, so that a Fastify app's `app.log` fits. */
export interface StoreLog {
  info: (details: Record<string, unknown>, message: string) => void
}

export type StoredListener = (entity: string, ids: string[]) => void

/** Messages between the instances sharing one database: which documents one of them stored. */
export interface StoreBroadcast {
  /** Tells the other instances that documents `ids` of `entity` were stored (one round trip). */
  stored: (entity: string, ids: readonly string[]) => Promise<void>
  /** Calls `listener` for what other instances tell, until the store closes; resolves once listening. */
  listen: (listener: StoredListener) => Promise<void>
}

/** One record to move between entities, if its source is still the version that was read. */
export interface Move {
  id: string
  /** The `rev` property the source document must still have; a changed or gone source is skipped. */
  rev: string
  /** What to upsert into the target entity. */
  doc: Doc
}

/** A source system's id for a document of some entity: `(source, sourceId)`. */
export interface LinkKey {
  source: string
  sourceId: string
}

/** An identity link: the source's id `sourceId` names the document `id` of the entity. */
export interface IdentityLink extends LinkKey {
  id: string
}

/** A link as a lookup finds it, and whether its document is stored (not deleted, not only parked). */
export interface ResolvedLink extends IdentityLink {
  exists: boolean
}

export interface LinkQuery {
  /** Only the links of this document. */
  id?: string
  /** Only the links of this source. */
  source?: string
  /** 1-based. */
  page: number
  size: number
}

/**
 * What every read takes besides its query. `signal`: aborted when the caller went away (the
 * request's client disconnected); the call then rejects with CancelledError at once, and the
 * store stops its statement (a worker terminated, a backend cancelled, a cursor closed).
 */
export interface ReadOptions extends ReadForm {
  signal?: AbortSignal | undefined
}

export interface Store {
  readonly kind: string
  /** Present on stores that build whole graphs as JSON text in one round trip (graph-plan.ts). */
  readonly graphTexts?: GraphTextReader
  /** Present on stores that tell other instances on the same database what was stored (PostgreSQL). */
  readonly broadcast?: StoreBroadcast
  get(entity: string, id: string, options?: ReadOptions): Promise<Doc | undefined>
  /** Documents for the ids that exist, in no particular order; duplicates are ignored. */
  getMany(entity: string, ids: readonly string[], options?: ReadOptions): Promise<Doc[]>
  /**
   * Documents whose single-property unique key `property` (StoreEntity.uniqueKeys) holds one of
   * `values`, in one round trip through the key's unique index: how a reference by key is
   * resolved. Values match by type ("1" is not 1); duplicates and values nobody holds are ignored.
   * Read as text (ReadForm), a document holds its string unique key values besides its references.
   */
  getManyByKey(entity: string, property: string, values: ReadonlyArray<string | number>,
    options?: ReadOptions): Promise<Doc[]>
  find(entity: string, query: FindQuery, options?: ReadOptions): Promise<FindResult>
  /**
   * Children of many parents in one round trip: documents whose `refProperty` is in `ids`, the
   * first `perRefLimit` of each parent in `sort` order, grouped by parent, and every parent's count.
   */
  findByRefs(entity: string, refProperty: string, ids: readonly string[], query: RefQuery,
    options?: ReadOptions): Promise<RefResult>
  /**
   * How many children each parent has, without reading them: one grouped round trip. Parents without children are
   * absent.
   */
  countByRefs(entity: string, refProperty: string, ids: readonly string[],
    options?: ReadOptions): Promise<Map<string, number>>
  /**
   * Every matching document exactly once, in batches, reading the store one batch at a time
   * so memory stays bounded. Stopping the iteration (return/break) stops the reads.
   */
  stream(entity: string, query: StreamQuery, options?: ReadOptions): AsyncIterable<Doc[]>
  /**
   * Inserts or replaces all documents atomically: either all are stored or none. `links` are
   * added in the same atomic write, each only if its key is not linked yet; a key already linked
   * to another id fails the whole write with LinkConflictError.
   */
  upsertMany(entity: string, docs: readonly Doc[], links?: readonly IdentityLink[]): Promise<Doc[]>
  /** The links of these keys that exist (others are absent), each saying whether its document is stored. */
  resolveLinks(entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]>
  /** A page of the entity's links, ordered by source, then source id; `total` counts every match. */
  findLinks(entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }>
  /** Removes the links of these keys; returns how many existed. */
  deleteLinks(entity: string, keys: readonly LinkKey[]): Promise<number>
  delete(entity: string, id: string): Promise<boolean>
  deleteMany(entity: string, ids: readonly string[]): Promise<number>
  /**
   * Compare-and-move, all or nothing: for each move whose document `id` in `from` still has
   * `rev`, deletes it from `from` and upserts `doc` into `to`; other moves are skipped. Two
   * callers moving the same record concurrently move it once. Returns the ids moved.
   */
  moveMany(from: string, to: string, moves: readonly Move[]): Promise<string[]>
  /** Resolves when the store answers reads; rejects with StoreUnavailableError otherwise. Needs no write lock. */
  ping(): Promise<void>
  /**
   * Whether writes can go through now, checked without waiting for a lock (and without writing):
   * 'locked' while another writer holds the store; rejects with StoreUnavailableError when it is down.
   */
  writeStatus(): Promise<WriteStatus>
  close(): Promise<void>
}
