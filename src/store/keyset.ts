// The total order behind find paging and keyset streaming, shared by every adapter: the
// requested sort keys, then `id` ascending, so that no two documents ever tie and a stream
// cursor (the last document's key tuple) names exactly one position.
import { BadRequestError } from '../errors.js'
import type { SortKey } from './store.js'

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

/** Rejects paging values that SQL would silently reinterpret (LIMIT -1 means "no limit"). */
export function checkPage (page: number, size: number): void {
  if (!Number.isInteger(page) || page < 1) throw new BadRequestError(`page must be an integer >= 1, got ${page}`)
  if (!Number.isInteger(size) || size < 0) throw new BadRequestError(`size must be an integer >= 0, got ${size}`)
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
