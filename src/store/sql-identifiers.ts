// What the SQL stores (SQLite, PostgreSQL) share of naming: quoted identifiers from the model,
// property paths checked segment by segment (a path is spelled into SQL text, never bound), and
// how an entity's table and its reference columns are addressed.
import type { StoreEntity } from './store.js'

const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/

export function quoteIdentifier (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `a.b` → the segments; throws on anything but plain property names (a programming error). */
export function pathSegments (store: string, field: string): string[] {
  const segments = field.split('.')
  if (!segments.every(segment => PATH_SEGMENT.test(segment))) {
    throw new Error(`${store} store: '${field}' is not a property path`)
  }
  return segments
}

/** How one entity's table is addressed in SQL. */
export interface TableSql {
  /** The store kind, for messages. */
  store: string
  entity: string
  table: string
  /** ref property → quoted name of its generated column */
  refColumns: ReadonlyMap<string, string>
}

/**
 * The quoted column of a declared ref property: children are read only through indexed
 * references.
 */
export function refColumn (table: TableSql, refProperty: string): string {
  const column = table.refColumns.get(refProperty)
  if (column === undefined) {
    throw new Error(`${table.store} store: '${refProperty}' is not a declared ref property of '${table.entity}'`)
  }
  return column
}

export function refColumnName (property: string): string {
  return `ref_${property}`
}

export function refIndexName (entity: string, property: string): string {
  return `${entity}_by_${property}_id`
}

export function tableSql (store: string, entity: StoreEntity): TableSql {
  const refColumns = new Map<string, string>()
  for (const property of entity.refProperties) {
    if (pathSegments(store, property).length > 1) {
      throw new Error(`${store} store: ref property '${property}' must be a top-level property`)
    }
    refColumns.set(property, quoteIdentifier(refColumnName(property)))
  }
  return { store, entity: entity.name, table: quoteIdentifier(entity.name), refColumns }
}
