// The shape of an enriched entity, shared by the single GET, the list and the stream.
import type { ChildRelationship, ParentRelationship } from '../metadata/types.js'
import type { Doc } from '../store/store.js'

export interface Graph {
  entity: Doc
  /** Parent property → the parent document, or null when the key is null or dangling. */
  parents: Record<string, Doc | null>
  /** Child entity → reference property → the children (at most the child limit per edge). */
  children: Record<string, Record<string, Doc[]>>
  /** `Child.refProp` → how many children exist, present only for edges the limit cut. */
  truncated?: Record<string, number>
}

/** Which relationships of an entity to load. */
export interface Selection {
  readonly parents: readonly ParentRelationship[]
  readonly children: readonly ChildRelationship[]
}
