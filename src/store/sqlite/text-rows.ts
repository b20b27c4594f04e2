// Reads as text (ReadForm.text): beside `doc`, a statement selects the document's id, its
// reference columns (the generated columns, which hold a reference only when it is a string) and
// its single-property unique keys (what references by key hold, read as the key's unique index
// does), so the store hands the stored text out with what graphs are built from, parsing nothing.
import { textDoc } from '../text-doc.js'
import type { Doc, StoreEntity } from '../store.js'
import type { TableSql } from './identifiers.js'
import type { Row } from './sql-reader.js'
import { keyPartSql } from './unique-sql.js'

/** The properties of single-property unique keys that are not references already. */
export function keyProperties (entity: StoreEntity): string[] {
  const single = (entity.uniqueKeys ?? []).filter(key => key.length === 1).map(key => key[0]!)
  return [...new Set(single)].filter(property => !entity.refProperties.includes(property))
}

/**
 * `, id AS tid, "ref_a" AS r0, …, <key> AS u0, …`, each qualified by `alias` (`child.`) when
 * given (k0, … are a stream's keyset columns).
 */
export function textColumns (table: TableSql, keys: readonly string[], alias = ''): string {
  const refs = [...table.refColumns.values()].map((column, i) => `, ${alias}${column} AS r${i}`)
  const keyed = keys.map((property, i) => `, ${keyPartSql(property, `${alias}doc`)} AS u${i}`)
  return `, ${alias}id AS tid${refs.join('')}${keyed.join('')}`
}

/** Turns a row read with textColumns into a document as text. */
export function textRow (table: TableSql, keys: readonly string[]): (row: Row) => Doc {
  const properties = [...table.refColumns.keys()]
  return function textOf (row: Row): Doc {
    const refs: Record<string, unknown> = {}
    for (let i = 0; i < properties.length; i++) refs[properties[i]!] = row[`r${i}`]
    for (let i = 0; i < keys.length; i++) refs[keys[i]!] = row[`u${i}`]
    return textDoc(row.tid as string, row.doc as string, refs)
  }
}
