// How a relationship joins: a child's reference holds the value of its parent's `parentKey` (the
// id, or a unique key named by `x-parent-key`). Every reader of relationships asks here for the
// value to join on, so references by id and by key go through the same code.
import type { ParentRelationship } from '../metadata/types.js'
import type { Doc } from '../store/store.js'

/** The value of `key` that references to `doc` hold; undefined when `doc` has none (no child can reach it). */
export function parentValue (doc: Doc, key: string): string | undefined {
  const value = doc[key]
  return typeof value === 'string' ? value : undefined
}

/** `Product.sku`: parents read through the same key of the same entity are read together. */
export function parentsBy (rel: ParentRelationship): string {
  return `${rel.target}.${rel.parentKey}`
}
