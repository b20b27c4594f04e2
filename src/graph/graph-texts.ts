// Graphs answered as JSON text by a store that builds them itself (store/graph-plan.ts), the
// same bytes as JSON.stringify of the batched builder's graphs trimmed to `fields`. Only a
// graph holding a cut child list is parsed here: its list's last child, which the store wrote
// into the list's page, becomes the `next` link as the batched builder makes it.
import type { GraphText, GraphTextReader } from '../store/graph-plan.js'
import type { Doc, FindQuery } from '../store/store.js'
import { below, childPageRequest, type ChildPageLink } from './child-page-link.js'
import type { ChildPage, Graph, GraphRequest, Selection } from './graph.js'
import { parentValue } from './parent-value.js'
import { eachRelative } from './selection.js'
import { storeGraphPlan, type PlanOptions } from './store-graph-plan.js'

export interface GraphTextOptions extends PlanOptions {
  childPageLink?: ChildPageLink
}

export interface TextPage {
  /** Each document's graph, in the page's order. */
  texts: string[]
  /** The documents as stored, for the cursor of the last one. */
  roots: string[]
  /** As FindResult's: exact, or a lower bound when `exact` is false. */
  total: number
  exact: boolean
}

/** A cut list's page as the store writes it: its last child, and through a key the parent's value of it. */
type StoredPage = ChildPage & { last?: Doc | null, held?: string | null }

export class GraphTexts {
  constructor (private readonly reader: GraphTextReader, private readonly options: GraphTextOptions) {}

  async page (entity: string, query: FindQuery, selection: Selection, request: GraphRequest): Promise<TextPage> {
    const plan = storeGraphPlan(entity, selection, request, this.options)
    const { graphs, total, exact } = await this.reader.page(entity, query, plan, { signal: request.signal })
    return {
      texts: graphs.map(graph => this.#finished(graph, selection, request)),
      roots: graphs.map(graph => graph.root),
      total,
      exact
    }
  }

  async one (entity: string, id: string, selection: Selection, request: GraphRequest): Promise<string | undefined> {
    const plan = storeGraphPlan(entity, selection, request, this.options)
    const graph = await this.reader.one(entity, id, plan, { signal: request.signal })
    return graph === undefined ? undefined : this.#finished(graph, selection, request)
  }

  #finished (graph: GraphText, selection: Selection, request: GraphRequest): string {
    if (!graph.cut) return graph.text
    const parsed = JSON.parse(graph.text) as Graph
    this.#link(parsed, selection, request)
    return JSON.stringify(parsed)
  }

  /** Replaces the last child of each cut list, at any depth, by the link to the rest. */
  #link (graph: Graph, selection: Selection, request: GraphRequest): void {
    for (const rel of selection.children) {
      const page = graph.meta?.children[rel.key] as StoredPage | undefined
      if (page === undefined || !('last' in page)) continue
      const last = page.last ?? undefined
      const held = page.held
      delete page.last
      delete page.held
      const query = request.children?.[rel.child] ?? {}
      // a cut list has a parent holding the key: the store answered its children through it, and
      // wrote its value beside the last child (`fields` may have left it out of the entity)
      const value = held === undefined ? parentValue(graph.entity, rel.parentKey) : held ?? undefined
      const next = value === undefined
        ? undefined
        : this.options.childPageLink?.(rel, value, childPageRequest(rel, last, query, selection, request))
      if (next !== undefined) page.next = next
    }
    if (selection.nested === undefined) return
    eachRelative(graph, selection, (item, { key, next }) => {
      if (next !== undefined) this.#link(item as Graph, next, below(request, key))
    })
  }
}
