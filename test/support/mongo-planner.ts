// What the MongoDB query planner would make of a pipeline's head, for the stand-in: the leading
// `$match`, `$sort`, `$skip` and `$limit` stages are pushed down into the query layer, where a
// `$sort` on the keys of an index (or a prefix of them, `_id` last) reads the index in order and
// stops at the `$limit`. Any other stage ends the push-down: stages after it, and every stage
// inside a `$facet`, work on documents already fetched and never use an index.
import type { Document } from 'mongodb'

export interface Plan {
  /** The index read in order for the sort, when one serves it. */
  sortIndex: string | undefined
  /** Whether a `$limit` is pushed down with it, so only the first documents are read. */
  limited: boolean
}

function sameKeys (sort: Document, index: Record<string, 1 | -1>): boolean {
  const wanted = Object.entries(sort)
  const keys = Object.entries(index)
  if (wanted.length > keys.length) return false
  // an index read backwards serves the opposite order
  const flip = wanted[0]![1] === -keys[0]![1] ? -1 : 1
  return wanted.every(([field, direction], i) => keys[i]![0] === field && keys[i]![1] * flip === direction)
}

type Indexes = ReadonlyMap<string, Record<string, 1 | -1>>

function indexFor (indexes: Indexes, sort: Document | undefined): string | undefined {
  if (sort === undefined) return undefined
  return [...indexes].find(([, keys]) => sameKeys(sort, keys))?.[0]
}

/** The sort a window stage starts with, when its partition is a plain field path. */
function windowSort (window: Document): Document | undefined {
  const partition: unknown = window.partitionBy
  if (typeof partition !== 'string' || !partition.startsWith('$') || partition.startsWith('$$')) return undefined
  return { [partition.slice(1)]: 1, ...(window.sortBy as Document | undefined) }
}

export function planOf (stages: readonly Document[], indexes: ReadonlyMap<string, Record<string, 1 | -1>>): Plan {
  let sortIndex: string | undefined
  let limited = false
  for (const stage of stages) {
    const [name] = Object.keys(stage)
    if (name === '$match' || name === '$skip') continue
    if (name === '$limit') {
      limited = true
      continue
    }
    if (name === '$setWindowFields' && sortIndex === undefined) {
      // it sorts its input by the partition, then its sortBy: that $sort is pushed down
      sortIndex = indexFor(indexes, windowSort(stage.$setWindowFields as Document))
      break
    }
    if (name !== '$sort' || sortIndex !== undefined) break
    sortIndex = indexFor(indexes, stage.$sort as Document)
    if (sortIndex === undefined) break
  }
  return { sortIndex, limited: limited && sortIndex !== undefined }
}
