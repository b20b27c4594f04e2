// Explains the one document SQLite itself refuses: JSON nested deeper than its parser reads.
import Database from 'better-sqlite3'

/**
 * Whether SQLite refused a document's JSON: the table's CHECK (json_valid(doc)) failed, or,
 * when a ref column index is computed first, its json_type call met JSON too deep to parse.
 * The text always comes from JSON.stringify, so "malformed" can only mean beyond SQLite's limits.
 */
export function isRejectedJson (error: unknown): boolean {
  if (!(error instanceof Database.SqliteError)) return false
  return (
    error.code === 'SQLITE_CONSTRAINT_CHECK' || (error.code === 'SQLITE_ERROR' && /malformed JSON/.test(error.message))
  )
}
