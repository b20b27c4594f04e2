// Tells store faults (locked, busy, broken or vanished database) from programming errors, and
// turns the faults into StoreUnavailableError with a message that names the failed operation
// but never carries SQL text.
import Database from 'better-sqlite3'
import { StoreUnavailableError } from '../../errors.js'

const UNAVAILABLE = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT',
  'SQLITE_NOTADB', 'SQLITE_READONLY', 'SQLITE_FULL']

export function isUnavailable (error: unknown): boolean {
  if (error instanceof Database.SqliteError) {
    // extended codes such as SQLITE_IOERR_WRITE or SQLITE_BUSY_SNAPSHOT share the prefix
    return UNAVAILABLE.some(code => error.code === code || error.code.startsWith(`${code}_`))
  }
  return error instanceof TypeError && /database connection is not open/.test(error.message)
}

/** Returns the error to throw for a failure of `what` (e.g. "find on 'book'"). */
export function storeError (error: unknown, what: string): unknown {
  if (!isUnavailable(error)) return error
  const detail = error instanceof Database.SqliteError ? `${error.code}: ${error.message}` : 'the database is closed'
  return new StoreUnavailableError(`sqlite store: ${what} failed`, { cause: error, reason: detail })
}
