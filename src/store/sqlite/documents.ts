// Turns caller documents into the JSON text stored in the `doc` column, and explains the one
// document SQLite itself refuses: JSON nested deeper than SQLite's JSON parser reads.
import Database from 'better-sqlite3'
import { BadRequestError } from '../../errors.js'
import type { Doc } from '../store.js'

export function rejectDoc (index: number, path: string, message: string): never {
  throw new BadRequestError(`document ${index} cannot be stored: ${message}`, [{ path: `/${index}${path}`, message }])
}

export function serializeDoc (doc: Doc, index: number): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) rejectDoc(index, '', 'expected a JSON object')
  if (typeof doc.id !== 'string') rejectDoc(index, '/id', 'id must be a string')
  try {
    return JSON.stringify(doc)
  } catch (error) {
    // circular structures and BigInts have no JSON form
    return rejectDoc(index, '', `not representable as JSON (${(error as Error).message})`)
  }
}

/**
 * Whether SQLite refused a document's JSON: the table's CHECK (json_valid(doc)) failed, or,
 * when a ref column index is computed first, its json_type call met JSON too deep to parse.
 * The text always comes from JSON.stringify, so "malformed" can only mean beyond SQLite's limits.
 */
export function isRejectedJson (error: unknown): boolean {
  if (!(error instanceof Database.SqliteError)) return false
  return error.code === 'SQLITE_CONSTRAINT_CHECK' || (error.code === 'SQLITE_ERROR' && /malformed JSON/.test(error.message))
}
