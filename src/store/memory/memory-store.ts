// The in-memory store: the reference implementation of the Store semantics, used for tests and
// development. It mirrors the SQLite adapter's ordering and type rules exactly; the frame counts
// every call as one round trip, so that round-trip counts are the same everywhere.
import { boundedTotal, countCap } from '../bounded-count.js'
import { totalOrder } from '../keyset.js'
import type {
  Doc, FindQuery, Move, FindResult, IdentityLink, LinkKey, LinkQuery, RefQuery, RefResult, ResolvedLink, Store,
  StoreOptions, StreamQuery
} from '../store.js'
import { MemoryLinks } from './memory-links.js'
import { EntityTables } from '../frame/entity-tables.js'
import { FramedStore } from '../frame/framed-store.js'
import type { Batch, Call, LinkWrite, StoreAdapter } from '../frame/store-adapter.js'
import { candidates, pinnedCandidates } from './candidates.js'
import { compareText, compileOrder, tupleOf, type SortTuple } from './compare.js'
import { serializeDoc } from '../documents.js'
import { compileCondition, type ChildLookup } from './match.js'
import { MemoryTable, type StoredDoc } from './memory-table.js'
import { selectSorted } from './select.js'

function parse (stored: StoredDoc): Doc {
  return JSON.parse(stored.json) as Doc
}

export class MemoryAdapter implements StoreAdapter<MemoryTable> {
  readonly kind = 'memory'
  readonly tables: EntityTables<MemoryTable>
  /** Per entity, its identity links. */
  private readonly links = new Map<string, MemoryLinks>()

  constructor (options: StoreOptions) {
    this.tables = new EntityTables(this.kind, options.entities, entity => new MemoryTable(entity))
  }

  /** The children a relation filter reads: through the child table's ref index, never a scan. */
  private readonly children: ChildLookup = {
    byParent: (entity, refProperty) => {
      const table = this.tables.withRef(entity, refProperty)
      return function * childrenOf (id) {
        for (const child of table.refs.children(refProperty, id) ?? []) yield table.docs.get(child)!.doc
      }
    },
    pinned: (entity, condition) => pinnedCandidates(this.tables.of(entity), condition)?.map(stored => stored.doc)
  }

  async get (table: MemoryTable, id: string): Promise<Doc | undefined> {
    return table.copy(id)
  }

  async getMany (table: MemoryTable, ids: readonly string[]): Promise<Doc[]> {
    const docs: Doc[] = []
    for (const id of new Set(ids)) {
      const doc = table.copy(id)
      if (doc !== undefined) docs.push(doc)
    }
    return docs
  }

  /** Through the table's unique index: a lookup per value, never a scan. */
  async getManyByKey (table: MemoryTable, property: string, values: ReadonlyArray<string | number>): Promise<Doc[]> {
    const k = table.unique.keys.findIndex(key => key.length === 1 && key[0] === property)
    const docs: Doc[] = []
    for (const value of values) {
      const id = table.unique.holder(k, [value])
      if (id !== undefined) docs.push(table.copy(id)!)
    }
    return docs
  }

  async find (table: MemoryTable, query: FindQuery): Promise<FindResult> {
    const matches = compileCondition(query.filter, this.children)
    const order = compileOrder(totalOrder(query.sort))
    const all = selectSorted(candidates(table, query.filter), matches, order)
    const start = (query.page - 1) * query.size
    const items = query.after === undefined
      ? all.slice(start, start + query.size)
      : selectSorted(all, () => true, order, tupleOf(query.after), query.size)
    // every match is at hand already; the cap only keeps the answer the same as the other stores'
    const counted = Math.min(all.length, countCap(query.countLimit) ?? all.length)
    return { items: items.map(parse), ...boundedTotal(counted, query.countLimit) }
  }

  async findByRefs (table: MemoryTable, refProperty: string, ids: readonly string[],
    query: RefQuery): Promise<RefResult> {
    const items: Doc[] = []
    const totals = new Map<string, number>()
    const order = query.sort === undefined || query.sort.length === 0 ? undefined : compileOrder(totalOrder(query.sort))
    for (const ref of new Set(ids)) {
      const children = table.refs.children(refProperty, ref)
      if (children === undefined || children.size === 0) continue
      totals.set(ref, children.size)
      if (order === undefined) {
        const first = [...children].sort(compareText).slice(0, query.perRefLimit)
        for (const id of first) items.push(table.copy(id)!)
        continue
      }
      const docs = [...children].map(id => table.copy(id)!)
      const keyed = docs.map(doc => ({ doc, tuple: order.tuple(doc) }))
      keyed.sort((a, b) => order.compare(a.tuple, b.tuple))
      for (const { doc } of keyed.slice(0, query.perRefLimit)) items.push(doc)
    }
    return { items, totals }
  }

  async countByRefs (table: MemoryTable, refProperty: string, ids: readonly string[]): Promise<Map<string, number>> {
    const totals = new Map<string, number>()
    for (const ref of new Set(ids)) {
      const size = table.refs.children(refProperty, ref)?.size ?? 0
      if (size > 0) totals.set(ref, size)
    }
    return totals
  }

  // Keyset pagination over a live table: each batch is re-selected after the last tuple read,
  // so writes between batches never make a document appear twice.
  async * stream (table: MemoryTable, query: StreamQuery): AsyncGenerator<Batch, void> {
    const matches = compileCondition(query.filter, this.children)
    const order = compileOrder(totalOrder(query.sort))
    let after: SortTuple | undefined = query.after === undefined ? undefined : tupleOf(query.after)
    while (true) {
      // one extra document tells whether another read is needed
      const page = selectSorted(candidates(table, query.filter), matches, order, after, query.batchSize + 1)
      const batch = page.slice(0, query.batchSize)
      if (batch.length > 0) after = order.tuple(batch[batch.length - 1]!.doc)
      yield { docs: batch.map(parse), last: page.length <= query.batchSize }
    }
  }

  private linksOf (entity: string): MemoryLinks {
    let links = this.links.get(entity)
    if (links === undefined) this.links.set(entity, links = new MemoryLinks())
    return links
  }

  async upsertMany (table: MemoryTable, docs: readonly Doc[], _call?: Call, linked?: LinkWrite): Promise<Doc[]> {
    // serialize and check everything first: a rejected document or link leaves the table untouched
    const texts = docs.map(serializeDoc)
    const added = linked === undefined ? [] : this.linksOf(linked.entity).plan(linked.links)
    const previous = docs.map(doc => table.docs.get(doc.id)?.json)
    let written = 0
    try {
      for (; written < texts.length; written++) table.put(texts[written]!, written)
    } catch (error) {
      // a key conflict or a fault half-way must not leave part of the batch behind; undone in
      // reverse, each step restores a state that held before, so no key can conflict
      for (let i = written - 1; i >= 0; i--) {
        const before = previous[i]
        if (before === undefined) table.remove(docs[i]!.id)
        else table.put(before, i)
      }
      throw error
    }
    if (linked !== undefined) this.linksOf(linked.entity).add(added)
    return texts.map(json => JSON.parse(json) as Doc)
  }

  async resolveLinks (table: MemoryTable, entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    const links = this.linksOf(entity)
    const found: ResolvedLink[] = []
    for (const key of keys) {
      const link = links.get(key)
      if (link !== undefined) found.push({ ...link, exists: table.docs.has(link.id) })
    }
    return found
  }

  async findLinks (entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    return this.linksOf(entity).page(query)
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    return this.linksOf(entity).delete(keys)
  }

  async delete (table: MemoryTable, id: string): Promise<boolean> {
    return table.remove(id)
  }

  async deleteMany (table: MemoryTable, ids: readonly string[]): Promise<number> {
    let deleted = 0
    for (const id of new Set(ids)) if (table.remove(id)) deleted++
    return deleted
  }

  async moveMany (source: MemoryTable, target: MemoryTable, moves: readonly Move[]): Promise<string[]> {
    // serialize first, and nothing awaits in between: the move is atomic in this process
    const texts = moves.map((move, i) => serializeDoc(move.doc, i))
    const moved: Array<{ id: string, source: string, targetId: string, target: string | undefined }> = []
    try {
      moves.forEach((move, i) => {
        const record = source.docs.get(move.id)
        if (record?.doc.rev !== move.rev) return
        const before = target.docs.get(move.doc.id)?.json
        target.put(texts[i]!, i)
        source.remove(move.id)
        moved.push({ id: move.id, source: record.json, targetId: move.doc.id, target: before })
      })
    } catch (error) {
      // a key conflict: undo the moves made, newest first, so that nothing of the batch moved
      for (const undo of moved.reverse()) {
        source.put(undo.source, 0)
        if (undo.target !== undefined) target.put(undo.target, 0)
        else target.remove(undo.targetId)
      }
      throw error
    }
    return moved.map(entry => entry.id)
  }

  /** Always answers: the documents live in this process. */
  async ping (): Promise<void> {}

  async close (): Promise<void> {}
}

export function createMemoryStore (options: StoreOptions): Store {
  return new FramedStore(new MemoryAdapter(options), options)
}
