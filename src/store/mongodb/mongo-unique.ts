// Unique keys in MongoDB: a unique index per key, partial so that it holds only documents whose
// key properties are all strings or numbers (a unique index would otherwise take a missing
// property as null and let one document only miss it). Creating one on documents that already
// break it fails with E11000; the duplicates are then looked up to say which documents they are.
import { ExistingDuplicatesError } from '../../errors.js'
import type { CollectionLike, Document, IndexOptions } from './driver-surface.js'

/** The server's code of a duplicate key, on a write or on building a unique index. */
const DUPLICATE_KEY = 11000

export function isUniqueViolation (error: unknown): boolean {
  return (error as { code?: unknown }).code === DUPLICATE_KEY
}

function partOfKey (key: readonly string[]): Document {
  return Object.fromEntries(key.map(field => [field, { $type: ['string', 'number'] }]))
}

export function uniqueIndex (key: readonly string[]): [Record<string, 1>, IndexOptions] {
  return [
    Object.fromEntries(key.map(field => [field, 1 as const])),
    { name: `unique_${key.join('_')}`, unique: true, partialFilterExpression: partOfKey(key) }
  ]
}

export async function findDuplicates (
  collection: CollectionLike,
  entity: string,
  key: readonly string[]
): Promise<ExistingDuplicatesError> {
  const group = Object.fromEntries(key.map((field, i) => [`k${i}`, `$${field}`]))
  const [row] = await collection.aggregate([
    { $match: partOfKey(key) },
    { $group: { _id: group, ids: { $push: '$_id' }, count: { $sum: 1 } } },
    { $match: { count: { $gt: 1 } } },
    { $limit: 1 }
  ], { allowDiskUse: true }).toArray()
  const values = key.map((_, i) => (row?._id as Document | undefined)?.[`k${i}`])
  return new ExistingDuplicatesError(entity, key, values, ((row?.ids ?? []) as string[]).sort())
}
