// The batched relationship graph builder: enriches any number of documents of one entity with
// the selected parents and children using one store round trip per parent entity and one per
// child relationship, whatever the number of documents. Single GET, list, stream and the
// library API all go through `build`.
import type { ChildRelationship, ParentRelationship } from '../metadata/types.js'
import type { HiddenFields } from '../model/hidden-fields.js'
import type { Doc, Store } from '../store/store.js'
import type { Graph, Selection } from './graph.js'

export interface GraphOptions {
  /** Children loaded per parent document and relationship; the rest are reported as truncated. */
  childLimit: number
  /** Strips hidden properties from the parents and children loaded. */
  hidden?: HiddenFields
}

interface LoadedChildren {
  relationship: ChildRelationship
  byParent: Map<string, Doc[]>
  totals: Map<string, number>
}

export class GraphBuilder {
  constructor (private readonly store: Store, private readonly options: GraphOptions) {}

  async build (docs: readonly Doc[], selection: Selection): Promise<Graph[]> {
    const [parents, children] = await Promise.all([
      this.#loadParents(docs, selection.parents),
      Promise.all(selection.children.map(rel => this.#loadChildren(docs, rel)))
    ])
    return docs.map(doc => assemble(doc, selection.parents, parents, children))
  }

  /** One getMany per parent entity: relationships to the same entity share the round trip. */
  async #loadParents (docs: readonly Doc[], relationships: readonly ParentRelationship[]): Promise<Map<string, Map<string, Doc>>> {
    const idsByTarget = new Map<string, Set<string>>()
    for (const rel of relationships) {
      let ids = idsByTarget.get(rel.target)
      if (ids === undefined) idsByTarget.set(rel.target, ids = new Set())
      for (const doc of docs) {
        const id = doc[rel.property]
        if (typeof id === 'string') ids.add(id)
      }
    }
    const loaded = new Map<string, Map<string, Doc>>()
    await Promise.all([...idsByTarget].map(async ([target, ids]) => {
      const found = ids.size === 0 ? [] : await this.store.getMany(target, [...ids])
      const visible = this.options.hidden?.all(target, found) ?? found
      loaded.set(target, new Map(visible.map(d => [d.id, d])))
    }))
    return loaded
  }

  async #loadChildren (docs: readonly Doc[], relationship: ChildRelationship): Promise<LoadedChildren> {
    const ids = [...new Set(docs.map(d => d.id))]
    const found = await this.store.findByRefs(relationship.child, relationship.property, ids, { perRefLimit: this.options.childLimit })
    const items = this.options.hidden?.all(relationship.child, found.items) ?? found.items
    const totals = found.totals
    const byParent = new Map<string, Doc[]>()
    for (const item of items) {
      const ref = item[relationship.property] as string
      const list = byParent.get(ref)
      if (list === undefined) byParent.set(ref, [item])
      else list.push(item)
    }
    return { relationship, byParent, totals }
  }
}

function assemble (
  doc: Doc,
  parentRels: readonly ParentRelationship[],
  parents: Map<string, Map<string, Doc>>,
  children: readonly LoadedChildren[]
): Graph {
  const graph: Graph = { entity: doc, parents: {}, children: {} }
  for (const rel of parentRels) {
    const id = doc[rel.property]
    graph.parents[rel.property] = (typeof id === 'string' ? parents.get(rel.target)?.get(id) : undefined) ?? null
  }
  for (const { relationship: rel, byParent, totals } of children) {
    const edges = graph.children[rel.child] ??= {}
    const list = edges[rel.property] = byParent.get(doc.id) ?? []
    const total = totals.get(doc.id) ?? 0
    if (total > list.length) (graph.truncated ??= {})[rel.key] = total
  }
  return graph
}
