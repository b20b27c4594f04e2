// The batched relationship graph builder: enriches any number of documents of one entity with
// the selected parents and children using one store round trip per parent entity and one per
// child relationship, whatever the number of documents. Single GET, list, stream and the
// library API all go through `build`.
import type { ChildRelationship, ParentRelationship } from '../metadata/types.js'
import type { HiddenFields } from '../model/hidden-fields.js'
import type { Doc, Store } from '../store/store.js'
import { below, childPageRequest, type ChildPageLink } from './child-page-link.js'
import { GraphTexts } from './graph-texts.js'
import type { ChildPage, ChildQuery, Graph, GraphRequest, Selection } from './graph.js'

export interface GraphOptions {
  /** Most children loaded per parent document and relationship; the rest are counted in `meta`. */
  childLimit: number
  /** Strips hidden properties from the parents and children loaded. */
  hidden?: HiddenFields
  /** Makes the `next` link of a cut child list; without it, `meta` only counts. */
  childPageLink?: ChildPageLink
  /**
   * Whether a store that builds graphs itself (PostgreSQL, in one statement) answers the reads
   * it can as JSON text (`texts`); true when omitted.
   */
  storeGraphs?: boolean
}

interface CountedChildren {
  relationship: ChildRelationship
  totals: Map<string, number>
}

interface LoadedChildren {
  relationship: ChildRelationship
  query: ChildQuery
  byParent: Map<string, Doc[]>
  totals: Map<string, number>
}

export class GraphBuilder {
  /** Graphs as JSON text from the store in one round trip, when the store builds them. */
  readonly texts: GraphTexts | undefined

  constructor (
    private readonly store: Store,
    private readonly options: GraphOptions
  ) {
    const reader = store.graphTexts
    this.texts = reader === undefined || options.storeGraphs === false
      ? undefined
      : new GraphTexts(reader, {
        childLimit: options.childLimit,
        hiddenOf: entity => options.hidden?.names(entity) ?? [],
        ...(options.childPageLink === undefined ? {} : { childPageLink: options.childPageLink })
      })
  }

  /**
   * `request.children` gives per child entity how many children to load per parent and in which
   * order; `request.counts` the child relationships to count only (one grouped count each).
   */
  async build (docs: readonly Doc[], selection: Selection, request: GraphRequest = {}): Promise<Graph[]> {
    if (docs.length === 0) return []
    const children = request.children ?? {}
    const counts = (request.counts ?? []).filter(rel => !selection.children.some(loaded => loaded.key === rel.key))
    const [parents, loaded, counted] = await Promise.all([
      this.#loadParents(docs, selection.parents, request.signal),
      Promise.all(selection.children.map(rel =>
        this.#loadChildren(docs, rel, children[rel.child] ?? {}, request.signal))),
      Promise.all(counts.map(rel => this.#countChildren(docs, rel, request.signal)))
    ])
    const graphs = docs.map(doc => this.#assemble(doc, selection, request, parents, loaded, counted))
    if (selection.nested !== undefined) await this.#nextLevel(graphs, selection, request)
    return graphs
  }

  /**
   * Paths that go on: the documents every graph reached through one relationship are built as a
   * batch, one level down, so a level costs one round trip per relationship, never per document.
   */
  async #nextLevel (graphs: Graph[], selection: Selection, request: GraphRequest): Promise<void> {
    await Promise.all(
      Object.entries(selection.nested!).map(([key, next]) =>
        this.#buildNested(graphs, selection, key, next, below(request, key))
      )
    )
  }

  async #buildNested (
    graphs: Graph[],
    selection: Selection,
    key: string,
    next: Selection,
    request: GraphRequest
  ): Promise<void> {
    const parent = selection.parents.find(p => p.property === key)
    const rel = parent === undefined ? selection.children.find(c => c.key === key)! : undefined
    const reachedBy = (graph: Graph): Doc[] => {
      if (rel !== undefined) return graph.children[rel.child]![rel.property] as Doc[]
      const doc = graph.parents[key] as Doc | null
      return doc === null ? [] : [doc]
    }
    const reached = new Map<string, Doc>()
    for (const graph of graphs) for (const doc of reachedBy(graph)) reached.set(doc.id, doc)
    const built = new Map((await this.build([...reached.values()], next, request)).map(g => [g.entity.id, g]))
    for (const graph of graphs) {
      if (rel !== undefined) {
        const edges = graph.children[rel.child]!
        edges[rel.property] = reachedBy(graph).map(doc => built.get(doc.id)!)
      } else if (graph.parents[key] !== null) {
        graph.parents[key] = built.get((graph.parents[key] as Doc).id)!
      }
    }
  }

  async #countChildren (docs: readonly Doc[], relationship: ChildRelationship,
    signal?: AbortSignal): Promise<CountedChildren> {
    const ids = [...new Set(docs.map(d => d.id))]
    const totals = await this.store.countByRefs(relationship.child, relationship.property, ids, { signal })
    return { relationship, totals }
  }

  /** One getMany per parent entity: relationships to the same entity share the round trip. */
  async #loadParents (
    docs: readonly Doc[],
    relationships: readonly ParentRelationship[],
    signal?: AbortSignal
  ): Promise<Map<string, Map<string, Doc>>> {
    const idsByTarget = new Map<string, Set<string>>()
    for (const rel of relationships) {
      let ids = idsByTarget.get(rel.target)
      if (ids === undefined) idsByTarget.set(rel.target, (ids = new Set()))
      for (const doc of docs) {
        const id = doc[rel.property]
        if (typeof id === 'string') ids.add(id)
      }
    }
    const loaded = new Map<string, Map<string, Doc>>()
    await Promise.all(
      [...idsByTarget].map(async ([target, ids]) => {
        const found = ids.size === 0 ? [] : await this.store.getMany(target, [...ids], { signal })
        const visible = this.options.hidden?.all(target, found) ?? found
        loaded.set(target, new Map(visible.map(d => [d.id, d])))
      })
    )
    return loaded
  }

  /** One findByRefs: the store limits, orders and counts each parent's children. */
  async #loadChildren (
    docs: readonly Doc[],
    relationship: ChildRelationship,
    query: ChildQuery,
    signal?: AbortSignal
  ): Promise<LoadedChildren> {
    const ids = [...new Set(docs.map(d => d.id))]
    const perRefLimit = Math.min(query.limit ?? this.options.childLimit, this.options.childLimit)
    const found = await this.store.findByRefs(relationship.child, relationship.property, ids, {
      perRefLimit,
      ...(query.sort === undefined ? {} : { sort: query.sort })
    }, { signal })
    const items = this.options.hidden?.all(relationship.child, found.items) ?? found.items
    const totals = found.totals
    const byParent = new Map<string, Doc[]>()
    for (const item of items) {
      const ref = item[relationship.property] as string
      const list = byParent.get(ref)
      if (list === undefined) byParent.set(ref, [item])
      else list.push(item)
    }
    return { relationship, query, byParent, totals }
  }

  #assemble (
    doc: Doc,
    selection: Selection,
    request: GraphRequest,
    parents: Map<string, Map<string, Doc>>,
    children: readonly LoadedChildren[],
    counted: readonly CountedChildren[]
  ): Graph {
    const graph: Graph = { entity: doc, parents: {}, children: {} }
    for (const rel of selection.parents) {
      const id = doc[rel.property]
      graph.parents[rel.property] = (typeof id === 'string' ? parents.get(rel.target)?.get(id) : undefined) ?? null
    }
    for (const { relationship: rel, query, byParent, totals } of children) {
      const edges = (graph.children[rel.child] ??= {})
      const list = (edges[rel.property] = byParent.get(doc.id) ?? [])
      const total = totals.get(doc.id) ?? 0
      const page: ChildPage = { total, returned: list.length }
      // a cut list always says so, and links to the rest (all of it after a limit of 0)
      const next = total > list.length ? this.#nextLink(rel, doc.id, list, query, selection, request) : undefined
      if (next !== undefined) page.next = next
      ;(graph.meta ??= { children: {} }).children[rel.key] = page
    }
    for (const { relationship: rel, totals } of counted) {
      ;(graph.meta ??= { children: {} }).children[rel.key] = { total: totals.get(doc.id) ?? 0, returned: 0 }
    }
    return graph
  }

  #nextLink (
    rel: ChildRelationship,
    parentId: string,
    list: readonly Doc[],
    query: ChildQuery,
    selection: Selection,
    request: GraphRequest
  ): string | undefined {
    const last = list.length === 0 ? undefined : list[list.length - 1]!
    return this.options.childPageLink?.(rel, parentId, childPageRequest(rel, last, query, selection, request))
  }
}
