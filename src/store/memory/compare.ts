// Sort order mirroring SQLite's ORDER BY over json_extract: missing and null first, then
// numbers (booleans count as 0 and 1), then text in UTF-8 byte order; arrays and objects sort
// as their JSON text, which is what json_extract hands SQLite for them.
import { keyValue } from '../keyset.js'
import type { KeyValue, Position, SortKey } from '../store.js'
import { fieldReader } from './field.js'

export type SortValue = null | number | string
export type SortTuple = SortValue[]

/**
 * UTF-8 byte order, which equals code point order. Plain `<` on JS strings compares UTF-16
 * code units and would put U+FFFF after an emoji, unlike SQLite's BINARY collation.
 */
export function compareText (a: string, b: string): number {
  if (a === b) return 0
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

// Surrogates (supplementary code points) move above U+E000..U+FFFF; the rest keeps its order.
function codePointRank (unit: number): number {
  if (unit >= 0xD800 && unit <= 0xDFFF) return unit + 0x2000
  if (unit >= 0xE000) return unit - 0x800
  return unit
}

/** A key value as this store sorts it: arrays and objects are their JSON text here. */
function sortValueOf (key: KeyValue): SortValue {
  return key !== null && typeof key === 'object' ? key.composite : key
}

export function toSortValue (value: unknown): SortValue {
  return sortValueOf(keyValue(value))
}

/** A position as this store's tuple. */
export function tupleOf (position: Position): SortTuple {
  return position.map(sortValueOf)
}

function rank (value: SortValue): number {
  if (value === null) return 0
  return typeof value === 'number' ? 1 : 2
}

export function compareSortValues (a: SortValue, b: SortValue): number {
  const byRank = rank(a) - rank(b)
  if (byRank !== 0 || a === null || b === null) return byRank
  if (typeof a === 'number') return a - (b as number)
  return compareText(a as string, b as string)
}

export interface Order {
  tuple: (doc: unknown) => SortTuple
  compare: (a: SortTuple, b: SortTuple) => number
}

/** Compiles sort keys (already ending with `id`) into a tuple extractor and comparator. */
export function compileOrder (keys: readonly SortKey[]): Order {
  const readers = keys.map(key => fieldReader(key.field))
  return {
    tuple: function sortTuple (doc) {
      return readers.map(read => toSortValue(read(doc)))
    },
    compare: function compareTuples (a, b) {
      for (let i = 0; i < keys.length; i++) {
        const result = compareSortValues(a[i]!, b[i]!)
        if (result !== 0) return keys[i]!.desc ? -result : result
      }
      return 0
    }
  }
}
