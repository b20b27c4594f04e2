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

/** How many children each parent has (rows `{ _id: parent, children }`): one `$group` over the ref index's matches. */
export function countByRefsPipeline (refProperty: string, ids: readonly string[]): Document[] {
  const ref = storedPath(refProperty).stored
  return [
    { $match: { [ref]: { $in: ids, $not: { $type: 'array' } } } },
    { $group: { _id: `$${ref}`, children: { $sum: 1 } } }
  ]
}

/**
 * Children of many parents: per parent, its first `limit` children in `sort` order (rows
 * `{ position, doc }`, grouped by parent), then each parent's count (rows `{ _id, children }`,
 * a `$unionWith` of countByRefsPipeline, in the same round trip). Only string references match,
 * as in every store.
 *
 * In id order the window stage comes right after the match: MongoDB sorts its input by the
 * partition, then `_id`, which the `{ ref: 1, _id: 1}` index gives in order, so nothing is sorted
 * or buffered. Its position is written over the reference field itself (the parent is known from
 * the document fetched again by `_id`), as any other name could be a stored field. With `sort`,
 * the sort keys are computed first (mongo-order.ts) and the children sorted in the server.
 */
export function findByRefsPipeline (
  collection: string,
  refProperty: string,
  ids: readonly string[],
  limit: number,
  sort?: readonly SortKey[]
): Document[] {
  const count = countByRefsPipeline(refProperty, ids)
  if (limit === 0) return count
  const ref = storedPath(refProperty).stored
  const match = { $match: { [ref]: { $in: ids, $not: { $type: 'array' } } } }
  const counted = { $unionWith: { coll: collection, pipeline: count } }
  if (sort === undefined || sort.length === 0) {
    return [
      match,
      { $setWindowFields: { partitionBy: `$${ref}`, sortBy: { _id: 1 }, output: { [ref]: { $documentNumber: {} } } } },
      { $match: { [ref]: { $lte: limit } } },
      { $project: { _id: 1, position: `$${ref}` } },
      { $lookup: { from: collection, localField: '_id', foreignField: '_id', pipeline: [], as: 'doc' } },
      { $unwind: '$doc' },
      counted
    ]
  }
  const order = windowOrder(sort)
  return [
    match,
    { $replaceWith: { ref: `$${ref}`, doc: '$$ROOT', ...order.keys } },
    { $setWindowFields: { partitionBy: '$ref', sortBy: order.sortBy, output: { position: { $documentNumber: {} } } } },
    { $match: { position: { $lte: limit } } },
    { $sort: { ref: 1, position: 1 } },
    { $project: { _id: 0, position: 1, doc: 1 } },
    counted
  ]
}
