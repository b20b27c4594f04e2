// The aggregation pipelines behind find and findByRefs, each answered in one round trip.
import type { Document } from './driver-surface.js'
import { storedPath } from './mongo-filter.js'
import { windowOrder } from './mongo-order.js'
import type { SortKey } from '../store.js'

/**
 * One page, then the number of all matches as one more row (`{ total }`, no `_id`; none when
 * nothing matches): the page is `$match`, `$sort`, `$skip`, `$limit` at the head of the
 * pipeline, which the query planner answers from an index (the `_id` index in id order), and the
 * count is a `$unionWith` of the same filter, in the same round trip. Rows rather than one
 * `$facet` document: a page is not bound by the 16 MiB document limit, and `$facet`'s stages
 * would never use an index (nor could its count stop early). With a `cap`, `$limit` before
 * `$count` reads at most that many matches.
 */
export function findPipeline (
  collection: string,
  filter: Document[],
  sort: Document[],
  page: number,
  size: number,
  cap: number | undefined
): Document[] {
  const count = [...filter, ...(cap === undefined ? [] : [{ $limit: cap }]), { $count: 'total' }]
  // $limit must be positive: a page of size 0 only counts
  if (size === 0) return count
  const skip = (page - 1) * size
  return [
    ...filter,
    ...sort,
    ...(skip > 0 ? [{ $skip: skip }] : []),
    { $limit: size },
    { $unionWith: { coll: collection, pipeline: count } }
  ]
}

/** How many children each parent has: one `$group` over the ref index's matches. */
export function countByRefsPipeline (refProperty: string, ids: readonly string[]): Document[] {
  const ref = storedPath(refProperty).stored
  return [
    { $match: { [ref]: { $in: ids, $not: { $type: 'array' } } } },
    { $group: { _id: `$${ref}`, children: { $sum: 1 } } }
  ]
}

/**
 * Children of many parents: per parent, its first `limit` children by id and how many it has.
 * The first child of each parent is always kept so that its count survives a limit of 0; the
 * caller drops its document then. Only string references match, as in every store.
 */
export function findByRefsPipeline (
  refProperty: string,
  ids: readonly string[],
  limit: number,
  sort?: readonly SortKey[]
): Document[] {
  const ref = storedPath(refProperty).stored
  const order = windowOrder(sort)
  return [
    { $match: { [ref]: { $in: ids, $not: { $type: 'array' } } } },
    { $replaceWith: { ref: `$${ref}`, doc: '$$ROOT', ...order.keys } },
    {
      $setWindowFields: {
        partitionBy: '$ref',
        sortBy: order.sortBy,
        output: {
          position: { $documentNumber: {} },
          children: { $sum: 1, window: { documents: ['unbounded', 'unbounded'] } }
        }
      }
    },
    { $match: { $or: [{ position: { $lte: limit } }, { position: 1 }] } },
    ...(sort === undefined || sort.length === 0 ? [] : [{ $sort: { ref: 1, position: 1 } }])
  ]
}
