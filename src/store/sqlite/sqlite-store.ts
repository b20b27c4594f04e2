// The SQLite store (better-sqlite3): one table per entity holding each document as JSON, with
// indexed generated columns for ref properties. Every call is one statement (or one
// transaction) and is reported as one round trip; streams read in keyset batches and never
// keep a statement open between batches, so the connection stays free for other queries.
import Database from 'better-sqlite3'
import { LRUCache } from 'lru-cache'
import { StoreUnavailableError } from '../../errors.js'
import { checkAfter, checkBatchSize, checkLimit, checkPage, totalOrder } from '../keyset.js'
import type { Doc, FindQuery, Move, FindResult, RefQuery, RefResult, Store, StoreOptions, StreamQuery } from '../store.js'
import { conditionSql } from './condition-sql.js'
import { rejectDoc, serializeDoc } from '../documents.js'
import { isRejectedJson } from './rejected-json.js'
import { refColumn, tableSql, type TableSql } from './identifiers.js'
import { afterSql, keyExpressions, orderBySql, sqlPosition } from './order-sql.js'
import { ensureSchema } from './schema.js'
import { storeError } from './sqlite-errors.js'
import * as statements from './statements.js'

type Row = Record<string, unknown>

/** Children rows grouped by parent (`ref`) in order, and every parent's count. */
interface ChildRows {
  rows: Row[]
  totals: Map<string, number>
}

function parseDoc (row: Row): Doc {
  return JSON.parse(row.doc as string) as Doc
}

// Serializes inside the transaction on purpose: a document rejected half-way (by JSON or by
// SQLite's CHECK) rolls back the rows already written, so the batch is all or nothing.
function writeAll (insert: Database.Statement, docs: readonly Doc[]): Doc[] {
  return docs.map(function writeOne (doc, index) {
    const json = serializeDoc(doc, index)
    try {
      insert.run(doc.id, json)
    } catch (error) {
      if (isRejectedJson(error)) rejectDoc(index, '', 'SQLite cannot read its JSON (nested too deeply)')
      throw error
    }
    return JSON.parse(json) as Doc
  })
}

// One IMMEDIATE transaction (the write lock first, so two processes never deadlock upgrading a
// read lock): a move happens only when its guarded delete removed the source row.
function moveAll (remove: Database.Statement, insert: Database.Statement, moves: readonly Move[]): string[] {
  const moved: string[] = []
  moves.forEach(function moveOne (move, index) {
    const json = serializeDoc(move.doc, index)
    if (remove.run(move.id, move.rev).changes === 0) return
    insert.run(move.doc.id, json)
    moved.push(move.id)
  })
  return moved
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite'
  private readonly tables = new Map<string, TableSql>()
  // bounded: filters and sorts make many distinct statements over a server's life
  private readonly prepared = new LRUCache<string, Database.Statement>({ max: 500 })
  private closed = false
  private readonly writeAll: (insert: Database.Statement, docs: readonly Doc[]) => Doc[]
  private readonly moveAll: (remove: Database.Statement, insert: Database.Statement, moves: readonly Move[]) => string[]
  private readonly readChildren: (table: string, column: string, parents: string, limit: number, top?: string) => ChildRows

  constructor (private readonly db: Database.Database, private readonly options: StoreOptions) {
    for (const entity of options.entities) this.tables.set(entity.name, tableSql(entity))
    this.writeAll = db.transaction(writeAll)
    this.moveAll = db.transaction(moveAll).immediate
    this.readChildren = db.transaction(this.childrenIn.bind(this))
  }

  private table (entity: string): TableSql {
    const table = this.tables.get(entity)
    // entities come from the model, never from a request: an unknown one is a bug
    if (table === undefined) throw new Error(`sqlite store: unknown entity '${entity}'`)
    return table
  }

  /** The other tables a relation filter reads. */
  private readonly lookup = (entity: string): TableSql => this.table(entity)

  private statement (sql: string): Database.Statement {
    let statement = this.prepared.get(sql)
    if (statement === undefined) this.prepared.set(sql, statement = this.db.prepare(sql))
    return statement
  }

  /** Runs one round trip: counted once, with store faults turned into StoreUnavailableError. */
  private run<T> (entity: string, op: string, work: () => T): T {
    if (this.closed) throw new StoreUnavailableError(`sqlite store: ${op} on '${entity}' failed: the store is closed`)
    this.options.onQuery?.(entity, op)
    try {
      return work()
    } catch (error) {
      this.abandonTransaction()
      throw storeError(error, `${op} on '${entity}'`)
    }
  }

  // A fault can also fail the ROLLBACK of a write's transaction; left open, that transaction
  // would be committed by the next write with half a batch in it. End it for sure.
  private abandonTransaction (): void {
    if (!this.db.open || !this.db.inTransaction) return
    try {
      this.db.exec('ROLLBACK')
    } catch {
      // nothing more to do: SQLite has already rolled back
    }
  }

  async get (entity: string, id: string): Promise<Doc | undefined> {
    const { table } = this.table(entity)
    const row = this.run(entity, 'get', () => this.statement(statements.getSql(table)).get(id) as Row | undefined)
    return row === undefined ? undefined : parseDoc(row)
  }

  async getMany (entity: string, ids: readonly string[]): Promise<Doc[]> {
    const { table } = this.table(entity)
    const rows = this.run(entity, 'getMany', () => this.statement(statements.getManySql(table)).all(JSON.stringify(ids)) as Row[])
    return rows.map(parseDoc)
  }

  async find (entity: string, query: FindQuery): Promise<FindResult> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    const table = this.table(entity)
    const keys = totalOrder(query.sort)
    const where = conditionSql(query.filter, table, this.lookup)
    const after = query.after === undefined ? undefined : afterSql(keys, table, sqlPosition(query.after))
    const page = after === undefined ? where : { sql: `${where.sql} AND ${after.sql}`, params: [...where.params, ...after.params] }
    const orderBy = orderBySql(keys, table)
    const offset = (query.page - 1) * query.size
    return this.run(entity, 'find', () => {
      const rows = this.statement(statements.findSql(table.table, where.sql, orderBy, page.sql))
        .all(...where.params, ...page.params, query.size, offset) as Row[]
      if (rows.length > 0) return { items: rows.map(parseDoc), total: rows[0]!.total as number }
      if (offset === 0 && query.size > 0 && after === undefined) return { items: [], total: 0 }
      // an empty page past the end (or size 0) carries no window count: count separately
      const count = this.statement(statements.countSql(table.table, where.sql)).get(...where.params) as Row
      return { items: [], total: count.total as number }
    })
  }

  async findByRefs (entity: string, refProperty: string, ids: readonly string[], query: RefQuery): Promise<RefResult> {
    checkLimit(query.perRefLimit)
    const table = this.table(entity)
    const column = refColumn(table, refProperty)
    const order = query.sort === undefined || query.sort.length === 0 ? undefined : totalOrder(query.sort)
    const top = order === undefined ? undefined : statements.topChildrenSql(table.table, column, orderBySql(order, table), orderBySql(order, table, 'child'))
    const { rows, totals } = this.run(entity, 'findByRefs', () => this.readChildren(table.table, column, JSON.stringify(ids), query.perRefLimit, top))
    const items: Doc[] = []
    let ref: unknown
    let position = 0
    for (const row of rows) {
      position = row.ref === ref ? position + 1 : 1
      ref = row.ref
      if (position <= query.perRefLimit) items.push(parseDoc(row))
    }
    return { items, totals }
  }

  /**
   * The counts first (from the index alone). In id order, the parents whose children all fit
   * are then read whole in one range scan each, and only the others through a per-parent
   * LIMIT: 1.4× faster than limiting every parent (bench/sqlite-children.ts). In another order (`top`),
   * every parent's top children. One read transaction, so counts and rows are one snapshot.
   */
  private childrenIn (table: string, column: string, parents: string, limit: number, top?: string): ChildRows {
    const totals = new Map<string, number>()
    const whole: string[] = []
    const cut: string[] = []
    for (const row of this.statement(statements.countByRefsSql(table, column)).all(parents) as Row[]) {
      const children = row.children as number
      totals.set(row.ref as string, children)
      ;(children <= limit ? whole : cut).push(row.ref as string)
    }
    const rows: Row[] = []
    if (limit === 0 || totals.size === 0) return { rows, totals }
    if (top !== undefined) return { rows: this.statement(top).all(JSON.stringify([...totals.keys()]), limit) as Row[], totals }
    if (whole.length > 0) rows.push(...this.statement(statements.childrenSql(table, column)).all(JSON.stringify(whole)) as Row[])
    if (cut.length > 0) rows.push(...this.statement(statements.firstChildrenSql(table, column)).all(JSON.stringify(cut), limit) as Row[])
    return { rows, totals }
  }

  async countByRefs (entity: string, refProperty: string, ids: readonly string[]): Promise<Map<string, number>> {
    const table = this.table(entity)
    const column = refColumn(table, refProperty)
    const rows = this.run(entity, 'countByRefs', () => this.statement(statements.countByRefsSql(table.table, column)).all(JSON.stringify(ids)) as Row[])
    return new Map(rows.map(row => [row.ref as string, row.children as number]))
  }

  stream (entity: string, query: StreamQuery): AsyncIterable<Doc[]> {
    return this.batches(entity, query)
  }

  // Keyset pagination: each batch is a fresh statement run to completion, continuing strictly
  // after the key tuple of the last document read, so writes between batches are safe.
  private async * batches (entity: string, query: StreamQuery): AsyncGenerator<Doc[]> {
    checkBatchSize(query.batchSize)
    checkAfter(query.after, query.sort)
    const table = this.table(entity)
    const keys = totalOrder(query.sort)
    const expressions = keyExpressions(keys, table)
    const filter = conditionSql(query.filter, table, this.lookup)
    const orderBy = orderBySql(keys, table)
    let after = query.after === undefined ? undefined : sqlPosition(query.after)
    while (true) {
      const cursor = after === undefined ? { sql: '1', params: [] } : afterSql(keys, table, after)
      const sql = statements.streamSql(table.table, expressions, `${filter.sql} AND ${cursor.sql}`, orderBy)
      const rows = this.run(entity, 'stream', () => this.statement(sql)
        // exact 64-bit integers, so a key read back as the cursor compares equal to itself
        .safeIntegers(true)
        // one extra row tells whether another read is needed
        .all(...filter.params, ...cursor.params, query.batchSize + 1) as Row[])
      const batch = rows.slice(0, query.batchSize)
      if (batch.length > 0) {
        const last = batch[batch.length - 1]!
        after = expressions.map((_, i) => last[`k${i}`])
        yield batch.map(parseDoc)
      }
      if (rows.length <= query.batchSize) return
    }
  }

  async upsertMany (entity: string, docs: readonly Doc[]): Promise<Doc[]> {
    const { table } = this.table(entity)
    return this.run(entity, 'upsertMany', () => this.writeAll(this.statement(statements.upsertSql(table)), docs))
  }

  async delete (entity: string, id: string): Promise<boolean> {
    const { table } = this.table(entity)
    return this.run(entity, 'delete', () => this.statement(statements.deleteSql(table)).run(id).changes > 0)
  }

  async deleteMany (entity: string, ids: readonly string[]): Promise<number> {
    const { table } = this.table(entity)
    return this.run(entity, 'deleteMany', () => this.statement(statements.deleteManySql(table)).run(JSON.stringify(ids)).changes)
  }

  async moveMany (from: string, to: string, moves: readonly Move[]): Promise<string[]> {
    const source = this.table(from).table
    const { table } = this.table(to)
    return this.run(to, 'moveMany', () => this.moveAll(this.statement(statements.deleteRevSql(source)), this.statement(statements.upsertSql(table)), moves))
  }

  async ping (): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('sqlite store: ping failed: the store is closed')
    const first = this.options.entities[0]
    try {
      this.statement('SELECT 1').get()
      if (first === undefined) return
      const found = this.statement("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(first.name)
      if (found === undefined) throw new StoreUnavailableError(`sqlite store: ping failed: table '${first.name}' is missing`)
      // a store that cannot take the write lock (another connection holds it) is down for writes
      this.db.exec('BEGIN IMMEDIATE')
      this.db.exec('ROLLBACK')
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error
      throw new StoreUnavailableError(`sqlite store: ping failed (${(error as Error).message})`, { cause: error })
    }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.prepared.clear()
    this.db.close()
  }
}

export interface SqliteSettings {
  /** How long a write waits for another connection's lock before failing as unavailable. */
  busyTimeoutMs: number
}

/** Opens (creating if needed) the database at `location`, a file path or `:memory:`. */
export async function openSqliteStore (location: string, options: StoreOptions,
  settings: SqliteSettings = { busyTimeoutMs: 5000 }): Promise<Store> {
  let db: Database.Database | undefined
  try {
    db = new Database(location, { timeout: settings.busyTimeoutMs })
    if (location !== ':memory:') {
      // WAL lets readers run during a write; NORMAL is durable across app crashes in WAL mode
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`)
    }
    ensureSchema(db, options.entities)
    return new SqliteStore(db, options)
  } catch (error) {
    db?.close()
    throw storeError(error, `opening '${location}'`)
  }
}
