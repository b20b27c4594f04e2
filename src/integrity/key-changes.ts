// Changing a parent's key value while children reference it through that key (`x-parent-key`)
// is refused: their references would point at nothing, silently, since a key reference is never
// rewritten. A write of an entity whose keys children hold reads the documents it replaces (one
// getMany); only when a key value changes or goes, one findByRefs per child relationship through
// that key looks for a child still holding the old value. Other writes cost nothing more.
import { KeyInUseError } from '../errors.js'
import type { ChildRelationship, EntityMetadata } from '../metadata/types.js'
import type { Doc, Store } from '../store/store.js'

export class KeyChanges {
  readonly #children: readonly ChildRelationship[]
  readonly #keys: readonly string[]

  constructor (private readonly meta: EntityMetadata, private readonly store: Store) {
    this.#children = meta.children.filter(c => c.parentKey !== 'id')
    this.#keys = [...new Set(this.#children.map(c => c.parentKey))]
  }

  /** Whether children of `meta` hold one of its keys. */
  static needed (meta: EntityMetadata): boolean {
    return meta.children.some(c => c.parentKey !== 'id')
  }

  /** Throws KeyInUseError for the first document of `docs` that takes a referenced key value away. */
  async check (docs: readonly Doc[], where: (index: number) => string): Promise<void> {
    const before = new Map((await this.store.getMany(this.meta.name, docs.map(doc => doc.id))).map(d => [d.id, d]))
    if (before.size === 0) return
    for (const key of this.#keys) {
      const dropped = droppedValues(key, docs, before)
      if (dropped.size === 0) continue
      for (const rel of this.#children.filter(c => c.parentKey === key)) {
        const found = await this.store.findByRefs(rel.child, rel.property, [...dropped.keys()], { perRefLimit: 1 })
        const child = found.items[0]
        if (child === undefined) continue
        const value = child[rel.property] as string
        const index = dropped.get(value)!
        throw new KeyInUseError(this.meta.name, docs[index]!.id, key, value,
          { entity: rel.child, property: rel.property, id: child.id }, index, where)
      }
    }
  }
}

/**
 * The stored values of `key` that the write takes away (changed or dropped), each with the
 * position of the document that does; a value another document of the write takes stays held.
 */
function droppedValues (key: string, docs: readonly Doc[], before: ReadonlyMap<string, Doc>): Map<string, number> {
  const dropped = new Map<string, number>()
  docs.forEach((doc, index) => {
    const old = before.get(doc.id)?.[key]
    if (typeof old === 'string' && doc[key] !== old) dropped.set(old, index)
  })
  for (const doc of docs) {
    const value = doc[key]
    if (typeof value === 'string') dropped.delete(value)
  }
  return dropped
}
