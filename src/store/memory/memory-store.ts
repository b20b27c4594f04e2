// The in-memory store: the reference implementation of the Store semantics, used for tests and
// development. It mirrors the SQLite adapter's ordering and type rules exactly, and pays for
// every call with one reported round trip so that round-trip counts are the same everywhere.
import { StoreUnavailableError } from '../../errors.js'
import { checkAfter, checkBatchSize, checkLimit, checkPage, totalOrder } from '../keyset.js'
import type {
  Doc, FindQuery, Move, FindResult, IdentityLink, LinkKey, LinkQuery, RefQuery, RefResult, ResolvedLink, Store,
  StoreOptions, StreamQuery, WriteStatus
} from '../store.js'
import { checkLinkQuery } from '../links.js'
import { MemoryLinks } from './memory-links.js'
import { candidates, pinnedCandidates } from './candidates.js'
import { compareText, compileOrder, tupleOf, type SortTuple } from './compare.js'
import { serializeDoc } from '../documents.js'
import { compileCondition, type ChildLookup } from './match.js'
import { MemoryTable, type StoredDoc } from './memory-table.js'
import { selectSorted } from './select.js'

function parse (stored: StoredDoc): Doc {
  return JSON.parse(stored.json) as Doc
}

export class MemoryStore implements Store {
  readonly kind = 'memory'
  private readonly tables = new Map<string, MemoryTable>()
  private readonly links = new Map<string, MemoryLinks>()
  private closed = false

  constructor (private readonly options: StoreOptions) {
    for (const entity of options.entities) {
      this.tables.set(entity.name, new MemoryTable(entity.refProperties))
      this.links.set(entity.name, new MemoryLinks())
    }
  }

  private table (entity: string): MemoryTable {
    const table = this.tables.get(entity)
    // entities come from the model, never from a request: an unknown one is a bug
    if (table === undefined) throw new Error(`memory store: unknown entity '${entity}'`)
    return table
  }

  /** The table of `entity`, whose ref index serves `refProperty`; a reference the model does not declare is a bug. */
  private checkRef (entity: string, refProperty: string): MemoryTable {
    const table = this.table(entity)
    if (!table.refs.has(refProperty)) {
      throw new Error(`memory store: '${refProperty}' is not a declared ref property of '${entity}'`)
    }
    return table
  }

  /** The children a relation filter reads: through the child table's ref index, never a scan. */
  private readonly children: ChildLookup = {
    byParent: (entity, refProperty) => {
      const table = this.checkRef(entity, refProperty)
      return function * childrenOf (id) {
        for (const child of table.refs.children(refProperty, id) ?? []) yield table.docs.get(child)!.doc
      }
    },
    pinned: (entity, condition) => pinnedCandidates(this.table(entity), condition)?.map(stored => stored.doc)
  }

  /** Checks the call can run, then counts it as one round trip. */
  private begin (entity: string, op: string): MemoryTable {
    const table = this.table(entity)
    if (this.closed) throw new StoreUnavailableError(`memory store: ${op} on '${entity}' failed: the store is closed`)
    this.options.onQuery?.(entity, op)
    return table
  }

  async get (entity: string, id: string): Promise<Doc | undefined> {
    return this.begin(entity, 'get').copy(id)
  }

  async getMany (entity: string, ids: readonly string[]): Promise<Doc[]> {
    const table = this.begin(entity, 'getMany')
    const docs: Doc[] = []
    for (const id of new Set(ids)) {
      const doc = table.copy(id)
      if (doc !== undefined) docs.push(doc)
    }
    return docs
  }

  async find (entity: string, query: FindQuery): Promise<FindResult> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    const table = this.begin(entity, 'find')
    const matches = compileCondition(query.filter, this.children)
    const order = compileOrder(totalOrder(query.sort))
    const all = selectSorted(candidates(table, query.filter), matches, order)
    const start = (query.page - 1) * query.size
    const items = query.after === undefined
      ? all.slice(start, start + query.size)
      : selectSorted(all, () => true, order, tupleOf(query.after), query.size)
    return { items: items.map(parse), total: all.length }
  }

  async findByRefs (entity: string, refProperty: string, ids: readonly string[], query: RefQuery): Promise<RefResult> {
    checkLimit(query.perRefLimit)
    this.checkRef(entity, refProperty)
    const table = this.begin(entity, 'findByRefs')
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

  async countByRefs (entity: string, refProperty: string, ids: readonly string[]): Promise<Map<string, number>> {
    this.checkRef(entity, refProperty)
    const table = this.begin(entity, 'countByRefs')
    const totals = new Map<string, number>()
    for (const ref of new Set(ids)) {
      const size = table.refs.children(refProperty, ref)?.size ?? 0
      if (size > 0) totals.set(ref, size)
    }
    return totals
  }

  stream (entity: string, query: StreamQuery): AsyncIterable<Doc[]> {
    return this.batches(entity, query)
  }

  // Keyset pagination over a live table: each batch is re-selected after the last tuple read,
  // so writes between batches never make a document appear twice.
  private async * batches (entity: string, query: StreamQuery): AsyncGenerator<Doc[]> {
    checkBatchSize(query.batchSize)
    checkAfter(query.after, query.sort)
    const matches = compileCondition(query.filter, this.children)
    const order = compileOrder(totalOrder(query.sort))
    let after: SortTuple | undefined = query.after === undefined ? undefined : tupleOf(query.after)
    while (true) {
      const table = this.begin(entity, 'stream')
      // one extra document tells whether another read is needed
      const page = selectSorted(candidates(table, query.filter), matches, order, after, query.batchSize + 1)
      const batch = page.slice(0, query.batchSize)
      if (batch.length > 0) {
        after = order.tuple(batch[batch.length - 1]!.doc)
        yield batch.map(parse)
      }
      if (page.length <= query.batchSize) return
    }
  }

  async upsertMany (entity: string, docs: readonly Doc[], links: readonly IdentityLink[] = []): Promise<Doc[]> {
    const table = this.begin(entity, 'upsertMany')
    // serialize and check everything first: a rejected document or link leaves the table untouched
    const texts = docs.map(serializeDoc)
    const added = this.links.get(entity)!.plan(links)
    const previous = docs.map(doc => table.docs.get(doc.id)?.json)
    let written = 0
    try {
      for (; written < texts.length; written++) table.put(texts[written]!)
    } catch (error) {
      // a fault half-way (out of memory, a bug) must not leave part of the batch behind
      for (let i = written - 1; i >= 0; i--) {
        const before = previous[i]
        if (before === undefined) table.remove(docs[i]!.id)
        else table.put(before)
      }
      throw error
    }
    this.links.get(entity)!.add(added)
    return texts.map(json => JSON.parse(json) as Doc)
  }

  async resolveLinks (entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    const table = this.begin(entity, 'resolveLinks')
    const links = this.links.get(entity)!
    const found: ResolvedLink[] = []
    for (const key of keys) {
      const link = links.get(key)
      if (link !== undefined) found.push({ ...link, exists: table.docs.has(link.id) })
    }
    return found
  }

  async findLinks (entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    checkLinkQuery(query)
    this.begin(entity, 'findLinks')
    return this.links.get(entity)!.page(query)
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    this.begin(entity, 'deleteLinks')
    return this.links.get(entity)!.delete(keys)
  }

  async delete (entity: string, id: string): Promise<boolean> {
    return this.begin(entity, 'delete').remove(id)
  }

  async deleteMany (entity: string, ids: readonly string[]): Promise<number> {
    const table = this.begin(entity, 'deleteMany')
    let deleted = 0
    for (const id of new Set(ids)) if (table.remove(id)) deleted++
    return deleted
  }

  async moveMany (from: string, to: string, moves: readonly Move[]): Promise<string[]> {
    const source = this.table(from)
    const target = this.begin(to, 'moveMany')
    // serialize first, and nothing awaits in between: the move is atomic in this process
    const texts = moves.map((move, i) => serializeDoc(move.doc, i))
    const moved: string[] = []
    moves.forEach((move, i) => {
      if (source.docs.get(move.id)?.doc.rev !== move.rev) return
      source.remove(move.id)
      target.put(texts[i]!)
      moved.push(move.id)
    })
    return moved
  }

  async ping (): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('memory store: the store is closed')
  }

  /** Writes are synchronous in one thread: nothing else can hold them back. */
  async writeStatus (): Promise<WriteStatus> {
    await this.ping()
    return 'ok'
  }

  async close (): Promise<void> {
    this.closed = true
  }
}

export function createMemoryStore (options: StoreOptions): Store {
  return new MemoryStore(options)
}
