// One entity's documents in memory. Each document is kept twice: as JSON text, from which every
// caller gets a fresh copy, and parsed, for matching and sorting; the parsed form never leaves.
import type { Doc, StoreEntity } from '../store.js'
import { UniqueIndex } from '../unique-keys.js'
import { RefIndex } from './ref-index.js'

export interface StoredDoc {
  json: string
  doc: Doc
}

export class MemoryTable {
  readonly docs = new Map<string, StoredDoc>()
  readonly refs: RefIndex
  readonly unique: UniqueIndex

  constructor (entity: StoreEntity) {
    this.refs = new RefIndex(entity.refProperties)
    this.unique = new UniqueIndex(entity.name, entity.uniqueKeys ?? [])
  }

  /** Stores `json`, the document at `index` of its batch; throws KeyConflictError, changing nothing, on a key held. */
  put (json: string, index: number): void {
    const doc = JSON.parse(json) as Doc
    this.unique.check(doc, index)
    this.remove(doc.id)
    this.docs.set(doc.id, { json, doc })
    this.refs.add(doc)
    this.unique.add(doc)
  }

  remove (id: string): boolean {
    const stored = this.docs.get(id)
    if (stored === undefined) return false
    this.refs.remove(stored.doc)
    this.unique.remove(stored.doc)
    return this.docs.delete(id)
  }

  copy (id: string): Doc | undefined {
    const stored = this.docs.get(id)
    return stored === undefined ? undefined : JSON.parse(stored.json) as Doc
  }
}
