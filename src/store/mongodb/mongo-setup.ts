// What the MongoDB store makes sure of at start-up, before it serves: every entity's collection
// exists (created here, not implicitly inside a first transaction, where concurrent first
// writers conflict and sharded clusters restrict it), none has a default collation (it would
// change ordering and id equality), and every index the store reads through exists, whatever
// its name (an index of the same keys made beforehand under another name is used as it is), and
// the unique index of every unique key (mongo-unique.ts).
import { ConfigError } from '../../errors.js'
import type { SortKey, StoreEntity } from '../store.js'
import type { DbLike, Document } from './driver-surface.js'
import { storedPath } from './mongo-filter.js'
import { findDuplicates, isUniqueViolation, uniqueIndex } from './mongo-unique.js'

type IndexKeys = Record<string, 1 | -1>

/** Code of a collection created meanwhile by another process starting too. */
const NAMESPACE_EXISTS = 48

/**
 * The `{ref: 1, _id: 1}` index of each ref property (children of a parent in id order straight
 * from the index), then each declared index on the stored fields and `_id`, which serves equality
 * and range filters on its leading keys. Sorts read computed keys (mongo-order.ts), which no
 * index holds.
 */
export function wantedIndexes (entity: StoreEntity): Array<{ keys: IndexKeys, name: string }> {
  const refs = entity.refProperties.map(property => ({
    keys: { [property]: 1, _id: 1 } as IndexKeys,
    name: `${property}_1__id_1`
  }))
  const declared = (entity.indexes ?? []).map(function declaredIndex (sortKeys: readonly SortKey[]) {
    const keys: IndexKeys = {}
    for (const key of sortKeys) keys[storedPath(key.field).stored] = key.desc ? -1 : 1
    keys._id = 1
    return { keys, name: `idx_${sortKeys.map(key => `${key.desc ? '-' : ''}${key.field}`).join('_')}` }
  })
  return [...refs, ...declared]
}

const sameKeys = (a: Document, b: Document): boolean => JSON.stringify(a) === JSON.stringify(b)

async function ensureCollections (db: DbLike, entities: readonly StoreEntity[]): Promise<void> {
  const existing = new Map((await db.listCollections({}, { nameOnly: false }).toArray())
    .map(info => [info.name as string, info]))
  for (const { name } of entities) {
    const info = existing.get(name)
    if (info === undefined) {
      await db.createCollection(name).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error
      })
      continue
    }
    if (info.type !== undefined && info.type !== 'collection') {
      throw new ConfigError(`mongodb store: '${name}' is a ${String(info.type)}, not a collection; ` +
        'the store needs a collection of that name')
    }
    const collation = (info.options as Document | undefined)?.collation as Document | undefined
    if (collation !== undefined && collation.locale !== 'simple') {
      throw new ConfigError(`mongodb store: collection '${name}' has a default collation ` +
        `(locale '${String(collation.locale)}'), which changes how ids compare and strings sort; ` +
        'recreate it without a collation (copy its documents into a new collection)')
    }
  }
}

async function ensureIndexes (db: DbLike, entity: StoreEntity, replicated: boolean): Promise<void> {
  const collection = db.collection(entity.name)
  const present = await collection.listIndexes().toArray()
  for (const { keys, name } of wantedIndexes(entity)) {
    if (present.some(index => sameKeys(index.key as Document, keys))) continue
    if (present.some(index => index.name === name)) {
      throw new ConfigError(`mongodb store: collection '${entity.name}' has an index named '${name}' on other ` +
        `keys than ${JSON.stringify(keys)}; drop or rename it`)
    }
    // a majority of the replica set, not every voting member: one member down must not hang the start
    await collection.createIndex(keys, replicated ? { name, commitQuorum: 'majority' } : { name })
  }
  for (const key of entity.uniqueKeys ?? []) {
    const [keys, options] = uniqueIndex(key)
    if (present.some(index => index.name === options.name)) continue
    try {
      await collection.createIndex(keys, replicated ? { ...options, commitQuorum: 'majority' } : options)
    } catch (error) {
      throw isUniqueViolation(error) ? await findDuplicates(collection, entity.name, key) : error
    }
  }
}

/** Collections and indexes, made sure of; `replicated`: a replica set or sharded cluster. */
export async function setUpCollections (db: DbLike, entities: readonly StoreEntity[],
  replicated: boolean): Promise<void> {
  await ensureCollections(db, entities)
  for (const entity of entities) await ensureIndexes(db, entity, replicated)
}
