// Creates an index, or rebuilds it when an earlier version defined it on other columns: an
// index name stays the same while what it holds grows (a ref index gaining the entity's other
// refs, a declared index gaining its type guards), so a file made by an earlier version is
// migrated at open. SQLite keeps each CREATE's text in sqlite_master, without IF NOT EXISTS.
// On a big file that takes minutes (88 s for 100,000 orders and their items at a load of 33),
// and the server cannot listen meanwhile: the builds are collected first, so the log says what
// is built on how many rows before it starts, and how long it took after; on a file they run in
// a worker thread (index-build-worker.ts), so that the main thread still handles signals.
import Database from 'better-sqlite3'
import type { StoreLog } from '../store.js'
import { quoteIdentifier } from './identifiers.js'
import './index-build-worker.js'
import type { IndexBuildData, IndexBuildReply } from './index-build-worker.js'
import { startWorker } from './start-worker.js'
import { existingDuplicates, isUniqueViolation } from './unique-sql.js'

export interface IndexBuild {
  entity: string
  name: string
  sql: string
  /** An index of that name, defined otherwise, is dropped first. */
  replaces: boolean
  /** The declared unique key a unique index enforces. */
  uniqueKey?: readonly string[]
}

/** The build that `name` needs to be `columns` on `table` (quoted), or undefined when it already is. */
export function indexBuild (db: Database.Database, entity: string, name: string, table: string,
  columns: readonly string[]): IndexBuild | undefined {
  const sql = `CREATE INDEX ${quoteIdentifier(name)} ON ${table} (${columns.join(', ')})`
  const existing = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").get(name) as
    { sql: string } | undefined
  if (existing?.sql === sql) return undefined
  return { entity, name, sql, replaces: existing !== undefined }
}

function rowCount (db: Database.Database, entity: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(entity)}`).get() as { n: number }).n
}

function describe (tables: ReadonlyArray<{ entity: string, rows: number, indexes: string[] }>): string {
  return tables.map(({ entity, rows, indexes }) =>
    `${entity} (${rows.toLocaleString('en-US')} rows): ${indexes.join(', ')}`).join('; ')
}

export interface BuildOptions {
  /** The database file, whose indexes are then built in a worker thread; none for `:memory:` (built here). */
  file?: string
  log?: StoreLog
  /** How long the builder waits for another connection's write lock. */
  busyTimeoutMs: number
}

/**
 * Runs the builds, in one transaction; when they read rows, says so before (what, on which
 * table, how many rows) and after (how long).
 */
export async function buildIndexes (db: Database.Database, builds: readonly IndexBuild[],
  options: BuildOptions): Promise<void> {
  if (builds.length === 0) return
  const entities = [...new Set(builds.map(build => build.entity))]
  const tables = entities.map(entity => ({
    entity,
    rows: rowCount(db, entity),
    indexes: builds.filter(build => build.entity === entity).map(build => build.name)
  })).filter(table => table.rows > 0)
  // on empty tables a build is instant: nothing worth a line at every first start
  const log = tables.length > 0 ? options.log : undefined
  const count = tables.reduce((sum, table) => sum + table.indexes.length, 0)
  log?.info({ indexes: tables },
    `sqlite store: building ${count} indexes before listening (new, or defined otherwise by an earlier ` +
      'version); the server answers nothing until they are built, and SIGTERM stops it meanwhile (the next ' +
      `start builds them again): ${describe(tables)}`)
  const statements = builds.map(build => ({
    ...(build.replaces ? { drop: quoteIdentifier(build.name) } : {}),
    create: build.sql
  }))
  const { file, busyTimeoutMs } = options
  let ms: number
  try {
    ms = file === undefined
      ? buildHere(db, statements)
      : await buildInWorker({ relataIndexBuild: true, file, busyTimeoutMs, statements })
  } catch (error) {
    throw (isUniqueViolation(error) ? existingDuplicates(db, builds) : undefined) ?? error
  }
  log?.info({ indexes: tables, ms: Math.round(ms) },
    `sqlite store: built ${count} indexes in ${(ms / 1000).toFixed(1)} s`)
}

function buildHere (db: Database.Database, statements: IndexBuildData['statements']): number {
  const started = performance.now()
  db.transaction(function buildAll () {
    for (const { drop, create } of statements) {
      if (drop !== undefined) db.exec(`DROP INDEX ${drop}`)
      db.exec(create)
    }
  })()
  return performance.now() - started
}

function buildInWorker (data: IndexBuildData): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = startWorker('index-build-worker', data)
    worker.once('message', (reply: IndexBuildReply) => {
      if ('ms' in reply) resolve(reply.ms)
      // a SqliteError again, so that the store says why as for its own statements
      else reject(new Database.SqliteError(reply.error.message, reply.error.code ?? 'SQLITE_ERROR'))
    })
    worker.once('error', reject)
    worker.once('exit', code => reject(new Error(`the index builder exited (code ${code}) without an answer`)))
  })
}
