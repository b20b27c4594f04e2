// What a store adapter implements: only the raw operations that differ from store to store. The
// frame (framed-store.ts) does everything else once for all of them: argument checks, the entity
// and reference checks, the closed state, round-trip counting and the mapping of store faults.
import type { GraphPlan, GraphText, GraphTextPage } from '../graph-plan.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, ReadForm, ReadOptions, RefQuery, RefResult,
  ResolvedLink, StoreBroadcast, StreamQuery, WriteStatus
} from '../store.js'
import type { EntityTables } from './entity-tables.js'

/**
 * What an adapter's call gives back: the answer itself when it had it at once (a statement run on
 * the main thread), so that the frame and the timeout arm nothing for it; a promise when it waits.
 */
export type Answer<T> = T | Promise<T>

/** `then` for an Answer: an answer had at once stays one, so the frame arms nothing for it. */
export function thenAnswer<T, U> (answer: Answer<T>, next: (value: T) => U): Answer<U> {
  return answer instanceof Promise ? answer.then(next) : next(answer)
}

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

/** What one round trip of a stream read: documents, or the graphs of a stream of graph texts. */
export interface Batch<I = Doc> {
  docs: I[]
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
  get: (table: T, id: string, call: Call, form?: ReadForm) => Answer<Doc | undefined>
  getMany: (table: T, ids: readonly string[], call: Call, form?: ReadForm) => Answer<Doc[]>
  getManyByKey: (table: T, property: string, values: ReadonlyArray<string | number>, call: Call,
    form?: ReadForm) => Answer<Doc[]>
  find: (table: T, query: FindQuery, call: Call) => Answer<FindResult>
  findByRefs: (table: T, refProperty: string, ids: readonly string[], query: RefQuery, call: Call) =>
  Answer<RefResult>
  countByRefs: (table: T, refProperty: string, ids: readonly string[], call: Call) => Answer<Map<string, number>>
  /**
   * The batches of a stream, one per round trip, read only when asked for: the frame counts a
   * round trip before each next() and return()s the iterator when the consumer stops.
   */
  stream: (table: T, query: StreamQuery, call: Call) => AsyncIterator<Batch, void>
  /** With `linked`, its links in the same atomic write; a key held by another id throws linkConflict (links.ts). */
  upsertMany: (table: T, docs: readonly Doc[], call: Call, linked?: LinkWrite) => Answer<Doc[]>
  /** The links of the keys that exist, each with whether its document is in `table`. */
  resolveLinks: (table: T, entity: string, keys: readonly LinkKey[], call: Call) => Answer<ResolvedLink[]>
  findLinks: (entity: string, query: LinkQuery, call: Call) => Answer<{ items: IdentityLink[], total: number }>
  deleteLinks: (entity: string, keys: readonly LinkKey[], call: Call) => Answer<number>
  delete: (table: T, id: string, call: Call) => Answer<boolean>
  deleteMany: (table: T, ids: readonly string[], call: Call) => Answer<number>
  moveMany: (source: T, target: T, moves: readonly Move[], call: Call) => Answer<string[]>
  /** Graphs built by the store as JSON text (graph-plan.ts): each call one round trip, counted by the frame. */
  readonly graphTexts?: AdapterGraphTexts
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

/** A store's graph texts; a stream's batches are read as the adapter's `stream` reads documents. */
export interface AdapterGraphTexts {
  page: (entity: string, query: FindQuery, plan: GraphPlan, options?: ReadOptions) => Answer<GraphTextPage>
  one: (entity: string, id: string, plan: GraphPlan, options?: ReadOptions) => Answer<GraphText | undefined>
  stream?: (entity: string, query: StreamQuery, plan: GraphPlan, call: Call) => AsyncIterator<Batch<GraphText>, void>
}
