// The batched relationship graph builder: enriches any number of documents of one entity with
// the selected parents and children using one store round trip per parent entity and one per
// child relationship, whatever the number of documents. Reads of every store build their graphs
// here (batched-plan.ts), as does the library's `relatives`. A relationship joins a child's reference to the parent's
// `parentKey` (its id, or the unique key the reference holds): parents are read by that key's
// values and children by their parents' values of it, the same calls whichever key it is.
import type { ChildRelationship, ParentRelationship } from '../metadata/types.js'
import type { HiddenFields } from '../model/hidden-fields.js'
import type { Doc, ReadForm, Store } from '../store/store.js'
import { below, childPageRequest, type ChildPageLink } from './child-page-link.js'
import { parentsBy, parentValue } from './parent-value.js'
import type { ChildPage, ChildQuery, Graph, GraphRequest, Selection } from './graph.js'

export interface GraphOptions {
  /** Most children loaded per parent document and relationship; the rest are counted in `meta`. */
  childLimit: number
  /** Strips hidden properties from the parents and children loaded. */
  hidden: HiddenFields
  /** Makes the `next` link of a cut child list; without it, `meta` only counts. */
  childPageLink?: ChildPageLink
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
  constructor (
    private readonly store: Store,
    private readonly options: GraphOptions
  ) {}

  /** Text for an answer written as text, unless the entity hides properties: those are parsed to drop them. */
  #form (entity: string, request: GraphRequest): ReadForm {
    return this.options.hidden.form(entity, request.text)
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
      this.#loadParents(docs, selection.parents, request),
      Promise.all(selection.children.map(rel => this.#loadChildren(docs, rel, children[rel.child] ?? {}, request))),
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
    const values = parentValues(docs, relationship)
    const totals = values.length === 0
      ? new Map<string, number>()
      : await this.store.countByRefs(relationship.child, relationship.property, values, { signal })
    return { relationship, totals }
  }

  /**
   * One read per parent entity and key: relationships to the same entity through the same key
   * share the round trip. The parents are keyed by `parentsBy(rel)`, then by their key value.
   */
  async #loadParents (
    docs: readonly Doc[],
    relationships: readonly ParentRelationship[],
    request: GraphRequest
  ): Promise<Map<string, Map<string, Doc>>> {
    const wanted = new Map<string, { target: string, key: string, values: Set<string> }>()
    for (const rel of relationships) {
      const by = parentsBy(rel)
      let entry = wanted.get(by)
      if (entry === undefined) wanted.set(by, (entry = { target: rel.target, key: rel.parentKey, values: new Set() }))
      for (const doc of docs) {
        const value = doc[rel.property]
        if (typeof value === 'string') entry.values.add(value)
      }
    }
    const loaded = new Map<string, Map<string, Doc>>()
    await Promise.all(
      [...wanted].map(async ([by, { target, key, values }]) => {
        const found = values.size === 0 ? [] : await this.#readParents(target, key, [...values], request)
        // keyed before hiding: a hidden key still joins
        const visible = this.options.hidden.all(target, found)
        loaded.set(by, new Map(visible.map((doc, i) => [parentValue(found[i]!, key)!, doc])))
      })
    )
    return loaded
  }

  /** Parents by id, or by the unique key their children's references hold: one round trip either way. */
  async #readParents (target: string, key: string, values: string[], request: GraphRequest): Promise<Doc[]> {
    const options = { ...this.#form(target, request), signal: request.signal }
    return key === 'id'
      ? await this.store.getMany(target, values, options)
      : await this.store.getManyByKey(target, key, values, options)
  }

  /** One findByRefs: the store limits, orders and counts each parent's children. */
  async #loadChildren (
    docs: readonly Doc[],
    relationship: ChildRelationship,
    query: ChildQuery,
    request: GraphRequest
  ): Promise<LoadedChildren> {
    const values = parentValues(docs, relationship)
    const perRefLimit = Math.min(query.limit ?? this.options.childLimit, this.options.childLimit)
    const found = values.length === 0
      ? { items: [], totals: new Map<string, number>() }
      : await this.store.findByRefs(relationship.child, relationship.property, values, {
        ...this.#form(relationship.child, request),
        perRefLimit,
        ...(query.sort === undefined ? {} : { sort: query.sort })
      }, { signal: request.signal })
    const items = this.options.hidden.all(relationship.child, found.items)
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
      const ref = doc[rel.property]
      const parent = typeof ref === 'string' ? parents.get(parentsBy(rel))?.get(ref) : undefined
      graph.parents[rel.property] = parent ?? null
    }
    for (const { relationship: rel, query, byParent, totals } of children) {
      // a document without a value of the key has no children through it
      const value = parentValue(doc, rel.parentKey)
      const edges = (graph.children[rel.child] ??= {})
      const list = (edges[rel.property] = (value === undefined ? undefined : byParent.get(value)) ?? [])
      const total = (value === undefined ? undefined : totals.get(value)) ?? 0
      const page: ChildPage = { total, returned: list.length }
      // a cut list always says so, and links to the rest (all of it after a limit of 0)
      const next = total > list.length ? this.#nextLink(rel, value!, list, query, selection, request) : undefined
      if (next !== undefined) page.next = next
      ;(graph.meta ??= { children: {} }).children[rel.key] = page
    }
    for (const { relationship: rel, totals } of counted) {
      const value = parentValue(doc, rel.parentKey)
      const total = (value === undefined ? undefined : totals.get(value)) ?? 0
      ;(graph.meta ??= { children: {} }).children[rel.key] = { total, returned: 0 }
    }
    return graph
  }

  #nextLink (
    rel: ChildRelationship,
    parentValue: string,
    list: readonly Doc[],
    query: ChildQuery,
    selection: Selection,
    request: GraphRequest
  ): string | undefined {
    const last = list.length === 0 ? undefined : list[list.length - 1]!
    return this.options.childPageLink?.(rel, parentValue, childPageRequest(rel, last, query, selection, request))
  }
}

/** The distinct values the documents hold of the key `rel`'s children reference. */
function parentValues (docs: readonly Doc[], rel: ChildRelationship): string[] {
  const values = new Set<string>()
  for (const doc of docs) {
    const value = parentValue(doc, rel.parentKey)
    if (value !== undefined) values.add(value)
  }
  return [...values]
}
