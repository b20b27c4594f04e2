// One entity's documents in memory. Each document is kept twice: as JSON text, from which every
// caller gets a fresh copy, and parsed, for matching and sorting; the parsed form never leaves.
import type { Doc } from '../store.js'
import { RefIndex } from './ref-index.js'

export interface StoredDoc {
  json: string
  doc: Doc
}

export class MemoryTable {
  readonly docs = new Map<string, StoredDoc>()
  readonly refs: RefIndex

  constructor (refProperties: readonly string[]) {
    this.refs = new RefIndex(refProperties)
  }

  put (json: string): void {
    const doc = JSON.parse(json) as Doc
    this.remove(doc.id)
    this.docs.set(doc.id, { json, doc })
    this.refs.add(doc)
  }

  remove (id: string): boolean {
    const stored = this.docs.get(id)
    if (stored === undefined) return false
    this.refs.remove(stored.doc)
    return this.docs.delete(id)
  }

  copy (id: string): Doc | undefined {
    const stored = this.docs.get(id)
    return stored === undefined ? undefined : JSON.parse(stored.json) as Doc
  }
}
