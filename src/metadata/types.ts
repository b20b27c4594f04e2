// Relationship descriptors derived from the model. All are frozen at start-up.
import type { MissingParentPolicy } from '../integrity/policy.js'
import type { JsonSchema } from '../model/model.js'

/** `Order.customerId` points at a `Customer`. */
export interface ParentRelationship {
  readonly entity: string
  readonly property: string
  readonly target: string
  /**
   * The parent's property the reference holds: `id`, or a single-property unique key of the
   * parent named by `x-parent-key` (`productSku` holding `Product.sku`).
   */
  readonly parentKey: string
  /** What a write does when the parent does not exist (`x-on-missing-parent`, default allow). */
  readonly onMissingParent: MissingParentPolicy
}

/** Seen from the parent: `Order` has `OrderItem` children through `OrderItem.orderId`. */
export interface ChildRelationship {
  readonly entity: string
  readonly child: string
  readonly property: string
  /** The parent's property the child's reference holds (`id` unless `x-parent-key` names a unique key). */
  readonly parentKey: string
  /** `OrderItem.orderId`: how the relationship is named in `with`, `meta.children` and errors. */
  readonly key: string
}

/** How `with`, `count` and relation filters name an entity's children: each child entity, then each `Child.refProp`. */
export function childRelationshipNames (meta: Pick<EntityMetadata, 'children'>): string[] {
  return [...new Set(meta.children.map(c => c.child)), ...meta.children.map(c => c.key)]
}

/** One key of a declared index: a top-level property, ascending unless `desc`. */
export interface IndexKey {
  readonly field: string
  readonly desc: boolean
}

export interface EntityMetadata {
  readonly name: string
  readonly route: string
  /** The stored document's schema: `id` is a required string. */
  readonly schema: JsonSchema
  /** The schema of a write body: as `schema`, but `id` may be omitted. */
  readonly inputSchema: JsonSchema
  readonly parents: readonly ParentRelationship[]
  readonly children: readonly ChildRelationship[]
  /** Properties holding references (the store indexes them). */
  readonly refProperties: readonly string[]
  /** Top-level property names that responses show, for validating filters and sorts. */
  readonly properties: readonly string[]
  /** Properties marked `x-internal` or `writeOnly`: stored, never in a response. */
  readonly hidden: readonly string[]
  /** Declared indexes (`x-index`, `x-indexes`), each its keys in order; the store creates them. */
  readonly indexes: ReadonlyArray<readonly IndexKey[]>
  /** Source systems whose ids writes may carry (`x-sources`); none when empty. */
  readonly sources: readonly string[]
  /** Unique keys (`x-unique`, `x-unique-keys`), each its properties in order; every store enforces them. */
  readonly uniqueKeys: ReadonlyArray<readonly string[]>
}
