// Names and JSON paths that end up inside SQL text. Identifiers come from the model and are
// always quoted; a path is spelled only from segments that match a strict pattern, because the
// operators that take it cannot have it bound. Everything a request supplies is a parameter.
import type { StoreEntity } from '../store.js'
import { pathSegments as segmentsOf, tableSql as sqlTable, type TableSql } from '../sql-identifiers.js'

export { quoteIdentifier, refColumn, refColumnName, refIndexName, type TableSql } from '../sql-identifiers.js'

/** `a.b` → the segments; throws on anything but plain property names (a programming error). */
function pathSegments (field: string): string[] {
  return segmentsOf('postgres', field)
}

/** `column -> 'a'` or `column #> '{a,b}'`: the JSON value at `field`, SQL NULL when missing. */
export function jsonAt (column: string, field: string): string {
  const segments = pathSegments(field)
  return segments.length === 1 ? `${column} -> '${segments[0]!}'` : `${column} #> '{${segments.join(',')}}'`
}

/** Like jsonAt, as text: a string's characters, a composite's JSON text. */
export function textAt (column: string, field: string): string {
  const segments = pathSegments(field)
  return segments.length === 1 ? `${column} ->> '${segments[0]!}'` : `${column} #>> '{${segments.join(',')}}'`
}

export function tableSql (entity: StoreEntity): TableSql {
  return sqlTable('postgres', entity)
}
