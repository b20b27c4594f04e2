// Names and JSON paths that end up inside SQLite's SQL text; what both SQL stores share is in
// ../sql-identifiers.ts.
import type { SortKey, StoreEntity } from '../store.js'
import { pathSegments, tableSql as sqlTable, type TableSql } from '../sql-identifiers.js'

export { quoteIdentifier, refColumn, refColumnName, refIndexName, type TableSql } from '../sql-identifiers.js'

/** `a.b` → the SQL string literal `'$.a.b'`; throws on anything but plain property names. */
export function jsonPath (field: string): string {
  return `'$.${pathSegments('sqlite', field).join('.')}'`
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
  return sqlTable('sqlite', entity)
}
