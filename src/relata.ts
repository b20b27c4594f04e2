// The library's entry object: a validated model, its relationship metadata, a store and one
// graph builder, with an EntityApi per entity. The HTTP server is one user of it.
import { EntityApi, type EntityLimits } from './entities/entity-api.js'
import type { ReadPlans } from './entities/entity-reads.js'
import { BatchedPlan } from './graph/batched-plan.js'
import { GraphBuilder, type GraphOptions } from './graph/graph-builder.js'
import { GraphTexts } from './graph/graph-texts.js'
import { RowBudget } from './graph/row-budget.js'
import { parkedStoreEntities, parkingEntities } from './integrity/parked.js'
import { KeyChanges } from './integrity/key-changes.js'
import { ParkedRecords } from './integrity/parked-records.js'
import { WriteIntegrity, type IntegrityEvents } from './integrity/write-integrity.js'
import { RelationshipMetadata } from './metadata/relationship-metadata.js'
import { HiddenFields } from './model/hidden-fields.js'
import type { ModelDefinition } from './model/model.js'
import type { Store, StoreEntity } from './store/store.js'

export interface RelataOptions
  extends Partial<Omit<GraphOptions, 'hidden'>>, Partial<Omit<EntityLimits, 'budget' | 'model'>> {
  /**
   * Whether a store that builds graphs itself (PostgreSQL, in one statement) answers the reads
   * it can as JSON text; true when omitted.
   */
  storeGraphs?: boolean
  /** Most related documents one answer (a GET, a page, a stream batch) may load, counted at worst. */
  rowBudget?: number
}

export const DEFAULT_CHILD_LIMIT = 1000
export const DEFAULT_MAX_BULK = 5000
/** Counting 10,000 matches costs a few ms on any store; past that, a page's total is a lower bound unless asked. */
export const DEFAULT_COUNT_LIMIT = 10_000
/** A one-hop page of the largest size (1000) with one child relationship at the default CHILD_LIMIT fits. */
export const DEFAULT_ROW_BUDGET = 1_001_000

export class Relata {
  readonly metadata: RelationshipMetadata
  readonly graphs: GraphBuilder
  readonly #apis = new Map<string, EntityApi>()
  readonly #listeners: Array<Partial<IntegrityEvents>> = []

  constructor (metadata: RelationshipMetadata, readonly store: Store, options: RelataOptions = {}) {
    this.metadata = metadata
    const hidden = new HiddenFields(metadata)
    const childLimit = options.childLimit ?? DEFAULT_CHILD_LIMIT
    const graphOptions = {
      childLimit,
      hidden,
      ...(options.childPageLink === undefined ? {} : { childPageLink: options.childPageLink })
    }
    this.graphs = new GraphBuilder(store, graphOptions)
    // the two ways to read graphs; each read picks one (entity-reads.ts)
    const reader = options.storeGraphs === false ? undefined : store.graphTexts
    const plans: ReadPlans = {
      batched: new BatchedPlan(store, this.graphs, hidden),
      texts: reader === undefined ? undefined : new GraphTexts(reader, graphOptions)
    }
    const limits: EntityLimits = {
      maxBulk: options.maxBulk ?? DEFAULT_MAX_BULK,
      countLimit: options.countLimit ?? DEFAULT_COUNT_LIMIT,
      budget: new RowBudget({ rowBudget: options.rowBudget ?? DEFAULT_ROW_BUDGET, childLimit }),
      model: metadata,
      requireIndexed: options.requireIndexed ?? false
    }
    // Integrity objects only where the model declares policies: other writes stay as they were.
    const events: IntegrityEvents = {
      stored: (entity, docs) => { for (const l of this.#listeners) l.stored?.(entity, docs) },
      linked: (entity, ids) => { for (const l of this.#listeners) l.linked?.(entity, ids) },
      parked: (entity, count) => { for (const l of this.#listeners) l.parked?.(entity, count) }
    }
    const awaited = new Set(
      metadata.all().flatMap(m => m.parents.filter(p => p.onMissingParent === 'park').map(p => p.target))
    )
    const parking = new Set(parkingEntities(metadata).map(meta => meta.name))
    for (const meta of metadata.all()) {
      const integrity = {
        ...(WriteIntegrity.needed(meta) ? { check: new WriteIntegrity(meta, store, events) } : {}),
        ...(awaited.has(meta.name) ? { events } : {}),
        ...(parking.has(meta.name) ? { parked: new ParkedRecords(meta.name, store, hidden) } : {}),
        ...(KeyChanges.needed(meta) ? { keys: new KeyChanges(meta, store) } : {})
      }
      this.#apis.set(meta.name, new EntityApi(meta, store, this.graphs, plans, limits, hidden, integrity))
    }
  }

  /** Listens to writes that store documents parked records may wait for, and to parks. */
  onIntegrityEvents (listener: Partial<IntegrityEvents>): void {
    this.#listeners.push(listener)
  }

  entity (name: string): EntityApi {
    const api = this.#apis.get(name)
    if (api === undefined) this.metadata.entity(name) // throws, naming the known entities
    return api!
  }

  async close (): Promise<void> {
    await this.store.close()
  }
}

/**
 * What a store needs to know about a model: entity names and the properties to index, and the
 * `Parked_<Entity>` collections of entities with a `park` relationship.
 */
export function storeEntities (metadata: RelationshipMetadata): StoreEntity[] {
  return [
    ...metadata.all().map(e => ({
      name: e.name, refProperties: e.refProperties, indexes: e.indexes, uniqueKeys: e.uniqueKeys
    })),
    ...parkedStoreEntities(metadata)
  ]
}

/** Validates the model; throws ModelError naming the entity and property at fault. */
export function buildMetadata (model: ModelDefinition): RelationshipMetadata {
  return new RelationshipMetadata(model)
}
