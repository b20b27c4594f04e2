// Names and JSON paths that end up inside SQL text. Identifiers come from the model and are
// always quoted; a path is spelled only from segments that match a strict pattern, because the
// operators that take it cannot have it bound. Everything a request supplies is a parameter.
import type { StoreEntity } from '../store.js'

const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/

export function quoteIdentifier (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `a.b` → the segments; throws on anything but plain property names (a programming error). */
export function pathSegments (field: string): string[] {
  const segments = field.split('.')
  if (!segments.every(segment => PATH_SEGMENT.test(segment))) {
    throw new Error(`postgres store: '${field}' is not a property path`)
  }
  return segments
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

/** How one entity's table is addressed in SQL. */
export interface TableSql {
  entity: string
  table: string
  /** ref property → quoted name of its generated column */
  refColumns: ReadonlyMap<string, string>
}

/** The quoted column of a declared ref property: children are read only through indexed references. */
export function refColumn (table: TableSql, refProperty: string): string {
  const column = table.refColumns.get(refProperty)
  if (column === undefined) {
    throw new Error(`postgres store: '${refProperty}' is not a declared ref property of '${table.entity}'`)
  }
  return column
}

export function refColumnName (property: string): string {
  return `ref_${property}`
}

export function refIndexName (entity: string, property: string): string {
  return `${entity}_by_${property}_id`
}

export function tableSql (entity: StoreEntity): TableSql {
  const refColumns = new Map<string, string>()
  for (const property of entity.refProperties) {
    if (pathSegments(property).length > 1) {
      throw new Error(`postgres store: ref property '${property}' must be a top-level property`)
    }
    refColumns.set(property, quoteIdentifier(refColumnName(property)))
  }
  return { entity: entity.name, table: quoteIdentifier(entity.name), refColumns }
}
