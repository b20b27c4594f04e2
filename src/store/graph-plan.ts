// The optional store hook for graphs built by the store itself (PostgreSQL and SQLite: one
// statement per page, GET or stream batch). The graph builder describes a request as a
// GraphPlan: which relatives to load, how many children and in which order, which properties to
// keep or hide at each level; the store answers each root document's graph as JSON text, byte
// for byte what JSON.stringify writes for the graph the batched builder makes, so that Node
// never parses the relatives.
import type { FindQuery, ReadOptions, SortKey, StreamQuery } from './store.js'

/**
 * Plans, and the statements a store writes for them, kept per entity (identity-memo.ts):
 * as many as the query strings a route keeps parsed (routes/parsed-queries.ts).
 */
export const PLANS_KEPT = 500

/** What to keep of the documents at one place of a graph. */
export interface DocPlan {
  /** Properties kept, in the document's order (`id` among them); every one when absent. */
  readonly keep?: readonly string[]
  /** Properties never shown (hidden by the model), removed before `keep` applies. */
  readonly hidden: readonly string[]
}

/** A document answered as a graph: `{"entity":…,"parents":{…},"children":{…},"meta":…}`. */
export interface GraphPlan extends DocPlan {
  readonly parents: readonly ParentEdge[]
  /** In the graph's order; `children` groups them by child entity, in order of first appearance. */
  readonly children: readonly ChildEdge[]
  /** Child relationships reported in `meta.children` by their count only (after the loaded ones). */
  readonly counts: readonly CountEdge[]
}

export interface ParentEdge {
  readonly property: string
  readonly target: string
  /** The target's property the reference holds: `id`, or a single-property unique key (`x-parent-key`). */
  readonly parentKey: string
  /** A graph when the path goes on, else the parent document. */
  readonly below: DocPlan | GraphPlan
}

export interface CountEdge {
  readonly child: string
  readonly property: string
  /** The parent's property the child's reference holds: `id`, or a single-property unique key (`x-parent-key`). */
  readonly parentKey: string
  /** `Child.refProp`: the key in `meta.children`. */
  readonly key: string
}

export interface ChildEdge extends CountEdge {
  /** Most children per parent, in `sort` order then id. */
  readonly limit: number
  readonly sort?: readonly SortKey[]
  readonly below: DocPlan | GraphPlan
}

export function isGraphPlan (plan: DocPlan | GraphPlan): plan is GraphPlan {
  return 'parents' in plan
}

/**
 * One root document's graph as JSON text. A cut child list's page in `meta.children` carries,
 * after `returned`, `"last":` the last child it holds (as stored, hidden properties removed;
 * null for a limit of 0), and for a reference through a key `"held":` the parent's value of that key
 * (`fields` may leave it out of the parent): the caller turns them into the `next` link. `cut`
 * tells whether any does.
 */
export interface GraphText {
  text: string
  cut: boolean
  /**
   * The root document as stored, what a cursor is made from: a page's graphs always carry it; a
   * GET's and a stream's need not (no cursor is taken from them), and SQLite leaves it out.
   */
  root?: string
}

/** A graph of a page, with what the cursor of the page's last item is made from. */
export interface PagedGraphText extends GraphText {
  root: string
}

export interface GraphTextPage {
  graphs: PagedGraphText[]
  /** Every match of the filter, as FindResult.total: exact, or with `exact` false a lower bound (`countLimit`). */
  total: number
  exact: boolean
}

/** A store that builds graphs as text; each call is one round trip. */
export interface GraphTextReader {
  /** The graphs of one page of `find`'s documents, in its order. */
  page: (entity: string, query: FindQuery, plan: GraphPlan, options?: ReadOptions) => Promise<GraphTextPage>
  /** The graph of one document; undefined when it does not exist. */
  one: (entity: string, id: string, plan: GraphPlan, options?: ReadOptions) => Promise<GraphText | undefined>
  /**
   * The graphs of every match of a stream, in its order, `batchSize` at a time, each batch one
   * round trip; absent when the store streams documents only.
   */
  stream?: (entity: string, query: StreamQuery, plan: GraphPlan, options?: ReadOptions) => AsyncIterable<GraphText[]>
}
