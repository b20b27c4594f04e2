// The reads of one entity, one pipeline per operation: a document (and whether a write of it is
// parked), a page, a stream, and the graphs of documents a caller holds. The checks (indexes, the
// row budget), paging, cursors and counts are written here once; which plan reads (graphs the
// store builds as text, or documents enriched by batched relationship reads) and which form the
// answers take (objects for the library, JSON text for HTTP) are chosen in #plan and by the caller.
import { BadRequestError, NotFoundError } from '../errors.js'
import type { AnswerForm } from '../graph/answer-form.js'
import type { BatchedPlan } from '../graph/batched-plan.js'
import type { Graph, Selection } from '../graph/graph.js'
import type { GraphTexts } from '../graph/graph-texts.js'
import { NO_RELATIONSHIPS, selectsNothing } from '../graph/parse-with.js'
import type { OneReader, PlanRead, PlanRequest, ReadPlan } from '../graph/read-plan.js'
import type { RowBudget } from '../graph/row-budget.js'
import { PendingWriteError, type ParkedRecords } from '../integrity/parked-records.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { Doc } from '../store/store.js'
import { cursorOf } from './cursor.js'
import { checkIndexed } from './indexed-queries.js'
import type { Page, PageQuery, ReadQuery, ReadRequest, StreamRequest } from './read-query.js'

/** The two plans: batched on every store, graph texts where the store builds graphs itself. */
export interface ReadPlans {
  batched: BatchedPlan
  texts?: GraphTexts | undefined
}

export interface ReadLimits {
  /** Matches a page counts exactly (more when the page reaches further) before its total becomes a lower bound. */
  countLimit: number
  /** Refuses reads whose graphs could load too many related documents; none when omitted. */
  budget?: RowBudget
  model: RelationshipMetadata
  /** Refuses lists and streams whose filter or sort no index serves (indexed-queries.ts). */
  requireIndexed?: boolean
}

/** A stream's batch: its answers, and with cursors the one that resumes the stream after each. */
export interface StreamBatch<T> {
  items: T[]
  cursors: string[]
}

export class EntityReads {
  /**
   * The readers of single documents of each frozen request, by answer form: a route's parsed
   * request is frozen and kept per query string (routes/checked-queries.ts), so its GETs find
   * their reader by the request's identity, its checks passed and its plan chosen once.
   */
  readonly #readers = new WeakMap<ReadRequest, Map<AnswerForm<unknown>, OneReader<unknown>>>()

  constructor (
    private readonly meta: EntityMetadata,
    private readonly plans: ReadPlans,
    private readonly limits: ReadLimits,
    private readonly parked: ParkedRecords | undefined
  ) {}

  /**
   * The document `id` (or its graph) in `form`, read with `signal`, NotFoundError when it does
   * not exist: the plan's own promise, with no async step of its own. It rejects, never throws:
   * a refused request too.
   */
  one<T> (id: string, request: ReadRequest, form: AnswerForm<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      return this.#reader(request, form)(id, signal)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** The reader of `request`'s single documents: made once for a frozen request, per read for any other. */
  #reader<T> (request: ReadRequest, form: AnswerForm<T>): OneReader<T> {
    // a request that its caller may still change gets no reader kept
    if (!Object.isFrozen(request)) return this.#newReader(request, form)
    let forms = this.#readers.get(request)
    if (forms === undefined) this.#readers.set(request, forms = new Map())
    let reader = forms.get(form) as OneReader<T> | undefined
    if (reader === undefined) forms.set(form, reader = this.#newReader(request, form))
    return reader
  }

  /** Checks a request for single documents once (a refused one throws) and chooses its plan. */
  #newReader<T> (request: ReadRequest, form: AnswerForm<T>): OneReader<T> {
    this.#checkBudget(1, request)
    const asked = this.#asked(request, form)
    return this.#plan(asked).oneOf(asked)
  }

  /**
   * As one, and whether a write of the id waits parked for its parents (behind the stored
   * version, if any). An id only parked throws PendingWriteError (a NotFoundError) naming them.
   */
  async pending<T> (id: string, request: ReadRequest, form: AnswerForm<T>,
    signal: AbortSignal | undefined): Promise<{ found: T, pending: boolean }> {
    const read = this.one(id, request, form, signal)
    if (this.parked === undefined) return { found: await read, pending: false }
    const pending = this.parked.get(id)
    pending.catch(() => undefined) // awaited below; a failing read must not leave it unhandled
    try {
      return { found: await read, pending: (await pending) !== undefined }
    } catch (error) {
      const record = error instanceof NotFoundError ? await pending : undefined
      throw record === undefined ? error : new PendingWriteError(this.meta.name, id, record.missing)
    }
  }

  async page<T> (query: PageQuery, form: AnswerForm<T>): Promise<Page<T>> {
    this.#checkPage(query)
    // after a cursor the total does not tell whether more follow: one more document does
    const size = query.after === undefined ? query.size : query.size + 1
    const asked = this.#asked(query, form)
    const found = await this.#plan(asked).page(asked, { ...query, size, ...this.#countQuery(query) })
    const { read } = found
    const shown = Math.min(read.length, query.size)
    const more = query.after === undefined ? query.page * query.size < found.total : read.length > query.size
    // from the stored document, before anything trims it (hidden properties, picked fields)
    const next = more && shown > 0 ? cursorOf(this.meta.name, query.sort, read.stored(shown - 1)) : undefined
    const page: Page<T> = { items: await read.answers(shown), total: found.total, exact: found.exact }
    if (found.estimate !== undefined) page.estimate = found.estimate
    if (next !== undefined) page.next = next
    return page
  }

  /** Every match in store-sized batches; stop iterating to stop reading. */
  async * stream<T> (query: StreamRequest, form: AnswerForm<T>,
    withCursors = false): AsyncGenerator<StreamBatch<T>> {
    this.#checkIndexed(query)
    const batchSize = this.batchSize(query.batchSize, query)
    const asked = this.#asked(query, form)
    for await (const read of this.#plan(asked, true).stream(asked, { ...query, batchSize })) {
      // from the stored documents, before anything trims them (hidden properties, picked fields)
      const cursors = withCursors ? this.#cursors(read, query) : []
      yield { items: await read.answers(read.length), cursors }
    }
  }

  /**
   * The graphs of documents a caller holds, whatever the selection selects (also nothing). Throws
   * at once when they would load more than the row budget allows.
   */
  graphsOf (docs: readonly Doc[], request: ReadRequest & { selection: Selection }): Promise<Graph[]> {
    this.#checkBudget(docs.length, request)
    return this.plans.batched.answer(docs, request.selection, request) as Promise<Graph[]>
  }

  #cursors<T> (read: PlanRead<T>, query: ReadQuery): string[] {
    const cursors: string[] = []
    for (let i = 0; i < read.length; i++) cursors.push(cursorOf(this.meta.name, query.sort, read.stored(i)))
    return cursors
  }

  #asked<T> (request: ReadRequest, form: AnswerForm<T>): PlanRequest<T> {
    return { entity: this.meta.name, built: answeredWith(request), request, form }
  }

  /** Graphs the store builds as text where it can and the answer is spliced text; batched reads otherwise. */
  #plan<T> (asked: PlanRequest<T>, streaming = false): ReadPlan {
    const { texts } = this.plans
    const storeBuilt = texts !== undefined && asked.form.spliced && asked.built !== undefined
    return storeBuilt && (!streaming || texts.streams) ? texts : this.plans.batched
  }

  #checkPage (query: PageQuery): void {
    this.#checkIndexed(query)
    this.#checkBudget(query.size, query)
    if (query.after !== undefined && query.page !== 1) {
      throw new BadRequestError(
        `page ${query.page} cannot be combined with after: drop page, the cursor already says where the page starts`,
        [{ path: '/page', message: 'must be 1 (or left out) with after' }]
      )
    }
  }

  #checkIndexed (query: ReadQuery): void {
    if (this.limits.requireIndexed === true) checkIndexed(this.meta, this.limits.model, query)
  }

  #checkBudget (roots: number, request: ReadRequest): void {
    const { selection } = request
    if (selection !== undefined) this.limits.budget?.check(this.meta.name, roots, selection, request)
  }

  /** A stream's batch size, shrunk so that each batch's graphs stay within the row budget. */
  batchSize (wanted: number, request: ReadRequest): number {
    const { selection } = request
    if (selection === undefined || this.limits.budget === undefined) return wanted
    return this.limits.budget.batchSize(this.meta.name, wanted, selection, request)
  }

  /**
   * The store's count bound for a page. A paged list counts at least as far as the page reaches,
   * so that an inexact total still proves a next page (`more` above); that costs no more than
   * the OFFSET already does. After a cursor, one more document tells that instead.
   */
  #countQuery (query: PageQuery): { countLimit?: number, estimate?: boolean } {
    const mode = query.total ?? 'bounded'
    if (mode === 'exact') return {}
    const reach = query.after === undefined ? query.page * query.size : 0
    const countLimit = Math.max(this.limits.countLimit, reach)
    return mode === 'estimated' ? { countLimit, estimate: true } : { countLimit }
  }
}

/**
 * The selection a read's answers are built with, or undefined when they are plain documents:
 * graphs whenever the request asks for relationships, even none there (`with=all` on an entity
 * without relationships, or under an entity scope that leaves none): the shape follows the request.
 */
export function answeredWith (request: ReadRequest): Selection | undefined {
  const { selection } = request
  if (selectsNothing(selection) && (request.counts ?? []).length === 0) return undefined
  return selection ?? NO_RELATIONSHIPS
}
