// Checks that two SQLite files made by different versions of the store hold the same documents:
// every table with `id` and `doc` columns in either file, compared by count and by a digest of
// its (id, doc) rows in id order. Throws naming the first table that differs.
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'

function documentTables (db: Database.Database): string[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as
    Array<{ name: string }>
  return tables.map(t => t.name).filter(name => {
    const columns = db.prepare('SELECT name FROM pragma_table_xinfo(?)').all(name) as Array<{ name: string }>
    const names = new Set(columns.map(c => c.name))
    return names.has('id') && names.has('doc')
  })
}

function digest (db: Database.Database, table: string): { rows: number, digest: string } {
  const hash = createHash('sha256')
  let rows = 0
  const quoted = `"${table.replaceAll('"', '""')}"`
  for (const row of db.prepare(`SELECT id, doc FROM ${quoted} ORDER BY id`).iterate() as
    Iterable<{ id: string, doc: string }>) {
    hash.update(row.id).update('\0').update(row.doc).update('\n')
    rows++
  }
  return { rows, digest: hash.digest('hex') }
}

/** `Category 20, Customer 1,000, …` when both files hold the same documents; throws otherwise. */
export function sameDocuments (fileA: string, fileB: string): string {
  const a = new Database(fileA, { readonly: true })
  const b = new Database(fileB, { readonly: true })
  try {
    const tables = [...new Set([...documentTables(a), ...documentTables(b)])].sort()
    return tables.map(table => {
      const [x, y] = [a, b].map(db => documentTables(db).includes(table) ? digest(db, table) : undefined)
      if (x === undefined || y === undefined || x.digest !== y.digest) {
        throw new Error(`${table} differs: ${fileA} has ${x?.rows ?? 'no'} rows, ${fileB} has ${y?.rows ?? 'no'}` +
          (x?.rows === y?.rows ? ' (different documents)' : ''))
      }
      return `${table} ${x.rows.toLocaleString('en-US')}`
    }).join(', ')
  } finally {
    a.close()
    b.close()
  }
}
