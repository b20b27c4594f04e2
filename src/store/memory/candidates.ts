// The documents a filter can match, read through the ref index when the filter pins a declared
// ref property or the id to strings (`eq`, `in`, one of them inside an `and`, or each part of
// an `or`), as SQLite's ref columns
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
  if (condition.op === 'or') return unionOfPins(table, condition.conditions)
  if (condition.op !== 'eq' && condition.op !== 'in') return undefined
  if (condition.field !== 'id' && !table.refs.has(condition.field)) return undefined
  const values: readonly Scalar[] = 'values' in condition ? condition.values : [condition.value]
  // the index holds string values only: another operand (null matches a missing field) needs a scan
  if (values.length === 0 || !values.every(value => typeof value === 'string')) return undefined
  const ids = new Set<string>()
  for (const value of values as string[]) {
    if (condition.field === 'id') {
      if (table.docs.has(value)) ids.add(value)
    } else {
      for (const id of table.refs.children(condition.field, value) ?? []) ids.add(id)
    }
  }
  return ids
}

/** An `or` is pinned when each of its parts is: the union of their ids. */
function unionOfPins (table: MemoryTable, parts: Condition[]): Set<string> | undefined {
  if (parts.length === 0) return undefined
  const ids = new Set<string>()
  for (const part of parts) {
    const pinned = pinnedIds(table, part)
    if (pinned === undefined) return undefined
    for (const id of pinned) ids.add(id)
  }
  return ids
}

/** The documents `condition` may match through the indexes, or undefined when only a scan can tell. */
export function pinnedCandidates (table: MemoryTable, condition: Condition | undefined): StoredDoc[] | undefined {
  const ids = pinnedIds(table, condition)
  return ids === undefined ? undefined : [...ids].map(id => table.docs.get(id)!)
}

export function candidates (table: MemoryTable, condition: Condition | undefined): Iterable<StoredDoc> {
  return pinnedCandidates(table, condition) ?? table.docs.values()
}
