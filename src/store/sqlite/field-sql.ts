// SQL expressions for reading one document field. `id` reads its own column; a ref property's
// generated column holds the value only when it is a JSON string, so it can stand in for
// "field is a string and equals/compares" and let SQLite use the column's index. Inside a
// relation filter's subquery every column is qualified by the child table's alias.
import { jsonPath, type TableSql } from './identifiers.js'

export interface FieldSql {
  /** True for the `id` column: always present, always a string. */
  isId: boolean
  /** Quoted column holding the value when it is a string (id or ref column), if any. */
  stringColumn: string | undefined
  path: string
  /** The document column, qualified when the table has an alias. */
  doc: string
}

export function fieldSql (field: string, table: TableSql, alias?: string): FieldSql {
  const qualify = (column: string): string => alias === undefined ? column : `${alias}.${column}`
  if (field === 'id') return { isId: true, stringColumn: qualify('"id"'), path: jsonPath(field), doc: qualify('doc') }
  const column = table.refColumns.get(field)
  return {
    isId: false,
    stringColumn: column === undefined ? undefined : qualify(column),
    path: jsonPath(field),
    doc: qualify('doc')
  }
}

/** The value SQLite sorts by: NULL when missing or null, 1/0 for booleans, JSON text for arrays. */
export function valueSql (field: FieldSql): string {
  return field.isId ? field.stringColumn! : `json_extract(${field.doc}, ${field.path})`
}

export function typeSql (field: FieldSql): string {
  return `json_type(${field.doc}, ${field.path})`
}

export function isNumberSql (field: FieldSql): string {
  // coalesce keeps the test two-valued (never NULL), so NOT around it stays exact
  return `coalesce(${typeSql(field)}, '') IN ('integer', 'real')`
}
