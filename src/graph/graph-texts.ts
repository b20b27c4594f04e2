// The plan of a store that builds graphs itself (store/graph-plan.ts) and writes them as JSON
// text, the same bytes as JSON.stringify of the batched builder's graphs trimmed to `fields`:
// one round trip for a GET, a page or a stream batch, no related document parsed. Only a graph
// holding a cut child list is parsed here: its list's last child, which the store wrote into the
// list's page, becomes the `next` link as the batched builder makes it.
import { NotFoundError } from '../errors.js'
import { PLANS_KEPT, type GraphPlan, type GraphText, type GraphTextReader } from '../store/graph-plan.js'
import { IdentityMemo } from '../store/identity-memo.js'
import type { Doc, FindQuery, StreamQuery } from '../store/store.js'
import { below, childPageRequest, type ChildPageLink } from './child-page-link.js'
import type { ChildPage, Graph, GraphRequest, Selection } from './graph.js'
import { NO_RELATIONSHIPS } from './parse-with.js'
import { parentValue } from './parent-value.js'
import type { OneReader, PlanPage, PlanRead, PlanRequest, ReadPlan } from './read-plan.js'
import { eachRelative } from './selection.js'
import { storeGraphPlan, type PlanOptions } from './store-graph-plan.js'

export interface GraphTextOptions extends PlanOptions {
  childPageLink?: ChildPageLink
}

/** A graph's root document as stored: a page's graphs carry it (graph-plan.ts); cursors are taken only there. */
function storedRoot (graph: GraphText): string {
  if (graph.root === undefined) throw new Error('the store handed out no stored document with this graph')
  return graph.root
}

/** A cut list's page as the store writes it: its last child, and through a key the parent's value of it. */
type StoredPage = ChildPage & { last?: Doc | null, held?: string | null }

export class GraphTexts implements ReadPlan {
  /**
   * The plan of each parsed request, made once (store/identity-memo.ts): the same plan object every
   * time lets the store keep the statements it wrote for it (sqlite/graph-texts.ts, postgres/…).
   */
  readonly #plans = new IdentityMemo<GraphPlan>(PLANS_KEPT)

  constructor (private readonly reader: GraphTextReader, private readonly options: GraphTextOptions) {}

  oneOf<T> (asked: PlanRequest<T>): OneReader<T> {
    const { entity, built = NO_RELATIONSHIPS, request, form } = asked
    const plan = this.#plan(asked)
    return async (id, signal) => {
      const graph = await this.reader.one(entity, id, plan, { signal })
      if (graph === undefined) throw new NotFoundError(entity, id)
      return form.ofOneText(this.#finished(graph, built, request))
    }
  }

  async page<T> (asked: PlanRequest<T>, query: FindQuery): Promise<PlanPage<T>> {
    // the store's estimate takes one more statement, which graphs built in the store do not make
    const { graphs, total, exact } = await this.reader.page(asked.entity, { ...query, estimate: false },
      this.#plan(asked), { signal: asked.request.signal })
    return { read: this.#read(graphs, asked), total, exact }
  }

  /** Whether the store streams graphs too (else streams build them in batches). */
  get streams (): boolean {
    return this.reader.stream !== undefined
  }

  /** Each batch of a stream's graphs, one round trip each; only when `streams`. */
  async * stream<T> (asked: PlanRequest<T>, query: StreamQuery): AsyncGenerator<PlanRead<T>> {
    const batches = this.reader.stream!(asked.entity, query, this.#plan(asked), { signal: asked.request.signal })
    for await (const graphs of batches) yield this.#read(graphs, asked)
  }

  /** Chosen for graphs only: `built` is always given. What the plan is made of is all its key. */
  #plan<T> ({ entity, built = NO_RELATIONSHIPS, request }: PlanRequest<T>): GraphPlan {
    const { children, counts, fields } = request
    return this.#plans.of(entity, [built, children, counts, fields],
      () => storeGraphPlan(entity, built, request, this.options))
  }

  #read<T> (graphs: GraphText[], { built = NO_RELATIONSHIPS, request, form }: PlanRequest<T>): PlanRead<T> {
    return {
      length: graphs.length,
      stored: index => JSON.parse(storedRoot(graphs[index]!)) as Doc,
      answers: async count => form.ofText(graphs.slice(0, count).map(graph => this.#finished(graph, built, request)))
    }
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
