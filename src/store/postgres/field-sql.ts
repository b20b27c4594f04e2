// SQL expressions reading one document field of a row named by an alias. `id` reads its own
// column; a ref property's generated column holds the value only when it is a JSON string, so
// it stands in for "is a string and equals/compares" and lets the (ref, id) index serve. Text
// is compared with COLLATE "C": byte order, which is code point order, as on the other stores.
import { jsonAt, textAt, type TableSql } from './identifiers.js'

export interface FieldSql {
  /** True for the `id` column: always present, always a string. */
  isId: boolean
  /** Qualified column holding the value when it is a string (id or ref column), if any. */
  stringColumn: string | undefined
  /** The jsonb value, SQL NULL when missing. */
  json: string
  /** The value as text (a string's characters). */
  text: string
  /** The value's original JSON text, for arrays and objects (jsonb reorders their keys). */
  original: string
}

export function fieldSql (field: string, table: TableSql, alias: string): FieldSql {
  if (field === 'id') {
    const id = `${alias}.id`
    return { isId: true, stringColumn: id, json: `to_jsonb(${id})`, text: id, original: id }
  }
  const column = table.refColumns.get(field)
  return {
    isId: false,
    stringColumn: column === undefined ? undefined : `${alias}.${column}`,
    json: jsonAt(`${alias}.doc`, field),
    text: textAt(`${alias}.doc`, field),
    original: `(${jsonAt(`${alias}.body::json`, field)})::text`
  }
}

export function typeSql (field: FieldSql): string {
  return `jsonb_typeof(${field.json})`
}
