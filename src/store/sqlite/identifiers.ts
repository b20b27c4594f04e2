// Names and JSON paths that end up inside SQL text. Identifiers are always quoted; JSON paths
// are built only from segments that match a strict pattern, because a path cannot be bound.
import type { SortKey, StoreEntity } from '../store.js'

const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/

export function quoteIdentifier (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `a.b` → the SQL string literal `'$.a.b'`; throws on anything but plain property names. */
export function jsonPath (field: string): string {
  const segments = field.split('.')
  if (!segments.every(segment => PATH_SEGMENT.test(segment))) {
    throw new Error(`sqlite store: '${field}' is not a property path`)
  }
  return `'$.${segments.join('.')}'`
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
    throw new Error(`sqlite store: '${refProperty}' is not a declared ref property of '${table.entity}'`)
  }
  return column
}

export function refColumnName (property: string): string {
  return `ref_${property}`
}

export function refIndexName (entity: string, property: string): string {
  return `${entity}_by_${property}_id`
}

/** The single-column ref index of earlier versions, replaced by the (ref, id) one. */
export function legacyRefIndexName (entity: string, property: string): string {
  return `${entity}_by_${property}`
}

/** `Order_idx_status_desc_createdAt` for the index `["status", "-createdAt"]` of Order. */
export function declaredIndexName (entity: string, keys: readonly SortKey[]): string {
  return `${entity}_idx_${keys.map(key => `${key.desc ? 'desc_' : ''}${key.field}`).join('_')}`
}

export function tableSql (entity: StoreEntity): TableSql {
  const refColumns = new Map<string, string>()
  for (const property of entity.refProperties) {
    jsonPath(property)
    if (property.includes('.')) throw new Error(`sqlite store: ref property '${property}' must be a top-level property`)
    refColumns.set(property, quoteIdentifier(refColumnName(property)))
  }
  return { entity: entity.name, table: quoteIdentifier(entity.name), refColumns }
}
