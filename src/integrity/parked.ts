// Parked records: documents written while a parent they need (policy `park`) did not exist. They
// wait in a synthetic entity of their own, `Parked_<Entity>`, that the store keeps like any other
// (so adapters need no storage code of their own), invisible to reads of the entity.
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { Doc, StoreEntity } from '../store/store.js'

/** One reference that pointed at nothing when the record was written. */
export interface MissingRef {
  property: string
  target: string
  id: string
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

export function parkedEntity (entity: string): string {
  return `${PARKED_PREFIX}${entity}`
}

/** Entities with at least one `park` relationship: the only ones that ever have parked records. */
export function parkingEntities (metadata: RelationshipMetadata): EntityMetadata[] {
  return metadata.all().filter(meta => meta.parents.some(p => p.onMissingParent === 'park'))
}

/** The synthetic entities the store must hold, next to the model's. */
export function parkedStoreEntities (metadata: RelationshipMetadata): StoreEntity[] {
  return parkingEntities(metadata).map(meta => ({ name: parkedEntity(meta.name), refProperties: [] }))
}
