// Pipeline stages that put documents in the store-wide total order (sort keys, then id): null
// and missing first, then numbers with booleans as 0 and 1, then strings in byte order. MongoDB
// would sort booleans after everything and an array by its smallest element, so each key is
// computed first; documents are wrapped while sorting so that no key can collide with a field.
import { totalOrder } from '../keyset.js'
import type { KeyValue, Position, SortKey } from '../store.js'
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

/** A key value as the computed keys hold it; `$literal` so that a string like '$x' is no path. */
function keyLiteral (value: KeyValue): Document {
  return { $literal: value !== null && typeof value === 'object' ? {} : value }
}

/**
 * `$expr` true for the documents strictly after `position` in the total order `keys`, over the
 * computed keys (`k0`, … and `doc._id`): `k0 after v0 OR (k0 = v0 AND k1 after v1) OR …`.
 * Aggregation comparisons order across types as the keys need (null, numbers, strings, then
 * the composite stand-in); a descending key has nothing after null, which sorts last there.
 */
function afterExpression (keys: readonly SortKey[], position: Position): Document {
  const key = (i: number): string => keys[i]!.field === 'id' ? '$doc._id' : `$k${i}`
  const branches = keys.map(function branch (sortKey, i) {
    const equal = keys.slice(0, i).map((_, j) => ({ $eq: [key(j), keyLiteral(position[j]!)] }))
    const step = { [sortKey.desc ? '$lt' : '$gt']: [key(i), keyLiteral(position[i]!)] }
    return equal.length === 0 ? step : { $and: [...equal, step] }
  })
  return { $or: branches }
}

/**
 * `$sort` (with the key computation around it when needed) for the total order of `sort`,
 * starting strictly after `after` when given.
 */
export function sortStages (sort: readonly SortKey[] | undefined, after?: Position): Document[] {
  const keys = totalOrder(sort)
  const only = keys[0]!
  // by id alone: the _id index gives the order and the range, nothing to compute
  if (keys.length === 1 && only.field === 'id') {
    const sortById = { $sort: { _id: only.desc ? -1 : 1 } }
    return after === undefined ? [sortById] : [{ $match: { _id: { [only.desc ? '$lt' : '$gt']: after[0] } } }, sortById]
  }
  const { keys: computed, sortBy } = windowOrder(sort)
  const start = after === undefined ? [] : [{ $match: { $expr: afterExpression(keys, after) } }]
  return [{ $replaceWith: { ...computed, doc: '$$ROOT' } }, ...start, { $sort: sortBy }, { $replaceWith: '$doc' }]
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
