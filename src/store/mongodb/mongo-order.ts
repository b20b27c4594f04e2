// Pipeline stages that put documents in the store-wide total order (sort keys, then id): null
// and missing first, then numbers with booleans as 0 and 1, then strings in byte order. MongoDB
// would sort booleans after everything and an array by its smallest element, so each key is
// computed first; documents are wrapped while sorting so that no key can collide with a field.
import { totalOrder } from '../keyset.js'
import type { SortKey } from '../store.js'
import type { Document } from './driver-surface.js'
import { storedPath } from './mongo-filter.js'

// Arrays and objects sort after all strings, among themselves by id (SQLite sorts them by
// their JSON text, which MongoDB cannot compute); an empty object is a fixed stand-in for them.
const COMPOSITE_KEY = { $literal: {} }

/** The value at a path read through plain objects only, as an aggregation expression. */
function plainValue (field: string): unknown {
  const segments = storedPath(field).stored.split('.')
  if (segments.length === 1) return `$${segments[0]!}`
  let expression: unknown = '$$ROOT'
  for (const segment of segments) {
    expression = {
      $let: {
        vars: { o: expression },
        in: { $cond: [{ $eq: [{ $type: '$$o' }, 'object'] }, { $getField: { field: segment, input: '$$o' } }, null] }
      }
    }
  }
  return expression
}

function sortKey (field: string): Document {
  return {
    $let: {
      vars: { v: plainValue(field) },
      in: {
        $switch: {
          branches: [
            { case: { $eq: [{ $type: '$$v' }, 'bool'] }, then: { $cond: ['$$v', 1, 0] } },
            { case: { $in: [{ $type: '$$v' }, ['object', 'array']] }, then: COMPOSITE_KEY },
            { case: { $eq: [{ $type: '$$v' }, 'missing'] }, then: null }
          ],
          default: '$$v'
        }
      }
    }
  }
}

/** `$sort` (with the key computation around it when needed) for the total order of `sort`. */
export function sortStages (sort: readonly SortKey[] | undefined): Document[] {
  const keys = totalOrder(sort)
  const only = keys[0]!
  // by id alone: the _id index gives the order, nothing to compute
  if (keys.length === 1 && only.field === 'id') return [{ $sort: { _id: only.desc ? -1 : 1 } }]
  const { keys: computed, sortBy } = windowOrder(sort)
  return [{ $replaceWith: { ...computed, doc: '$$ROOT' } }, { $sort: sortBy }, { $replaceWith: '$doc' }]
}

/**
 * The same total order for `$setWindowFields`: the computed keys to add beside `doc` (the
 * stage's input is the stored document, so the keys read it as `$$ROOT`) and the `sortBy`.
 */
export function windowOrder (sort: readonly SortKey[] | undefined): { keys: Document, sortBy: Document } {
  const keys: Document = {}
  const sortBy: Document = {}
  totalOrder(sort).forEach(function addKey (key, i) {
    const direction = key.desc ? -1 : 1
    if (key.field === 'id') {
      sortBy['doc._id'] = direction
      return
    }
    keys[`k${i}`] = sortKey(key.field)
    sortBy[`k${i}`] = direction
  })
  return { keys, sortBy }
}
