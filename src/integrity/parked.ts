// Parked records: documents written while a parent they need (policy `park`) did not exist. They
// wait in a synthetic entity of their own, `Parked_<Entity>`, that the store keeps like any other
// (so adapters need no storage code of their own), invisible to reads of the entity. Each record
// also carries, per missing reference, the value it waits for in a property the store indexes
// like any ref property, so that a write of that value finds the records waiting on it without a
// scan: the parent's id, or for a reference through a parent key (`x-parent-key`) the key's value.
// A reference holding a source id no link names waits on the id that source's document will be
// assigned (`crm:42`), which is also what a new link of that source id pokes.
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata, ParentRelationship } from '../metadata/types.js'
import type { Doc, StoreEntity } from '../store/store.js'

/**
 * One reference that pointed at nothing when the record was written: by id (`id`), or through a
 * parent key (`key` and `value`: no `Product` held `sku` "A-1").
 */
export interface MissingRef {
  property: string
  target: string
  /** The id waited for; for a source id no link named yet, the id its document will be assigned. */
  id?: string
  /** The parent's unique key the reference holds (`x-parent-key`), when it is not the id. */
  key?: string
  /** The key value no parent held. */
  value?: string
  /** Set when the reference holds a source id no link named yet: the source, resolved again on healing. */
  source?: string
  sourceId?: string
}

export interface ParkedRecord extends Doc {
  /** Changes on every park of this id, so that a healer only moves the version it read. */
  rev: string
  doc: Doc
  missing: MissingRef[]
  /** ISO time of the (latest) park. */
  parkedAt: string
}

/** What a write answers for each item it parked. */
export interface ParkedItem {
  /** Position in the write (0 for a single document). */
  index: number
  id: string
  missing: MissingRef[]
}

export const PARKED_PREFIX = 'Parked_'

/** The indexed property of a parked record holding the id it waits for through `property`. */
export function waitingProperty (property: string): string {
  return `waitsOn_${property}`
}

/** What a missing reference waits for: the parent's id, or its key value. */
export function awaitedValue (ref: MissingRef): string {
  return ref.key === undefined ? ref.id! : ref.value!
}

/** The parent a missing reference names, for messages: `Order 'o3'`, `Product with sku "A-1"`. */
export function describeAwaited (ref: MissingRef): string {
  if (ref.key === undefined) return `${ref.target} '${ref.id!}'`
  return `${ref.target} with ${ref.key} ${JSON.stringify(ref.value)}`
}

/** A parked record of `doc`, indexed under each value it waits for. */
export function parkedRecord (doc: Doc, missing: MissingRef[], rev: string, parkedAt: string): ParkedRecord {
  const record: ParkedRecord = { id: doc.id, rev, doc, missing, parkedAt }
  for (const ref of missing) record[waitingProperty(ref.property)] = awaitedValue(ref)
  return record
}

/** The `park` relationships of `meta`: the references a parked record of it can wait on. */
export function parkRelationships (meta: EntityMetadata): ParentRelationship[] {
  return meta.parents.filter(p => p.onMissingParent === 'park')
}

export function parkedEntity (entity: string): string {
  return `${PARKED_PREFIX}${entity}`
}

/** Entities with at least one `park` relationship: the only ones that ever have parked records. */
export function parkingEntities (metadata: RelationshipMetadata): EntityMetadata[] {
  return metadata.all().filter(meta => parkRelationships(meta).length > 0)
}

/** The synthetic entities the store must hold, next to the model's, indexed by what they wait on. */
export function parkedStoreEntities (metadata: RelationshipMetadata): StoreEntity[] {
  return parkingEntities(metadata).map(meta => ({
    name: parkedEntity(meta.name),
    refProperties: parkRelationships(meta).map(p => waitingProperty(p.property)),
    indexes: []
  }))
}
