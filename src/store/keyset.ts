// The total order behind find paging and keyset streaming, shared by every adapter: the
// requested sort keys, then `id` ascending, so that no two documents ever tie and a stream
// cursor (the last document's key tuple) names exactly one position.
import { BadRequestError } from '../errors.js'
import { fieldReader, MISSING } from './memory/field.js'
import { sortText } from './sort.js'
import type { KeyValue, Position, SortKey } from './store.js'

const ID_ASCENDING: SortKey = { field: 'id', desc: false }

export function totalOrder (sort: readonly SortKey[] = []): SortKey[] {
  const keys: SortKey[] = []
  for (const key of sort) {
    keys.push(key)
    // ids are unique, so keys after an `id` key could never decide anything
    if (key.field === 'id') return keys
  }
  keys.push(ID_ASCENDING)
  return keys
}

/** The key value of one field as the adapters order it (a path reads through objects only). */
export function keyValue (value: unknown): KeyValue {
  if (value === MISSING || value === null || value === undefined) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number' || typeof value === 'string') return value
  return { composite: JSON.stringify(value) }
}

/** Where `doc` stands in the total order of `sort`: continuing `after` it skips it and all before. */
export function positionOf (doc: object, sort?: readonly SortKey[]): Position {
  return totalOrder(sort).map(key => keyValue(fieldReader(key.field)(doc)))
}

function isKeyValue (value: unknown): boolean {
  if (value === null || typeof value === 'string') return true
  if (typeof value === 'number') return Number.isFinite(value)
  return typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 &&
    typeof (value as { composite?: unknown }).composite === 'string'
}

/** Rejects a position that cannot be one of `sort`'s: one key value per key, the id a string. */
export function checkAfter (after: Position | undefined, sort?: readonly SortKey[]): void {
  if (after === undefined) return
  const keys = totalOrder(sort)
  if (
    !Array.isArray(after) ||
    after.length !== keys.length ||
    !after.every(isKeyValue) ||
    typeof after[keys.length - 1] !== 'string'
  ) {
    throw new BadRequestError(
      `after must hold ${keys.length} key values, one per key of the order ${sortText(keys)}, the last an id`
    )
  }
}

/** Rejects paging values that SQL would silently reinterpret (LIMIT -1 means "no limit"). */
export function checkPage (page: number, size: number, after?: Position): void {
  if (!Number.isInteger(page) || page < 1) throw new BadRequestError(`page must be an integer >= 1, got ${page}`)
  if (!Number.isInteger(size) || size < 0) throw new BadRequestError(`size must be an integer >= 0, got ${size}`)
  if (after !== undefined && page !== 1) {
    throw new BadRequestError(`page must be 1 with after (the position replaces paging), got ${page}`)
  }
}

export function checkBatchSize (batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new BadRequestError(`batchSize must be an integer >= 1, got ${batchSize}`)
  }
}

export function checkLimit (perRefLimit: number): void {
  if (!Number.isInteger(perRefLimit) || perRefLimit < 0) {
    throw new BadRequestError(`perRefLimit must be an integer >= 0, got ${perRefLimit}`)
  }
}
