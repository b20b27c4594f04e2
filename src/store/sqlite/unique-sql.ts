// Unique keys in SQLite: a unique expression index per key, over each property's value when it
// is a string or a number and NULL otherwise (SQLite's unique indexes let NULLs repeat, so a
// document missing a part takes no part in the key). Creating one on documents that already
// break it fails; the duplicates are then looked up to say which documents they are.
import type Database from 'better-sqlite3'
import { ExistingDuplicatesError } from '../../errors.js'
import type { StoreEntity } from '../store.js'
import { jsonPath, quoteIdentifier } from './identifiers.js'

/** The value a unique key indexes: a string or a number, NULL for anything else. */
export function keyPartSql (field: string, doc = 'doc'): string {
  const path = jsonPath(field)
  return `(CASE WHEN json_type(${doc}, ${path}) IN ('text', 'integer', 'real') THEN json_extract(${doc}, ${path}) END)`
}

export function uniqueIndexName (entity: string, key: readonly string[]): string {
  return `${entity}_unique_${key.join('_')}`
}

export function isUniqueViolation (error: unknown): boolean {
  return (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

function duplicates (db: Database.Database, entity: string, key: readonly string[]): ExistingDuplicatesError {
  const parts = key.map(field => keyPartSql(field))
  const row = db.prepare(`SELECT ${parts.map((part, i) => `${part} AS k${i}`).join(', ')},
    json_group_array(id) AS ids FROM ${quoteIdentifier(entity)}
    WHERE ${parts.map(part => `${part} IS NOT NULL`).join(' AND ')}
    GROUP BY ${parts.map((_, i) => `k${i}`).join(', ')} HAVING COUNT(*) > 1 LIMIT 1`).get() as Record<string, unknown>
  return new ExistingDuplicatesError(entity, key, key.map((_, i) => row[`k${i}`]),
    JSON.parse(row.ids as string) as string[])
}

export function ensureUniqueKeys (db: Database.Database, entity: StoreEntity): void {
  for (const key of entity.uniqueKeys ?? []) {
    const name = quoteIdentifier(uniqueIndexName(entity.name, key))
    try {
      db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${name} ON ${quoteIdentifier(entity.name)} ` +
        `(${key.map(field => keyPartSql(field)).join(', ')})`)
    } catch (error) {
      throw isUniqueViolation(error) ? duplicates(db, entity.name, key) : error
    }
  }
}
