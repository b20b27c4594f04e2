// Selects the matching documents of a table in sort order, optionally only those after a
// keyset cursor and only the first `limit` of them: the memory twin of WHERE/ORDER BY/LIMIT.
import type { Order, SortTuple } from './compare.js'
import type { Predicate } from './match.js'
import type { StoredDoc } from './memory-table.js'

export function selectSorted (docs: Iterable<StoredDoc>, matches: Predicate, order: Order,
  after?: SortTuple, limit = Infinity): StoredDoc[] {
  const rows: Array<{ stored: StoredDoc, tuple: SortTuple }> = []
  for (const stored of docs) {
    if (!matches(stored.doc)) continue
    const tuple = order.tuple(stored.doc)
    if (after !== undefined && order.compare(tuple, after) <= 0) continue
    rows.push({ stored, tuple })
  }
  rows.sort(function byTuple (a, b) { return order.compare(a.tuple, b.tuple) })
  return rows.slice(0, limit).map(row => row.stored)
}
