// The operations on one entity that the HTTP routes, the command line and library users share:
// reads that can be enriched with relationship graphs, and validated, atomic writes.
import { BadRequestError, KeyConflictError, NotFoundError } from '../errors.js'
import { trimFields } from '../graph/fields.js'
import type { Graph, Selection } from '../graph/graph.js'
import type { GraphBuilder } from '../graph/graph-builder.js'
import type { GraphTexts } from '../graph/graph-texts.js'
import { itemJson, itemsJson } from '../graph/graph-json.js'
import { NO_RELATIONSHIPS, selectsNothing } from '../graph/parse-with.js'
import type { RowBudget } from '../graph/row-budget.js'
import type { KeyChanges } from '../integrity/key-changes.js'
import { PendingWriteError, type ParkedRecords } from '../integrity/parked-records.js'
import type { IntegrityEvents, WriteIntegrity, WriteOutcome } from '../integrity/write-integrity.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityScope } from '../metadata/entity-scope.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { HiddenFields } from '../model/hidden-fields.js'
import { assertIds } from '../model/id-rule.js'
import { validateDocs } from '../model/validator.js'
import { bySource, findMissing } from '../integrity/missing-parents.js'
import { checkSource } from '../sources/source-ids.js'
import { SourceLinks } from '../sources/source-links.js'
import { assignSourceIds, checkSourceWrite, sourceIdProperties } from '../sources/source-writes.js'
import type { Doc, IdentityLink, ReadForm, Store } from '../store/store.js'
import { cursorOf } from './cursor.js'
import { mergePatch } from './merge-patch.js'
import { pickChildren, pickParent } from './pick-relationship.js'
import { parseQuery, resolveRead, type RawQuery } from './query.js'
import type {
  CursorLine,
  Page,
  PageQuery,
  ReadParams,
  ReadQuery,
  ReadRequest,
  RelativesOptions,
  TotalMode
} from './read-query.js'
import { assertUniqueIds, withId } from './write-input.js'
import { checkIndexed } from './indexed-queries.js'

export interface EntityLimits {
  /** Most documents one write may carry. */
  maxBulk: number
  /** Matches a page counts exactly (more when the page reaches further) before its total becomes a lower bound. */
  countLimit: number
  /** Refuses reads whose graphs could load too many related documents; none when omitted. */
  budget?: RowBudget
  /** The model, which reads and source writes resolve names against. */
  model: RelationshipMetadata
  /**
   * REQUIRE_INDEXED_QUERIES: lists and streams whose filter or sort no index serves are refused
   * (indexed-queries.ts).
   */
  requireIndexed?: boolean
}

/** Referential integrity for one entity's writes; absent when its model declares none. */
export interface EntityIntegrity {
  /** Checks writes (set when a relationship of the entity rejects or parks). */
  check?: WriteIntegrity
  /** Told after a write stored documents (set when parked records may wait for this entity). */
  events?: Pick<IntegrityEvents, 'stored' | 'linked'>
  /** The parked versions (set when a relationship of the entity parks). */
  parked?: ParkedRecords
  /** Refuses to take away key values children reference (set when children hold a key of the entity). */
  keys?: KeyChanges
}

/** What a delete removed: the stored document, its parked version (a pending write), or both. */
export interface Deleted {
  stored: boolean
  parked: boolean
}

/** How a write's ids are read. */
export interface WriteOptions {
  /**
   * The source system the documents come from (one of the entity's `x-sources`): their ids, and
   * their references to entities taking this source, are the source's ids, mapped to Relata ids
   * through identity links.
   */
  source?: string
}

export type { CursorLine, Page, PageQuery, ReadQuery, ReadRequest, RelativesOptions, TotalMode, WriteOutcome }

export class EntityApi {
  #links: SourceLinks | undefined

  constructor (
    readonly meta: EntityMetadata,
    private readonly store: Store,
    private readonly graphs: GraphBuilder,
    private readonly limits: EntityLimits,
    /** Every document read from the store leaves through it: hidden properties never do. */
    private readonly hidden: HiddenFields,
    private readonly integrity: EntityIntegrity = {}
  ) {}

  #visible (docs: Doc[]): Doc[] {
    return this.hidden.all(this.meta.name, docs)
  }

  /** The store's read form for a request: text when the answer is written as text and nothing is hidden. */
  #form (request: { text?: boolean }): ReadForm {
    return this.hidden.form(this.meta.name, request.text)
  }

  /** The identity links of this entity's documents; undefined when it declares no sources. */
  get links (): SourceLinks | undefined {
    if (this.meta.sources.length === 0) return undefined
    this.#links ??= new SourceLinks(this.meta, this.store, this.integrity.events?.linked)
    return this.#links
  }

  /** The parked versions of this entity's documents; undefined when no relationship of it parks. */
  get parked (): ParkedRecords | undefined {
    return this.integrity.parked
  }

  /**
   * The typed read request of query-string parameters (`with`, `depth`, `filter`, `sort`,
   * `after`, `limit[Child]`, `fields[...]`, …), checked against the model; `scope` bounds the
   * entities it may name or expand to, as for a limited API key.
   */
  parse (raw: RawQuery, scope?: EntityScope): ReadQuery {
    return parseQuery(this.meta, raw, this.limits.model, scope)
  }

  /**
   * As get, and whether a write of the id waits parked for its parents (behind the stored
   * version, if any). An id only parked throws PendingWriteError (a NotFoundError) naming them.
   */
  async getPending (id: string, request: ReadRequest = {}): Promise<{ found: Doc | Graph, pending: boolean }> {
    return await this.#withPending(id, () => this.get(id, request))
  }

  /** As getPending, the answer as JSON text (see getJson). */
  async getPendingJson (id: string, request: ReadRequest = {}): Promise<{ found: string, pending: boolean }> {
    return await this.#withPending(id, () => this.getJson(id, request))
  }

  async #withPending<T> (id: string, read: () => Promise<T>): Promise<{ found: T, pending: boolean }> {
    const parked = this.integrity.parked
    if (parked === undefined) return { found: await read(), pending: false }
    const pending = parked.get(id)
    pending.catch(() => undefined) // awaited below; a failing get() must not leave it unhandled
    try {
      return { found: await read(), pending: (await pending) !== undefined }
    } catch (error) {
      const record = error instanceof NotFoundError ? await pending : undefined
      throw record === undefined ? error : new PendingWriteError(this.meta.name, id, record.missing)
    }
  }

  /**
   * As get, the answer as JSON text, JSON.stringify's own: a graph that the store builds itself
   * (one round trip, no related document parsed) where it can, else get's answer stringified.
   */
  async getJson (id: string, request: ReadRequest = {}): Promise<string> {
    const texts = this.#texts(request)
    if (texts === undefined) {
      const found = await this.get(id, request)
      return request.text === true ? itemJson(found, answeredWith(request)) : JSON.stringify(found)
    }
    this.#checkBudget(1, request)
    const text = await texts.one(this.meta.name, id, request.selection ?? NO_RELATIONSHIPS, request)
    if (text === undefined) throw new NotFoundError(this.meta.name, id)
    return text
  }

  async get (id: string, request: ReadRequest = {}): Promise<Doc | Graph> {
    this.#checkBudget(1, request)
    const found = await this.store.get(this.meta.name, id, { ...this.#form(request), signal: request.signal })
    if (found === undefined) throw new NotFoundError(this.meta.name, id)
    const doc = this.#visible([found])[0]!
    // without a selection (no `with`, or `?with=`) the plain document, as lists and streams answer
    return (await this.#answer([doc], request))[0]!
  }

  async list (query: PageQuery): Promise<Page> {
    this.#checkPage(query)
    // after a cursor the total does not tell whether more follow: one more document does
    const size = query.after === undefined ? query.size : query.size + 1
    const found = await this.store.find(this.meta.name,
      { ...query, size, ...this.#countQuery(query), ...this.#form(query) }, { signal: query.signal })
    const items = found.items.slice(0, query.size)
    const more = query.after === undefined ? query.page * query.size < found.total : found.items.length > query.size
    // from the stored document, before anything trims it (hidden properties, picked fields)
    const next = more && items.length > 0 ? cursorOf(this.meta.name, query.sort, items[items.length - 1]!) : undefined
    const answer = await this.#answer(this.#visible(items), query)
    const page: Page = { items: answer, total: found.total, exact: found.exact }
    if (found.estimate !== undefined) page.estimate = found.estimate
    if (next !== undefined) page.next = next
    return page
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

  /** As list, the items as one JSON text (see getJson): graphs the store builds in one round trip where it can. */
  async listJson (query: PageQuery): Promise<Omit<Page, 'items'> & { json: string }> {
    const texts = this.#texts(query)
    if (texts === undefined) {
      const { items, ...rest } = await this.list(query)
      const shape = answeredWith(query)
      return { ...rest, json: query.text === true ? itemsJson(items, shape) : JSON.stringify(items) }
    }
    this.#checkPage(query)
    const size = query.after === undefined ? query.size : query.size + 1
    // the store's estimate takes one more statement, which graphs built in the store do not make
    const count = { ...this.#countQuery(query), estimate: false }
    const found = await texts.page(this.meta.name, { ...query, size, ...count }, query.selection ?? NO_RELATIONSHIPS,
      query)
    const shown = Math.min(found.texts.length, query.size)
    const more = query.after === undefined ? query.page * query.size < found.total : found.texts.length > query.size
    const last = shown === 0 ? undefined : JSON.parse(found.roots[shown - 1]!) as Doc
    const answer = { json: `[${found.texts.slice(0, shown).join(',')}]`, total: found.total, exact: found.exact }
    return more && last !== undefined ? { ...answer, next: cursorOf(this.meta.name, query.sort, last) } : answer
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

  /** The store's graph texts, when they can answer this read: it asks for graphs and the store builds them. */
  #texts (request: ReadRequest): GraphTexts | undefined {
    // text: false is TEXT_ANSWERS=false, the general path
    if (request.text === false || answeredWith(request) === undefined) return undefined
    return this.graphs.texts
  }

  /** Every matching document (or graph) in store-sized batches; stop iterating to stop reading. */
  async * stream (query: ReadQuery & { batchSize: number }): AsyncGenerator<Array<Doc | Graph>> {
    for await (const { items } of this.#batches(query)) yield items
  }

  /**
   * As stream, each item as JSON text (see getJson): graphs that the store builds itself where it
   * can (one round trip per batch, no related document parsed), else stream's items stringified.
   */
  async * streamJson (query: ReadQuery & { batchSize: number }): AsyncGenerator<string[]> {
    const shape = answeredWith(query)
    const texts = this.#texts(query)
    if (texts === undefined || !texts.streams) {
      const json = query.text === true ? (item: Doc | Graph) => itemJson(item, shape) : JSON.stringify
      for await (const items of this.stream(query)) yield items.map(item => json(item))
      return
    }
    this.#checkIndexed(query)
    const batchSize = this.#batchSize(query.batchSize, query)
    yield * texts.stream(this.meta.name, { ...query, batchSize }, query.selection ?? NO_RELATIONSHIPS, query)
  }

  /** As stream, each item with the cursor that resumes the stream right after it. */
  async * streamWithCursors (query: ReadQuery & { batchSize: number }): AsyncGenerator<CursorLine[]> {
    for await (const { cursors, items } of this.#batches(query, true)) {
      yield items.map((data, i) => ({ cursor: cursors[i]!, data }))
    }
  }

  async * #batches (
    query: ReadQuery & { batchSize: number },
    withCursors = false
  ): AsyncGenerator<{ cursors: string[], items: Array<Doc | Graph> }> {
    this.#checkIndexed(query)
    const batchSize = this.#batchSize(query.batchSize, query)
    const stream = this.store.stream(this.meta.name, { ...query, batchSize, ...this.#form(query) },
      { signal: query.signal })
    for await (const stored of stream) {
      // from the stored documents, before anything trims them (hidden properties, picked fields)
      const cursors = withCursors ? stored.map(doc => cursorOf(this.meta.name, query.sort, doc)) : []
      yield { cursors, items: await this.#answer(this.#visible(stored), query) }
    }
  }

  /**
   * Creates or replaces one document or many, atomically; ids are assigned where missing. The
   * documents parked for a missing parent (policy `park`) are not among those returned: write()
   * says which they are.
   */
  async upsert (input: unknown, options: WriteOptions = {}): Promise<Doc[]> {
    return (await this.write(input, options)).stored
  }

  /** As upsert, and what was parked instead of stored. A `reject` parent that is missing throws MissingParentError. */
  async write (input: unknown, options: WriteOptions = {}): Promise<WriteOutcome> {
    const items = Array.isArray(input) ? input : [input]
    const where = Array.isArray(input) ? (i: number) => `/${i}` : () => ''
    if (items.length === 0) throw new BadRequestError('the body is an empty array; send at least one document')
    if (items.length > this.limits.maxBulk) {
      throw new BadRequestError(
        `a write carries at most ${this.limits.maxBulk} documents; this one has ${items.length}, split it`
      )
    }
    const { source } = options
    if (source !== undefined) checkSourceWrite(this.meta, this.#model(), source, items, where)
    const docs = items.map((item, i) => withId(item, where(i)))
    if (source === undefined) assertIds(docs, where)
    assertUniqueIds(docs, where)
    if (source === undefined) validateDocs(this.meta, docs, where)
    const sources = source === undefined
      ? undefined
      : await assignSourceIds(this.store, this.meta, this.#model(), source, docs as Doc[])
    // a source write is validated with the ids it got: the source's own need not fit the id schema
    if (source !== undefined) validateDocs(this.meta, docs, where)
    const { check, events, keys } = this.integrity
    await keys?.check(docs as Doc[], where)
    let outcome: WriteOutcome
    if (check !== undefined) {
      outcome = await check.write(docs as Doc[], where, sources)
    } else {
      if (sources !== undefined) {
        // no policy to apply: the source ids are only resolved (one lookup per relationship)
        await findMissing(this.store, this.meta.parents.filter(p => bySource(p, sources.context)), docs as Doc[],
          sources.context)
      }
      outcome = { stored: await this.#upsert(docs as Doc[], where, sources?.links), parked: [] }
    }
    if (outcome.stored.length > 0) events?.stored(this.meta.name, outcome.stored)
    return { stored: this.#visible(outcome.stored), parked: outcome.parked }
  }

  async #upsert (docs: Doc[], where: (index: number) => string, links?: readonly IdentityLink[]): Promise<Doc[]> {
    try {
      return await this.store.upsertMany(this.meta.name, docs, links)
    } catch (error) {
      // the store counts positions in the batch it got; the caller's input may be one object
      throw error instanceof KeyConflictError ? error.at(error.index, where) : error
    }
  }

  /**
   * Creates or replaces the document `id`; `created` tells which (read just before the write, so
   * a concurrent write of the same id in between can make it stale).
   */
  async replace (id: string, input: unknown): Promise<WriteOutcome & { created: boolean }> {
    const doc = withId(input, '', id)
    if (doc.id !== id) {
      throw new BadRequestError(`the body's id '${String(doc.id)}' differs from the id '${id}' in the path`, [
        { path: '/id', message: 'must equal the id in the path' }
      ])
    }
    assertIds([doc], () => '')
    const created = (await this.store.get(this.meta.name, id)) === undefined
    return { ...(await this.write(doc)), created }
  }

  async patch (id: string, patch: unknown): Promise<WriteOutcome> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new BadRequestError('a patch is a JSON object (RFC 7396 merge patch)')
    }
    if ('id' in patch && (patch as { id: unknown }).id !== id) {
      throw new BadRequestError('a patch cannot change the id', [{ path: '/id', message: 'cannot change' }])
    }
    // a parked version is the latest write of the id: the patch goes on top of it, never past it
    const [current, pending] = await Promise.all([this.store.get(this.meta.name, id), this.integrity.parked?.doc(id)])
    const base = pending ?? current
    if (base === undefined) throw new NotFoundError(this.meta.name, id)
    return await this.write(mergePatch(base, patch))
  }

  /** Deletes the document and cancels a write of it still parked; NotFoundError when neither exists. */
  async delete (id: string): Promise<Deleted> {
    // The parked version first: a healer moving it meanwhile has stored it before the delete
    // below, and one that read it earlier finds its revision gone and moves nothing.
    const parked = (await this.integrity.parked?.drop(id)) ?? false
    const stored = await this.store.delete(this.meta.name, id)
    if (!stored && !parked) throw new NotFoundError(this.meta.name, id)
    return { stored, parked }
  }

  /** The parent document behind `property` (optional when the entity has one parent). */
  async getParent (doc: Doc, property?: string): Promise<Doc | null> {
    const rel = pickParent(this.meta, property)
    const [graph] = await this.graphs.build([doc], { parents: [rel], children: [] })
    // a one-hop selection: parents are documents, never graphs
    return graph!.parents[rel.property] as Doc | null
  }

  /** Every parent of `doc`, keyed by reference property. */
  async getParents (doc: Doc): Promise<Record<string, Doc | null>> {
    const [graph] = await this.graphs.build([doc], { parents: this.meta.parents, children: [] })
    return graph!.parents as Record<string, Doc | null>
  }

  /** The children of `doc` through one relationship, up to the child limit. */
  async getChildren (doc: Doc, child?: string, property?: string): Promise<Doc[]> {
    const rel = pickChildren(this.meta, child, property)
    const [graph] = await this.graphs.build([doc], { parents: [], children: [rel] })
    return graph!.children[rel.child]![rel.property] as Doc[]
  }

  /**
   * Relationship graphs (`with`, default `all`): of one document or an array in one batch, or of
   * an async iterable of documents, `batchSize` at a time so that memory stays bounded.
   */
  relatives (doc: Doc, options?: RelativesOptions): Promise<Graph>
  relatives (docs: readonly Doc[], options?: RelativesOptions): Promise<Graph[]>
  relatives (docs: AsyncIterable<Doc>, options?: RelativesOptions): AsyncGenerator<Graph>
  relatives (
    input: Doc | readonly Doc[] | AsyncIterable<Doc>,
    options: RelativesOptions = {}
  ): Promise<Graph | Graph[]> | AsyncGenerator<Graph> {
    const { with: names = 'all', depth, children, fields, fieldsOf } = options
    const asked: ReadParams = { with: names, depth, children, fields, fieldsOf }
    const { selection = NO_RELATIONSHIPS, ...rest } = resolveRead(this.meta, this.limits.model, asked)
    // graphs whatever `with` selects (also with: ''), as relatives promises
    const request = { ...rest, selection }
    if (Symbol.asyncIterator in input) {
      const batchSize = this.#batchSize(options.batchSize ?? 500, request)
      return this.#relativesOf(input as AsyncIterable<Doc>, request, batchSize)
    }
    const docs = Array.isArray(input) ? (input as Doc[]) : [input as Doc]
    this.#checkBudget(docs.length, request)
    const built = this.#relativesBatch(docs, request)
    return Array.isArray(input) ? built : built.then(graphs => graphs[0]!)
  }

  async * #relativesOf (source: AsyncIterable<Doc>, request: Relatives, batchSize: number): AsyncGenerator<Graph> {
    let batch: Doc[] = []
    for await (const doc of source) {
      batch.push(doc)
      if (batch.length >= batchSize) {
        yield * await this.#relativesBatch(batch, request)
        batch = []
      }
    }
    if (batch.length > 0) yield * await this.#relativesBatch(batch, request)
  }

  async #relativesBatch (docs: readonly Doc[], request: Relatives): Promise<Graph[]> {
    const { selection, ...graph } = request
    // graphs in, graphs out: trimming keeps each graph's shape
    return trimFields(await this.graphs.build(docs, selection, graph), request.fields, selection) as Graph[]
  }

  /** The properties of a write from `source` that carry its ids; throws a 400 when the entity does not take it. */
  sourceIdProperties (source: string): string[] {
    checkSource(this.meta, source)
    return sourceIdProperties(this.meta, source, this.#model())
  }

  #model (): RelationshipMetadata {
    return this.limits.model
  }

  #checkBudget (roots: number, request: ReadRequest): void {
    const { selection } = request
    if (selection !== undefined) this.limits.budget?.check(this.meta.name, roots, selection, request)
  }

  /** A stream's batches shrink so that each one's graphs stay within the row budget. */
  #batchSize (wanted: number, request: ReadRequest): number {
    const { selection } = request
    if (selection === undefined || this.limits.budget === undefined) return wanted
    return this.limits.budget.batchSize(this.meta.name, wanted, selection, request)
  }

  /**
   * Documents as reads answer them: enriched into graphs, then trimmed to `fields` (last, since
   * building a graph needs the references a client may leave out).
   */
  async #answer (docs: Doc[], request: ReadRequest): Promise<Array<Doc | Graph>> {
    const counts = request.counts ?? []
    const built = answeredWith(request)
    if (built === undefined) return trimFields(docs, request.fields, undefined)
    const graphs = await this.graphs.build(docs, built, {
      ...(request.children === undefined ? {} : { children: request.children }),
      ...(counts.length === 0 ? {} : { counts }),
      ...(request.fields === undefined ? {} : { fields: request.fields }),
      ...(request.text === true ? { text: true } : {}),
      ...(request.signal === undefined ? {} : { signal: request.signal })
    })
    return trimFields(graphs, request.fields, built)
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

/** The request of `relatives`: graphs always, with the selection resolved from its options. */
type Relatives = ReadRequest & { selection: Selection }
