// Reads as text (ReadForm.text): beside `doc`, a statement selects the document's id and its
// reference columns (the generated columns, which hold a reference only when it is a string),
// so the store hands the stored text out with what graphs are built from, parsing nothing.
import { textDoc } from '../text-doc.js'
import type { Doc } from '../store.js'
import type { TableSql } from './identifiers.js'
import type { Row } from './sql-reader.js'

/** `, id AS tid, "ref_a" AS r0, …`, each qualified by `alias` (`child.`) when given. */
export function textColumns (table: TableSql, alias = ''): string {
  const refs = [...table.refColumns.values()].map((column, i) => `, ${alias}${column} AS r${i}`)
  return `, ${alias}id AS tid${refs.join('')}`
}

/** Turns a row read with textColumns into a document as text. */
export function textRow (table: TableSql): (row: Row) => Doc {
  const properties = [...table.refColumns.keys()]
  return function textOf (row: Row): Doc {
    const refs: Record<string, unknown> = {}
    for (let i = 0; i < properties.length; i++) refs[properties[i]!] = row[`r${i}`]
    return textDoc(row.tid as string, row.doc as string, refs)
  }
}
