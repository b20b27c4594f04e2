// ORDER BY and keyset "after this position" conditions for a total order (sort keys ending
// with id), in the order every store shares (keyset.ts): missing and null first, then numbers
// with booleans as 0 and 1, then strings and composites by their text in byte order. A JSON
// value has no single SQL type that orders like that, so each key becomes three expressions:
// its rank (0 null, 1 number, 2 text), its number, its text; composites are ordered by their
// original JSON text (from `body`, as JSON.stringify wrote it), as SQLite orders them.
import type { KeyValue, Position, SortKey } from '../store.js'
import { bind } from './condition-sql.js'
import { fieldSql, typeSql } from './field-sql.js'
import type { TableSql } from './identifiers.js'

/** The expressions one key orders by: id is a column, any other field a rank, number, text. */
interface KeyParts {
  id?: string
  rank: string
  number: string
  text: string
}

function keyParts (key: SortKey, table: TableSql, alias: string): KeyParts {
  const field = fieldSql(key.field, table, alias)
  if (field.isId) return { id: field.text, rank: '', number: '', text: '' }
  const type = typeSql(field)
  return {
    rank: `(CASE ${type} WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 WHEN 'string' THEN 2 ` +
      "WHEN 'array' THEN 2 WHEN 'object' THEN 2 ELSE 0 END)",
    number: `(CASE ${type} WHEN 'number' THEN (${field.json})::numeric ` +
      `WHEN 'boolean' THEN CASE WHEN (${field.json})::boolean THEN 1 ELSE 0 END END)`,
    text: `(CASE ${type} WHEN 'string' THEN ${field.text} WHEN 'array' THEN ${field.original} ` +
      `WHEN 'object' THEN ${field.original} END) COLLATE "C"`
  }
}

/**
 * The expressions of a declared index, in the order and direction ORDER BY reads them, then
 * the id: built from the same keyParts, so the planner matches them. `doc` and `body` are
 * unqualified inside an index definition, hence the table's own name as the alias.
 */
export function indexColumnsSql (keys: readonly SortKey[], table: TableSql): string {
  const columns = keys.flatMap(function indexKey (key) {
    const parts = keyParts(key, table, table.table)
    const direction = key.desc ? 'DESC' : 'ASC'
    if (parts.id !== undefined) return [`id ${direction}`]
    // the text part carries its COLLATE after the parentheses, as an index element does
    const text = parts.text.replace(/ COLLATE "C"$/, '')
    return [`(${parts.rank}) ${direction}`, `(${parts.number}) ${direction}`, `(${text}) COLLATE "C" ${direction}`]
  })
  return [...columns, 'id'].join(', ')
}

export function orderBySql (keys: readonly SortKey[], table: TableSql, alias: string): string {
  return keys.map(function orderKey (key) {
    const parts = keyParts(key, table, alias)
    const direction = key.desc ? 'DESC' : 'ASC'
    if (parts.id !== undefined) return `${parts.id} ${direction}`
    return `${parts.rank} ${direction}, ${parts.number} ${direction}, ${parts.text} ${direction}`
  }).join(', ')
}

/** A key value as the parameters compare it: its rank, and its number or text. */
function parts (value: KeyValue): { rank: number, number?: string, text?: string } {
  if (value === null) return { rank: 0 }
  // the number's JSON text, as stored: 2 ** 60 stays 1152921504606847000, exactly
  if (typeof value === 'number') return { rank: 1, number: JSON.stringify(value) }
  return { rank: 2, text: typeof value === 'string' ? value : value.composite }
}

/** Rows strictly after (`after`) or equal to (`equal`) `value` on one key. */
function keyTests (key: SortKey, expressions: KeyParts, value: KeyValue,
  params: unknown[]): { after: string, equal: string } {
  if (expressions.id !== undefined) {
    const id = bind(params, value, 'text')
    return { after: `${expressions.id} ${key.desc ? '<' : '>'} ${id}`, equal: `${expressions.id} = ${id}` }
  }
  const { rank, number, text } = parts(value)
  const later = key.desc ? '<' : '>'
  const rankAfter = `${expressions.rank} ${later} ${rank}`
  if (rank === 0) return { after: rankAfter, equal: `${expressions.rank} = 0` }
  const [column, operand] = number !== undefined
    ? [expressions.number, bind(params, number, 'numeric')]
    : [expressions.text, bind(params, text, 'text')]
  return {
    after: `(${rankAfter} OR (${expressions.rank} = ${rank} AND ${column} ${later} ${operand}))`,
    equal: `(${expressions.rank} = ${rank} AND ${column} = ${operand})`
  }
}

/**
 * `(k1, k2, …) after (v1, v2, …)` in the order of `keys`, expanded as
 * `k1 after v1 OR (k1 = v1 AND k2 after v2) OR …`; parameters are appended to `params`.
 */
export function afterSql (keys: readonly SortKey[], table: TableSql, alias: string, position: Position,
  params: unknown[]): string {
  const tests = keys.map((key, i) => keyTests(key, keyParts(key, table, alias), position[i]!, params))
  const branches = tests.map((test, i) => [...tests.slice(0, i).map(before => before.equal), test.after].join(' AND '))
  return `(${branches.map(branch => `(${branch})`).join(' OR ')})`
}
