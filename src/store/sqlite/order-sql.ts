// ORDER BY and keyset "after this tuple" conditions for a total order (sort keys ending with
// id). SQLite sorts NULL first ascending and last descending; the keyset condition follows
// exactly that, key by key, so a stream returns every matching document once.
import type { KeyValue, Position, SortKey } from '../store.js'
import type { SqlFragment } from '../sql-condition.js'
import { fieldSql, valueSql } from './field-sql.js'
import type { TableSql } from './identifiers.js'

/** `alias` qualifies the columns, for a table joined under that name. */
export function keyExpressions (keys: readonly SortKey[], table: TableSql, alias?: string): string[] {
  return keys.map(key => valueSql(fieldSql(key.field, table, alias)))
}

export function orderBySql (keys: readonly SortKey[], table: TableSql, alias?: string): string {
  const expressions = keyExpressions(keys, table, alias)
  return keys.map((key, i) => `${expressions[i]!} ${key.desc ? 'DESC' : 'ASC'}`).join(', ')
}

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n }

/**
 * A key value as json_extract reads it from the stored text. Arrays and objects read as their
 * JSON text. An integer past 2^53 is stored as JSON.stringify writes it (2^60 as
 * "1152921504606847000"), which SQLite reads as that exact integer, not the double it stands for.
 */
function sqlKeyValue (value: KeyValue): unknown {
  if (value !== null && typeof value === 'object') return value.composite
  if (typeof value !== 'number' || Number.isSafeInteger(value) || !Number.isInteger(value)) return value
  const text = JSON.stringify(value)
  if (!/^-?\d+$/.test(text)) return value
  const exact = BigInt(text)
  return exact >= INT64.min && exact <= INT64.max ? exact : value
}

/** A position as the values afterSql compares with. */
export function sqlPosition (position: Position): unknown[] {
  return position.map(sqlKeyValue)
}

/** The part of the order strictly after `value` on one key, or undefined when there is none. */
function afterKey (expression: string, desc: boolean, value: unknown): SqlFragment | undefined {
  if (!desc) {
    return value === null
      ? { sql: `${expression} IS NOT NULL`, params: [] }
      : { sql: `${expression} > ?`, params: [value] }
  }
  // descending, NULLs come last: after a NULL nothing follows on this key
  if (value === null) return undefined
  return { sql: `(${expression} < ? OR ${expression} IS NULL)`, params: [value] }
}

/**
 * `(k1, k2, …) > (v1, v2, …)` in the given order, expanded as
 * `k1 after v1 OR (k1 IS v1 AND k2 after v2) OR …` with null-safe equality.
 */
export function afterSql (keys: readonly SortKey[], table: TableSql, values: readonly unknown[]): SqlFragment {
  const expressions = keyExpressions(keys, table)
  const branches: string[] = []
  const params: unknown[] = []
  keys.forEach(function addBranch (key, i) {
    const step = afterKey(expressions[i]!, key.desc, values[i])
    if (step === undefined) return
    const equal = expressions.slice(0, i).map(expression => `${expression} IS ?`)
    branches.push(`(${[...equal, step.sql].join(' AND ')})`)
    params.push(...values.slice(0, i), ...step.params)
  })
  return { sql: branches.length === 0 ? '0' : `(${branches.join(' OR ')})`, params }
}
