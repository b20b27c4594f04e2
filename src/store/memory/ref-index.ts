// Children by parent id for each declared ref property of one entity, kept in step with every
// write so that findByRefs touches only the children it returns or counts. Only string values
// are indexed: parent ids are strings, and SQLite's ref columns hold strings only as well.
import type { Doc } from '../store.js'

export class RefIndex {
  private readonly byProperty = new Map<string, Map<string, Set<string>>>()

  constructor (properties: readonly string[]) {
    for (const property of properties) this.byProperty.set(property, new Map())
  }

  has (property: string): boolean {
    return this.byProperty.has(property)
  }

  add (doc: Doc): void {
    for (const [property, children] of this.byProperty) {
      const ref = doc[property]
      if (typeof ref !== 'string') continue
      let ids = children.get(ref)
      if (ids === undefined) children.set(ref, ids = new Set())
      ids.add(doc.id)
    }
  }

  remove (doc: Doc): void {
    for (const [property, children] of this.byProperty) {
      const ref = doc[property]
      if (typeof ref !== 'string') continue
      const ids = children.get(ref)
      ids?.delete(doc.id)
      // drop empty sets so the index does not grow with parents that lost all children
      if (ids?.size === 0) children.delete(ref)
    }
  }

  children (property: string, ref: string): ReadonlySet<string> | undefined {
    return this.byProperty.get(property)?.get(ref)
  }
}
