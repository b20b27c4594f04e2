// Unique keys in SQLite: a unique expression index per key, over each property's value when it
// is a string or a number and NULL otherwise (SQLite's unique indexes let NULLs repeat, so a
// document missing a part takes no part in the key). Built with the other indexes (index-sql.ts);
// creating one on documents that already break it fails, and the duplicates are then looked up
// to say which documents they are.
import type Database from 'better-sqlite3'
import { ExistingDuplicatesError } from '../../errors.js'
import type { StoreEntity } from '../store.js'
import { jsonPath, quoteIdentifier } from './identifiers.js'
import type { IndexBuild } from './index-sql.js'

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

/** The first group of documents sharing a value of `key`, if any. */
function duplicates (db: Database.Database, entity: string, key: readonly string[]):
  ExistingDuplicatesError | undefined {
  const parts = key.map(field => keyPartSql(field))
  const row = db.prepare(`SELECT ${parts.map((part, i) => `${part} AS k${i}`).join(', ')},
    json_group_array(id) AS ids FROM ${quoteIdentifier(entity)}
    WHERE ${parts.map(part => `${part} IS NOT NULL`).join(' AND ')}
    GROUP BY ${parts.map((_, i) => `k${i}`).join(', ')} HAVING COUNT(*) > 1 LIMIT 1`).get() as
    Record<string, unknown> | undefined
  if (row === undefined) return undefined
  const ids = JSON.parse(row.ids as string) as string[]
  return new ExistingDuplicatesError(entity, key, key.map((_, i) => row[`k${i}`]), ids)
}

/** The unique indexes of the keys the model declares that the file lacks, built with the other indexes. */
export function uniqueKeyBuilds (db: Database.Database, entity: StoreEntity): IndexBuild[] {
  return (entity.uniqueKeys ?? []).flatMap(key => {
    const name = uniqueIndexName(entity.name, key)
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?").get(name)
    if (exists !== undefined) return []
    const sql = `CREATE UNIQUE INDEX ${quoteIdentifier(name)} ON ${quoteIdentifier(entity.name)} ` +
      `(${key.map(field => keyPartSql(field)).join(', ')})`
    return [{ entity: entity.name, name, sql, replaces: false, uniqueKey: key }]
  })
}

/** After a build failed on a unique constraint: which stored documents break which declared key. */
export function existingDuplicates (db: Database.Database, builds: readonly IndexBuild[]):
  ExistingDuplicatesError | undefined {
  for (const build of builds) {
    const found = build.uniqueKey === undefined ? undefined : duplicates(db, build.entity, build.uniqueKey)
    if (found !== undefined) return found
  }
  return undefined
}
