// Creates an index, or rebuilds it when an earlier version defined it on other columns: an
// index name stays the same while what it holds grows (a ref index gaining the entity's other
// refs, a declared index gaining its type guards), so a file made by an earlier version is
// migrated at open. SQLite keeps each CREATE's text in sqlite_master, without IF NOT EXISTS.
import type Database from 'better-sqlite3'
import { quoteIdentifier } from './identifiers.js'

export function ensureIndex (db: Database.Database, name: string, table: string, columns: readonly string[]): void {
  const sql = `CREATE INDEX ${quoteIdentifier(name)} ON ${table} (${columns.join(', ')})`
  const existing = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").get(name) as
    { sql: string } | undefined
  if (existing?.sql === sql) return
  if (existing !== undefined) db.exec(`DROP INDEX ${quoteIdentifier(name)}`)
  db.exec(sql)
}
