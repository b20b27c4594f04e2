// The shapes of reads: what a list, stream or single GET asks for and answers, and the
// library's relatives options, which are spelled as the query string so both are checked alike.
import type { FieldSelection } from '../graph/fields.js'
import type { ChildQueries, Graph, GraphRequest, Selection } from '../graph/graph.js'
import type { Condition } from '../store/filter.js'
import type { Doc, Position, SortKey } from '../store/store.js'

export interface ReadQuery {
  filter?: Condition
  sort?: readonly SortKey[]
  /** Relationships to load; none when omitted. */
  selection?: Selection
  /** Limit and order of the children of each child entity in the graphs. */
  children?: ChildQueries
  /** Child relationships reported by their count only. */
  counts?: GraphRequest['counts']
  /** Properties kept of the documents and their relatives (`id` always); all when omitted. */
  fields?: FieldSelection
  /** Only documents strictly after this position of the order (a decoded cursor). */
  after?: Position
  /** Aborted when the request's client went away: the store reads stop (CancelledError). */
  signal?: AbortSignal
}

/** What a single read loads beyond the document: its graph and the properties kept. */
export type GetRequest = GraphRequest

/**
 * How a page counts the matches: `exact` every one, whatever it costs; `bounded` exactly up to
 * the count limit, beyond it only a lower bound; `estimated` as bounded, plus the store's
 * estimate beyond the limit where it has one (PostgreSQL's planner).
 */
export type TotalMode = 'exact' | 'bounded' | 'estimated'

export interface PageQuery extends ReadQuery {
  /** 1-based; must be 1 with `after`. */
  page: number
  size: number
  /** `bounded` when omitted. */
  total?: TotalMode
}

export interface Page {
  items: Array<Doc | Graph>
  /** Every match of the filter, also those before `after`: exactly, or a lower bound when `exact` is false. */
  total: number
  /** False when more matches exist than were counted: `total` is then a lower bound. */
  exact: boolean
  /** With `total: 'estimated'`, when the count was not exact: the store's estimate of every match, if it has one. */
  estimate?: number
  /** The cursor after the last item, when more matches follow it. */
  next?: string
}

/** One item of a stream with the cursor that resumes the stream after it. */
export interface CursorLine {
  cursor: string
  data: Doc | Graph
}

export interface RelativesOptions {
  /** Same syntax as `?with=` (paths included); default `all`. */
  with?: string
  /** Hops `with: 'all'` follows, as `?depth=`. */
  depth?: number
  /** Per child entity: children per parent (`?limit[Child]=`) and their order (`?sort[Child]=`, e.g. '-quantity'). */
  children?: Readonly<Record<string, { limit?: number, sort?: string }>>
  /** Properties kept of each document, as `?fields=` (`id` always). */
  fields?: string
  /**
   * Per relationship, named as in `with` (`customerId`, `OrderItem`, paths): properties kept of the documents it
   * reaches, as `?fields[<name>]=`.
   */
  fieldsOf?: Readonly<Record<string, string>>
  /** For async iterables: documents per batch (one round trip per relationship each). */
  batchSize?: number
}

/** The library's relatives options in the words of the query string, so both are checked alike. */
export function relativesQuery (options: RelativesOptions): Record<string, string | number> {
  const raw: Record<string, string | number> = { with: options.with ?? 'all' }
  if (options.depth !== undefined) raw.depth = options.depth
  for (const [child, { limit, sort }] of Object.entries(options.children ?? {})) {
    if (limit !== undefined) raw[`limit[${child}]`] = limit
    if (sort !== undefined) raw[`sort[${child}]`] = sort
  }
  if (options.fields !== undefined) raw.fields = options.fields
  for (const [relationship, fields] of Object.entries(options.fieldsOf ?? {})) raw[`fields[${relationship}]`] = fields
  return raw
}
