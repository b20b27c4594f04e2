// The shapes of reads: the one typed request that a single GET, list, stream or `relatives`
// takes, the typed options it is resolved from, and what lists and streams answer.
import type { Graph, GraphRequest, Selection } from '../graph/graph.js'
import type { Condition } from '../store/filter.js'
import type { Doc, Position, SortKey } from '../store/store.js'

/**
 * What each answer of a read is made of: the one input of EntityApi's reads, whichever way they
 * are asked (a query string parsed by query.ts, or `relatives`' typed options).
 */
export interface ReadRequest extends Omit<GraphRequest, 'text'> {
  /**
   * Relationships to load. Whenever it is given the answers are graphs, also when it loads
   * nothing (`with=all` on an entity without relationships), so that their shape depends on the
   * request only, never on the model; absent, plain documents (unless `counts` asks for graphs).
   */
  selection?: Selection
}

/** Which documents a list or stream reads, and what each answer is made of. */
export interface ReadQuery extends ReadRequest {
  filter?: Condition
  sort?: readonly SortKey[]
  /** Only documents strictly after this position of the order (a decoded cursor). */
  after?: Position
}

/** What a stream reads: its documents `batchSize` at a time (fewer where the row budget says so). */
export interface StreamRequest extends ReadQuery {
  batchSize: number
}

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

export interface Page<T = Doc | Graph> {
  /** Documents or graphs, in the form asked for (objects unless told: answer-form.ts). */
  items: T[]
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

/**
 * A read's parameters by meaning, before they are checked: the query string's (`limit[Child]`
 * is `children[Child].limit`, `fields[<relationship>]` is `fieldsOf[<relationship>]`) as text,
 * and `relatives`' as values. query.ts resolves them into a ReadQuery, with the same words for
 * both.
 */
export interface ReadParams {
  /** As `?with=`: `all` or relationship paths. */
  with?: string
  /** Hops `with: 'all'` follows, as `?depth=`. */
  depth?: number | string
  /** Child relationships counted only, as `?count=`. */
  count?: string
  /** Per child entity: children per parent (`?limit[Child]=`) and their order (`?sort[Child]=`). */
  children?: Readonly<Record<string, { limit?: number | string, sort?: string }>>
  /** Properties kept of each document, as `?fields=` (`id` always). */
  fields?: string
  /** Per relationship named as in `with`: properties kept of the documents it reaches, as `?fields[<name>]=`. */
  fieldsOf?: Readonly<Record<string, string>>
  /** As `?filter=`: JSON text. */
  filter?: string
  /** As `?sort=`. */
  sort?: string
  /** As `?after=`: a cursor. */
  after?: string
}

export interface RelativesOptions extends Pick<ReadParams, 'with' | 'fields' | 'fieldsOf'> {
  /** Same syntax as `?with=` (paths included); default `all`. */
  with?: string
  /** Hops `with: 'all'` follows, as `?depth=`. */
  depth?: number
  /** Per child entity: children per parent and their order (e.g. '-quantity'), as `?limit[Child]=`, `?sort[Child]=`. */
  children?: Readonly<Record<string, { limit?: number, sort?: string }>>
  /** For async iterables: documents per batch (one round trip per relationship each). */
  batchSize?: number
}
