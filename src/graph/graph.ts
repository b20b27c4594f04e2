// The shape of an enriched entity, shared by the single GET, the list and the stream.
import type { ChildRelationship, ParentRelationship } from '../metadata/types.js'
import type { Doc, SortKey } from '../store/store.js'
import type { FieldSelection } from './fields.js'

export interface Graph {
  entity: Doc
  /**
   * Parent property → the parent document (its graph when the path goes on), or null when the key is null or dangling.
   */
  parents: Record<string, Doc | Graph | null>
  /**
   * Child entity → reference property → the children (graphs when the path goes on; at most the child limit per edge).
   */
  children: Record<string, Record<string, Array<Doc | Graph>>>
  /** Present when children were selected: how much of each child list came back. */
  meta?: GraphMeta
}

export interface GraphMeta {
  /** `Child.refProp` → the page of that child list this graph holds; one entry per selected child relationship. */
  children: Record<string, ChildPage>
}

export interface ChildPage {
  /** How many children exist. */
  total: number
  /** How many are in the graph. */
  returned: number
  /**
   * Where the next children are (the child entity's list, filtered by this parent), when more remain and a link can be
   * made.
   */
  next?: string
}

/** Which relationships of an entity to load. */
export interface Selection {
  readonly parents: readonly ParentRelationship[]
  readonly children: readonly ChildRelationship[]
  /** Parent property or `Child.refProp` → what to load of the documents it reaches (`with=customerId.regionId`). */
  readonly nested?: Readonly<Record<string, Selection>>
}

/** How many children of one child entity to load per parent, and in which order. */
export interface ChildQuery {
  /** At most this many per parent and relationship (never more than the server's child limit). */
  readonly limit?: number
  /** Order of each parent's children; id order when omitted. */
  readonly sort?: readonly SortKey[]
}

/** Child entity name → its query (`limit[OrderItem]=5&sort[OrderItem]=-quantity`). */
export type ChildQueries = Readonly<Record<string, ChildQuery>>

/** What a graph holds beyond its selection: child limits and orders, and relationships only counted. */
export interface GraphRequest {
  children?: ChildQueries
  /** Child relationships reported in `meta.children` by their count only (`count=OrderItem`). */
  counts?: readonly ChildRelationship[]
  /** What the answer keeps of each document: the builder only passes it on to `next` links. */
  fields?: FieldSelection
  /** Aborted when the request's client went away: the store reads stop (CancelledError). */
  signal?: AbortSignal
}
