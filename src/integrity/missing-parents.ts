// The write-time check: which references of a batch point at nothing. Batched like the graph
// builder: one getMany per checked parent relationship, whatever the number of documents.
import type { EntityMetadata, ParentRelationship } from '../metadata/types.js'
import type { Doc, Store } from '../store/store.js'
import type { MissingRef } from './parked.js'

/** Relationships whose missing parent changes what a write does (reject or park). */
export function checkedParents (meta: EntityMetadata): ParentRelationship[] {
  return meta.parents.filter(p => p.onMissingParent !== 'allow')
}

/**
 * The missing references of each document, by position (documents with none are absent). A
 * null or absent key is no reference. A parent written in the same batch (a category and its
 * parent category) exists.
 */
export async function findMissing (
  store: Store,
  relationships: readonly ParentRelationship[],
  docs: readonly Doc[]
): Promise<Map<number, MissingRef[]>> {
  const missing = new Map<number, MissingRef[]>()
  for (const rel of relationships) {
    const wanted = new Set<string>()
    for (const doc of docs) {
      const id = doc[rel.property]
      if (typeof id === 'string') wanted.add(id)
    }
    if (wanted.size === 0) continue
    const existing = new Set((await store.getMany(rel.target, [...wanted])).map(doc => doc.id))
    if (rel.target === rel.entity) for (const doc of docs) existing.add(doc.id)
    docs.forEach((doc, index) => {
      const id = doc[rel.property]
      if (typeof id !== 'string' || existing.has(id)) return
      let refs = missing.get(index)
      if (refs === undefined) missing.set(index, (refs = []))
      refs.push({ property: rel.property, target: rel.target, id })
    })
  }
  return missing
}
