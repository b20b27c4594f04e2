// Each adapter's handle on one entity's storage (a table, a collection), made once when the store
// opens, and the one check that an entity or a reference is the model's. Both come from the model,
// never from a request, so an unknown one is a programming error, not a bad request.
import type { StoreEntity } from '../store.js'

interface Entry<T> {
  table: T
  refs: ReadonlySet<string>
  uniqueKeys: ReadonlyArray<readonly string[]>
}

export class EntityTables<T> {
  readonly #entries = new Map<string, Entry<T>>()

  constructor (private readonly kind: string, entities: readonly StoreEntity[], make: (entity: StoreEntity) => T) {
    for (const entity of entities) {
      this.#entries.set(entity.name, {
        table: make(entity), refs: new Set(entity.refProperties), uniqueKeys: entity.uniqueKeys ?? []
      })
    }
  }

  #entry (entity: string): Entry<T> {
    const entry = this.#entries.get(entity)
    if (entry === undefined) throw new Error(`${this.kind} store: unknown entity '${entity}'`)
    return entry
  }

  of (entity: string): T {
    return this.#entry(entity).table
  }

  /** The table of `entity`, checking that `refProperty` is one of its declared (indexed) references. */
  withRef (entity: string, refProperty: string): T {
    const entry = this.#entry(entity)
    if (!entry.refs.has(refProperty)) {
      throw new Error(`${this.kind} store: '${refProperty}' is not a declared ref property of '${entity}'`)
    }
    return entry.table
  }

  /** The unique keys of `entity` (StoreEntity.uniqueKeys). */
  uniqueKeys (entity: string): ReadonlyArray<readonly string[]> {
    return this.#entry(entity).uniqueKeys
  }

  /** The table of `entity`, checking that `property` alone is one of its unique keys (so indexed). */
  withKey (entity: string, property: string): T {
    const entry = this.#entry(entity)
    if (!entry.uniqueKeys.some(key => key.length === 1 && key[0] === property)) {
      throw new Error(`${this.kind} store: '${property}' is not a declared single-property unique key of '${entity}'`)
    }
    return entry.table
  }

  /** The declared references of `entity`. */
  refs (entity: string): ReadonlySet<string> {
    return this.#entry(entity).refs
  }
}
