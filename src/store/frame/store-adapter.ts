// What a store adapter implements: only the raw operations that differ from store to store. The
// frame (framed-store.ts) does everything else once for all of them: argument checks, the entity
// and reference checks, the closed state, round-trip counting and the mapping of store faults.
import type { GraphTextReader } from '../graph-plan.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, ReadForm, RefQuery, RefResult, ResolvedLink,
  StoreBroadcast, StreamQuery, WriteStatus
} from '../store.js'
import type { EntityTables } from './entity-tables.js'

/** One Store call as the adapter sees it; the frame has counted its first round trip already. */
export interface Call {
  /**
   * A read's signal, aborted when its caller went away: the frame has rejected the call already,
   * and the adapter stops the statement it runs (terminates a worker, cancels a backend).
   */
  signal?: AbortSignal
  /** Counts one more round trip of this call, when one call needs several (ids past a chunk bound). */
  again: () => void
}

/** What one round trip of a stream read. */
export interface Batch {
  docs: Doc[]
  /** Nothing is left to read: the frame stops without another round trip. */
  last: boolean
}

/** The identity links a write adds with its documents: one per key (the frame checked), each only if absent. */
export interface LinkWrite {
  entity: string
  links: readonly IdentityLink[]
}

export interface StoreAdapter<T> {
  readonly kind: string
  readonly tables: EntityTables<T>
  /** `form` asks for documents as stored text (ReadForm); adapters that keep none answer parsed documents. */
  get: (table: T, id: string, call: Call, form?: ReadForm) => Promise<Doc | undefined>
  getMany: (table: T, ids: readonly string[], call: Call, form?: ReadForm) => Promise<Doc[]>
  getManyByKey: (table: T, property: string, values: ReadonlyArray<string | number>, call: Call,
    form?: ReadForm) => Promise<Doc[]>
  find: (table: T, query: FindQuery, call: Call) => Promise<FindResult>
  findByRefs: (table: T, refProperty: string, ids: readonly string[], query: RefQuery, call: Call) =>
  Promise<RefResult>
  countByRefs: (table: T, refProperty: string, ids: readonly string[], call: Call) => Promise<Map<string, number>>
  /**
   * The batches of a stream, one per round trip, read only when asked for: the frame counts a
   * round trip before each next() and return()s the iterator when the consumer stops.
   */
  stream: (table: T, query: StreamQuery, call: Call) => AsyncIterator<Batch, void>
  /** With `linked`, its links in the same atomic write; a key held by another id throws linkConflict (links.ts). */
  upsertMany: (table: T, docs: readonly Doc[], call: Call, linked?: LinkWrite) => Promise<Doc[]>
  /** The links of the keys that exist, each with whether its document is in `table`. */
  resolveLinks: (table: T, entity: string, keys: readonly LinkKey[], call: Call) => Promise<ResolvedLink[]>
  findLinks: (entity: string, query: LinkQuery, call: Call) => Promise<{ items: IdentityLink[], total: number }>
  deleteLinks: (entity: string, keys: readonly LinkKey[], call: Call) => Promise<number>
  delete: (table: T, id: string, call: Call) => Promise<boolean>
  deleteMany: (table: T, ids: readonly string[], call: Call) => Promise<number>
  moveMany: (source: T, target: T, moves: readonly Move[], call: Call) => Promise<string[]>
  /** Graphs built by the store as JSON text (graph-plan.ts): each call one round trip, counted by the frame. */
  readonly graphTexts?: GraphTextReader
  /** Messages to the other instances on the same database; `stored` is counted by the frame as op `notify`. */
  readonly broadcast?: StoreBroadcast
  /** Resolves when reads answer; the frame wraps any failure in StoreUnavailableError. */
  ping: () => Promise<void>
  /** Whether writes can go through now; when absent, writes go through whenever ping succeeds. */
  writeStatus?: () => Promise<WriteStatus>
  /** Called once, on the first close(). */
  close: () => Promise<void>
  /**
   * Whether the store refused a write for a unique key (its unique index); the frame then names
   * the conflict. Adapters that throw KeyConflictError themselves (memory) need none.
   */
  isUniqueViolation?: (error: unknown) => boolean
  /** The error to throw for a failure of `what` (e.g. "find on 'book'"): a fault as StoreUnavailableError. */
  fault?: (error: unknown, what: string) => unknown
}
