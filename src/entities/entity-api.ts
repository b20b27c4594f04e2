// The operations on one entity that the HTTP routes, the command line and library users share:
// reads that can be enriched with relationship graphs (entity-reads.ts), and validated, atomic
// writes.
import { BadRequestError, KeyConflictError, NotFoundError } from '../errors.js'
import { OBJECTS, type AnswerForm } from '../graph/answer-form.js'
import type { Graph, Selection } from '../graph/graph.js'
import type { GraphBuilder } from '../graph/graph-builder.js'
import { NO_RELATIONSHIPS } from '../graph/parse-with.js'
import type { KeyChanges } from '../integrity/key-changes.js'
import type { ParkedRecords } from '../integrity/parked-records.js'
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
import type { Doc, IdentityLink, Store } from '../store/store.js'
import { EntityReads, type ReadLimits, type ReadPlans } from './entity-reads.js'
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
  StreamRequest,
  TotalMode
} from './read-query.js'
import { assertUniqueIds, withId } from './write-input.js'

export interface EntityLimits extends ReadLimits {
  /** Most documents one write may carry. */
  maxBulk: number
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

export type {
  CursorLine, Page, PageQuery, ReadQuery, ReadRequest, RelativesOptions, StreamRequest, TotalMode, WriteOutcome
}

export class EntityApi {
  #links: SourceLinks | undefined
  readonly #reads: EntityReads

  constructor (
    readonly meta: EntityMetadata,
    private readonly store: Store,
    private readonly graphs: GraphBuilder,
    plans: ReadPlans,
    private readonly limits: EntityLimits,
    /** Every document read from the store leaves through it: hidden properties never do. */
    private readonly hidden: HiddenFields,
    private readonly integrity: EntityIntegrity = {}
  ) {
    this.#reads = new EntityReads(meta, plans, limits, integrity.parked)
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
   * The document `id`, or its graph when the request selects relationships (or counts): as an
   * object, or in `form` (JSON text for HTTP answers). NotFoundError when it does not exist.
   * `signal`, the request's own when not given, cancels the read: a parsed request kept frozen
   * and shared by many reads (a route's, per query string) is given with each read's signal
   * beside it, and its checks and plan are then made once (EntityReads).
   */
  get (id: string, request?: ReadRequest): Promise<Doc | Graph>
  get<T> (id: string, request: ReadRequest, form: AnswerForm<T>, signal?: AbortSignal): Promise<T>
  get (id: string, request: ReadRequest = {}, form: AnswerForm<unknown> = OBJECTS,
    signal = request.signal): Promise<unknown> {
    // the plan's own promise: no async step here (EntityReads.one rejects, it never throws)
    return this.#reads.one(id, request, form, signal)
  }

  /**
   * As get, and whether a write of the id waits parked for its parents (behind the stored
   * version, if any). An id only parked throws PendingWriteError (a NotFoundError) naming them.
   */
  getPending (id: string, request?: ReadRequest): Promise<{ found: Doc | Graph, pending: boolean }>
  getPending<T> (id: string, request: ReadRequest, form: AnswerForm<T>,
    signal?: AbortSignal): Promise<{ found: T, pending: boolean }>
  getPending (id: string, request: ReadRequest = {}, form: AnswerForm<unknown> = OBJECTS,
    signal = request.signal): Promise<{ found: unknown, pending: boolean }> {
    return this.#reads.pending(id, request, form, signal)
  }

  /** A page of the matches, with their count and the cursor after it when more follow. */
  list (query: PageQuery): Promise<Page>
  list<T> (query: PageQuery, form: AnswerForm<T>): Promise<Page<T>>
  async list (query: PageQuery, form: AnswerForm<unknown> = OBJECTS): Promise<Page<unknown>> {
    return await this.#reads.page(query, form)
  }

  /** Every matching document (or graph) in store-sized batches; stop iterating to stop reading. */
  stream (query: StreamRequest): AsyncGenerator<Array<Doc | Graph>>
  stream<T> (query: StreamRequest, form: AnswerForm<T>): AsyncGenerator<T[]>
  async * stream (query: StreamRequest, form: AnswerForm<unknown> = OBJECTS): AsyncGenerator<unknown[]> {
    for await (const { items } of this.#reads.stream(query, form)) yield items
  }

  /** As stream, each item with the cursor that resumes the stream right after it. */
  async * streamWithCursors (query: StreamRequest): AsyncGenerator<CursorLine[]> {
    for await (const { cursors, items } of this.#reads.stream(query, OBJECTS, true)) {
      yield items.map((data, i) => ({ cursor: cursors[i]!, data }))
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
    return { stored: this.hidden.all(this.meta.name, outcome.stored), parked: outcome.parked }
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
      const batchSize = this.#reads.batchSize(options.batchSize ?? 500, request)
      return this.#relativesOf(input as AsyncIterable<Doc>, request, batchSize)
    }
    const built = this.#reads.graphsOf(Array.isArray(input) ? (input as Doc[]) : [input as Doc], request)
    return Array.isArray(input) ? built : built.then(graphs => graphs[0]!)
  }

  async * #relativesOf (source: AsyncIterable<Doc>, request: Relatives, batchSize: number): AsyncGenerator<Graph> {
    let batch: Doc[] = []
    for await (const doc of source) {
      batch.push(doc)
      if (batch.length >= batchSize) {
        yield * await this.#reads.graphsOf(batch, request)
        batch = []
      }
    }
    if (batch.length > 0) yield * await this.#reads.graphsOf(batch, request)
  }

  /** The properties of a write from `source` that carry its ids; throws a 400 when the entity does not take it. */
  sourceIdProperties (source: string): string[] {
    checkSource(this.meta, source)
    return sourceIdProperties(this.meta, source, this.#model())
  }

  #model (): RelationshipMetadata {
    return this.limits.model
  }
}

/** The request of `relatives`: graphs always, with the selection resolved from its options. */
type Relatives = ReadRequest & { selection: Selection }
