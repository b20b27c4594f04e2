// The documents a filter can match, read through the ref index when the filter pins a declared
// ref property to strings (`eq`, `in`, or one of them inside an `and`), as SQLite's ref columns
// and MongoDB's ref indexes serve the same filters: a lookup of the parked records waiting on a
// few ids then touches those records, not the whole table. Always a superset of the matches:
// the compiled predicate still decides.
import type { Condition, Scalar } from '../filter.js'
import type { MemoryTable, StoredDoc } from './memory-table.js'

/** Ids of the documents whose `condition` may hold, or undefined when only a scan can tell. */
function pinnedIds (table: MemoryTable, condition: Condition | undefined): Set<string> | undefined {
  if (condition === undefined) return undefined
  if (condition.op === 'and') {
    for (const part of condition.conditions) {
      const ids = pinnedIds(table, part)
      if (ids !== undefined) return ids
    }
    return undefined
  }
  if (condition.op !== 'eq' && condition.op !== 'in') return undefined
  if (!table.refs.has(condition.field)) return undefined
  const values: readonly Scalar[] = 'values' in condition ? condition.values : [condition.value]
  // the index holds string values only: another operand (null matches a missing field) needs a scan
  if (!values.every(value => typeof value === 'string')) return undefined
  const ids = new Set<string>()
  for (const value of values as string[]) {
    for (const id of table.refs.children(condition.field, value) ?? []) ids.add(id)
  }
  return ids
}

export function candidates (table: MemoryTable, condition: Condition | undefined): Iterable<StoredDoc> {
  const ids = pinnedIds(table, condition)
  if (ids === undefined) return table.docs.values()
  return [...ids].map(id => table.docs.get(id)!)
}
