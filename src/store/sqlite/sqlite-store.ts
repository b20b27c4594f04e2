// The SQLite store (better-sqlite3): one table per entity holding each document as JSON, with
// indexed generated columns for ref properties. Every call is one statement (or one
// transaction), counted as one round trip by the frame; streams read in keyset batches and never
// keep a statement open between batches, so the connection stays free for other queries.
// On a file, the reads no index bounds run in a pool of read workers (read-pool.ts) and the
// rest on the main connection, which never waits on a lock: a busy write is retried later.
import Database from 'better-sqlite3'
import { availableParallelism } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreUnavailableError } from '../../errors.js'
import { boundedTotal, countCap } from '../bounded-count.js'
import { totalOrder } from '../keyset.js'
import type {
  Doc, FindQuery, Move, FindResult, IdentityLink, LinkKey, LinkQuery, ReadForm, RefQuery, RefResult, ResolvedLink,
  Store, StoreOptions, StreamQuery, WriteStatus
} from '../store.js'
import { EntityTables } from '../frame/entity-tables.js'
import { FramedStore } from '../frame/framed-store.js'
import {
  thenAnswer, type Answer, type Batch, type Call, type LinkWrite, type StoreAdapter
} from '../frame/store-adapter.js'
import { linkConflict } from '../links.js'
import type { LinkRow } from '../sql-links.js'
import * as linkStatements from './link-statements.js'
import { conditionSql } from './condition-sql.js'
import { rejectDoc, serializeDoc } from '../documents.js'
import { isRejectedJson } from './rejected-json.js'
import { refColumn, tableSql, type TableSql } from './identifiers.js'
import { afterSql, keyExpressions, orderBySql, sqlPosition } from './order-sql.js'
import { ensureSchema } from './schema.js'
import { storeError } from './sqlite-errors.js'
import { isUniqueViolation, keyPartSql } from './unique-sql.js'
import * as statements from './statements.js'
import { ReadPool } from './read-pool.js'
import { SqliteGraphTexts } from './graph-texts.js'
import { registerTick, runRead, SqlReader, type ReadOp, type ReadOps, type Row } from './sql-reader.js'
import { keyProperties, textColumns } from './text-rows.js'
import { PointReads } from './point-reads.js'

function parseDoc (row: Row): Doc {
  return JSON.parse(row.doc as string) as Doc
}

/** How one entity's rows are read: parsed, or as text with the columns that go with it. */
interface RowForm {
  /** Selected beside `doc`: nothing when parsed. */
  extra: string
  /** The same for statements that read the table as `child`. */
  childExtra: string
  toDoc: (row: Row) => Doc
}

const PARSED: RowForm = { extra: '', childExtra: '', toDoc: parseDoc }

/** From this many ids or parents on, getMany and findByRefs run in a read worker (see pooled). */
export const POOLED_KEYS = 200

/** The statements of one write's links: adding one if absent, reading the id a key holds. */
interface LinkStatements extends LinkWrite {
  insert: Database.Statement
  read: Database.Statement
}

// Serializes inside the transaction on purpose: a document rejected half-way (by JSON or by
// SQLite's CHECK), or a link held by another id, rolls back the rows already written, so the
// batch is all or nothing.
function writeAll (insert: Database.Statement, docs: readonly Doc[], linked?: LinkStatements): Doc[] {
  for (const link of linked?.links ?? []) {
    if (linked!.insert.run(linked!.entity, link.source, link.sourceId, link.id).changes > 0) continue
    const held = linked!.read.get(linked!.entity, link.source, link.sourceId) as { id: string }
    if (held.id !== link.id) throw linkConflict(link, held.id)
  }
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

export class SqliteAdapter implements StoreAdapter<TableSql> {
  readonly kind = 'sqlite'
  readonly tables: EntityTables<TableSql>
  /** Per entity, how its rows are read as text (ReadForm.text). */
  private readonly texts = new Map<string, RowForm>()
  /** Per entity, its point reads with their statements held. */
  private readonly points = new Map<string, PointReads>()
  private readonly reader: SqlReader
  /** Graphs as JSON text, built by SQLite in one statement; the frame counts each as one round trip. */
  readonly graphTexts: SqliteGraphTexts
  private readonly writeAll: (insert: Database.Statement, docs: readonly Doc[], linked?: LinkStatements) => Doc[]
  private readonly moveAll: (remove: Database.Statement, insert: Database.Statement, moves: readonly Move[]) => string[]

  /** `pool` runs the unbounded reads off the main thread; without one (`:memory:`) they run here. */
  constructor (private readonly db: Database.Database, private readonly options: StoreOptions,
    private readonly settings: { lockWaitMs: number }, private readonly pool?: ReadPool) {
    this.tables = new EntityTables(this.kind, options.entities, tableSql)
    for (const entity of options.entities) {
      const table = this.tables.of(entity.name)
      const keys = keyProperties(entity)
      const points = new PointReads(db, table, keys)
      this.points.set(entity.name, points)
      const childExtra = textColumns(table, keys, 'child.')
      this.texts.set(entity.name, { extra: points.extra, childExtra, toDoc: points.textOf })
    }
    this.reader = new SqlReader(db)
    this.graphTexts = new SqliteGraphTexts(this.lookup, (table, op, read, args, { signal, pooled }) =>
      pooled ? this.read(table, op, read, args, signal) : this.run(() => runRead(this.reader, read, args), signal))
    this.writeAll = db.transaction(writeAll)
    this.moveAll = db.transaction(moveAll).immediate
  }

  private form (table: TableSql, form: ReadForm | undefined): RowForm {
    return form?.text === true ? this.texts.get(table.entity) ?? PARSED : PARSED
  }

  /** The other tables a relation filter reads. */
  private readonly lookup = (entity: string): TableSql => this.tables.of(entity)

  readonly fault = storeError
  readonly isUniqueViolation = isUniqueViolation

  private statement (sql: string): Database.Statement {
    return this.reader.statement(sql)
  }

  /**
   * Runs one round trip on the main connection: its answer as it is (Answer), at once. The
   * connection's busy timeout is 0, so a statement that meets another connection's lock fails at
   * once instead of blocking the event loop; it is tried again after a growing pause (a promise
   * then) until the lock wait (`lockWaitMs`) is spent, or until a read's caller went away
   * (`signal`: the caller went, or its time ran out).
   */
  private run<T> (work: () => T, signal?: AbortSignal): Answer<T> {
    // the first try answers as it is (no promise): almost every statement succeeds at once
    try {
      return work()
    } catch (error) {
      return this.retry(work, error, signal)
    }
  }

  private async retry<T> (work: () => T, failure: unknown, signal?: AbortSignal): Promise<T> {
    const deadline = performance.now() + this.settings.lockWaitMs
    for (let pause = 1, error = failure; ; pause = Math.min(pause * 2, 50)) {
      this.abandonTransaction()
      const left = deadline - performance.now()
      if (!isBusy(error) || left <= 0) throw error
      await sleep(Math.min(pause, left))
      // closed while waiting: the frame's own check ran before the first try
      if (!this.db.open) throw new StoreUnavailableError('sqlite store: the store was closed during the call')
      signal?.throwIfAborted()
      try {
        return work()
      } catch (next) {
        error = next
      }
    }
  }

  /**
   * Whether a point read of `keys` ids or parents goes to a read worker: one of a stream batch's
   * relatives does, so that the main thread only assembles and writes answers while the workers
   * read (a page or a GET stays here, where the round trip costs no message to a thread).
   */
  private pooled (keys: number): boolean {
    return this.pool !== undefined && keys >= POOLED_KEYS
  }

  /** Runs one read round trip in a read worker, or on the main connection without a pool. */
  private async read<K extends ReadOp> (table: TableSql, op: string, read: K,
    args: ReadOps[K][0], signal: AbortSignal | undefined): Promise<ReadOps[K][1]> {
    if (this.pool === undefined) return await this.run(() => runRead(this.reader, read, args), signal)
    // a caller that goes away stops the worker running its statement
    return await this.pool.run(read, args, `${op} on '${table.entity}'`, signal)
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

  get (table: TableSql, id: string, call: Call, form?: ReadForm): Answer<Doc | undefined> {
    const points = this.points.get(table.entity)!
    return this.run(() => points.get(id, form), call.signal)
  }

  getMany (table: TableSql, ids: readonly string[], call: Call, form?: ReadForm): Answer<Doc[]> {
    const points = this.points.get(table.entity)!
    const params = [JSON.stringify(ids)]
    if (!this.pooled(ids.length)) return this.run(() => points.getMany(params[0]!, form), call.signal)
    const { extra, toDoc } = this.form(table, form)
    const sql = statements.getManySql(table.table, extra)
    return this.read(table, 'getMany', 'all', { sql, params }, call.signal).then(rows => rows.map(toDoc))
  }

  /** The key's unique index holds exactly this expression, so the lookup is an index probe per value. */
  getManyByKey (table: TableSql, property: string, values: ReadonlyArray<string | number>, _call: Call,
    form?: ReadForm): Answer<Doc[]> {
    const { extra, toDoc } = this.form(table, form)
    const sql = `SELECT doc${extra} FROM ${table.table} ` +
      `WHERE ${keyPartSql(property)} IN (SELECT value FROM json_each(?))`
    return thenAnswer(this.run(() => this.statement(sql).all(JSON.stringify(values)) as Row[]), rows => rows.map(toDoc))
  }

  async find (table: TableSql, query: FindQuery, call: Call): Promise<FindResult> {
    const keys = totalOrder(query.sort)
    const where = conditionSql(query.filter, table, this.lookup)
    const after = query.after === undefined ? undefined : afterSql(keys, table, sqlPosition(query.after))
    const page =
      after === undefined ? where : { sql: `${where.sql} AND ${after.sql}`, params: [...where.params, ...after.params] }
    const orderBy = orderBySql(keys, table)
    const offset = (query.page - 1) * query.size
    const count = [...where.params, countCap(query.countLimit) ?? -1]
    const { extra, toDoc } = this.form(table, query)
    const { rows, total } = await this.read(table, 'find', 'find', {
      pageSql: statements.findSql(table.table, where.sql, orderBy, page.sql, extra),
      pageParams: [...count, ...page.params, query.size, offset],
      countSql: statements.countSql(table.table, where.sql),
      countParams: count,
      emptyIsZero: offset === 0 && query.size > 0 && after === undefined
    }, call.signal)
    return { items: rows.map(toDoc), ...boundedTotal(total, query.countLimit) }
  }

  findByRefs (table: TableSql, refProperty: string, ids: readonly string[], query: RefQuery,
    call: Call): Answer<RefResult> {
    const column = refColumn(table, refProperty)
    const order = query.sort === undefined || query.sort.length === 0 ? undefined : totalOrder(query.sort)
    const { extra, childExtra, toDoc } = this.form(table, query)
    const top =
      order === undefined
        ? undefined
        : statements.topChildrenSql(table.table, column, orderBySql(order, table), orderBySql(order, table, 'child'),
          childExtra)
    const parents = JSON.stringify(ids)
    const limit = query.perRefLimit
    const args = {
      table: table.table, column, parents, limit, extra, childExtra, ...(top === undefined ? {} : { top })
    }
    // bounded by the (ref, id) index and the per-parent limit: on the main thread, unless many parents ask
    const read = this.pooled(ids.length)
      ? this.read(table, 'findByRefs', 'children', args, call.signal)
      : this.run(() => this.reader.children(args), call.signal)
    return thenAnswer(read, function firstPerRef ({ rows, totals }) {
      const items: Doc[] = []
      let ref: unknown
      let position = 0
      for (const row of rows) {
        position = row.ref === ref ? position + 1 : 1
        ref = row.ref
        if (position <= query.perRefLimit) items.push(toDoc(row))
      }
      return { items, totals }
    })
  }

  async countByRefs (table: TableSql, refProperty: string, ids: readonly string[],
    call: Call): Promise<Map<string, number>> {
    const sql = statements.countByRefsSql(table.table, refColumn(table, refProperty))
    const rows = await this.read(table, 'countByRefs', 'all', { sql, params: [JSON.stringify(ids)] }, call.signal)
    return new Map(rows.map(row => [row.ref as string, row.children as number]))
  }

  // Keyset pagination: each batch is a fresh statement run to completion, continuing strictly
  // after the key tuple of the last document read, so writes between batches are safe.
  async * stream (table: TableSql, query: StreamQuery, call: Call): AsyncGenerator<Batch, void> {
    const keys = totalOrder(query.sort)
    const expressions = keyExpressions(keys, table)
    const filter = conditionSql(query.filter, table, this.lookup)
    const orderBy = orderBySql(keys, table)
    const { extra, toDoc } = this.form(table, query)
    let after = query.after === undefined ? undefined : sqlPosition(query.after)
    while (true) {
      const cursor = after === undefined ? { sql: '1', params: [] } : afterSql(keys, table, after)
      const sql = statements.streamSql(table.table, expressions, `${filter.sql} AND ${cursor.sql}`, orderBy, extra)
      const rows = await this.read(table, 'stream', 'all', {
        sql,
        // one extra row tells whether another read is needed
        params: [...filter.params, ...cursor.params, query.batchSize + 1],
        // exact 64-bit integers, so a key read back as the cursor compares equal to itself
        safeIntegers: true
      }, call.signal)
      const batch = rows.slice(0, query.batchSize)
      if (batch.length > 0) {
        const last = batch[batch.length - 1]!
        after = expressions.map((_, i) => last[`k${i}`])
      }
      yield { docs: batch.map(toDoc), last: rows.length <= query.batchSize }
    }
  }

  async upsertMany ({ table }: TableSql, docs: readonly Doc[], _call?: Call, linked?: LinkWrite): Promise<Doc[]> {
    return await this.run(() => {
      const links = linked === undefined
        ? undefined
        : {
            ...linked,
            insert: this.statement(linkStatements.insertLinkSql),
            read: this.statement(linkStatements.linkIdSql)
          }
      return this.writeAll(this.statement(statements.upsertSql(table)), docs, links)
    })
  }

  async resolveLinks ({ table }: TableSql, entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    const pairs = JSON.stringify(keys.map(key => [key.source, key.sourceId]))
    const sql = linkStatements.resolveLinksSql(table)
    const rows = await this.run(() => this.statement(sql).all(pairs, entity) as LinkRow[])
    return rows.map(row => ({ source: row.source, sourceId: row.source_id, id: row.id, exists: row.present === 1 }))
  }

  async findLinks (entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    const match = [entity, query.id ?? null, query.id ?? null, query.source ?? null, query.source ?? null]
    const offset = (query.page - 1) * query.size
    const { rows, total } = await this.run(() => {
      const page = this.statement(linkStatements.findLinksSql).all(...match, ...match, query.size, offset) as
        Array<LinkRow & { total: number }>
      // past the last page no row carries the total: count apart
      const count = page[0]?.total ??
        (this.statement(linkStatements.countLinksSql).get(...match) as { total: number }).total
      return { rows: page, total: count }
    })
    return { items: rows.map(row => ({ source: row.source, sourceId: row.source_id, id: row.id })), total }
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    const pairs = JSON.stringify(keys.map(key => [key.source, key.sourceId]))
    return await this.run(() => this.statement(linkStatements.deleteLinksSql).run(entity, pairs).changes)
  }

  async delete ({ table }: TableSql, id: string): Promise<boolean> {
    return await this.run(() => this.statement(statements.deleteSql(table)).run(id).changes > 0)
  }

  async deleteMany ({ table }: TableSql, ids: readonly string[]): Promise<number> {
    const sql = statements.deleteManySql(table)
    return await this.run(() => this.statement(sql).run(JSON.stringify(ids)).changes)
  }

  async moveMany (source: TableSql, target: TableSql, moves: readonly Move[]): Promise<string[]> {
    const [remove, insert] = [statements.deleteRevSql(source.table), statements.upsertSql(target.table)]
    return await this.run(() => this.moveAll(this.statement(remove), this.statement(insert), moves))
  }

  /** Whether reads answer, on the main connection: never needs the write lock. */
  async ping (): Promise<void> {
    this.statement('SELECT 1').get()
    const first = this.options.entities[0]
    if (first === undefined) return
    const found = this.statement("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(first.name)
    if (found === undefined) {
      throw new StoreUnavailableError(`sqlite store: ping failed: table '${first.name}' is missing`)
    }
  }

  /** Takes the write lock and lets it go at once; with busy timeout 0, another holder means 'locked' without a wait. */
  async writeStatus (): Promise<WriteStatus> {
    try {
      this.db.exec('BEGIN IMMEDIATE')
      this.db.exec('ROLLBACK')
      return 'ok'
    } catch (error) {
      this.abandonTransaction()
      if (isBusy(error)) return 'locked'
      throw error
    }
  }

  async close (): Promise<void> {
    await this.pool?.close()
    this.reader.clear()
    this.db.close()
  }
}

function isBusy (error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')
}

export interface SqliteSettings {
  /**
   * STORE_TIMEOUT_MS: how long a read in a worker may run before it is stopped, and about how
   * long a statement on the main connection keeps retrying while another connection holds a lock.
   */
  timeoutMs: number
  /** Read workers for a file; `:memory:` cannot be shared with other threads and has none. */
  readWorkers?: number
}

/** Read workers by default: one per core, between 1 and 4. */
export function defaultReadWorkers (): number {
  return Math.max(1, Math.min(4, availableParallelism()))
}

/**
 * The lock wait of the main connection ends a little before STORE_TIMEOUT_MS, so the store gives
 * up (and says why) before the timeout wrapper abandons the call: a write is then never
 * committed after its client was told 503.
 */
function lockWait (timeoutMs: number): number {
  return Math.max(0, timeoutMs - Math.min(50, timeoutMs / 4))
}

/** Opens (creating if needed) the database at `location`, a file path or `:memory:`. */
export async function openSqliteStore (location: string, options: StoreOptions,
  settings: SqliteSettings = { timeoutMs: 5000 }): Promise<Store> {
  let db: Database.Database | undefined
  let pool: ReadPool | undefined
  try {
    // busy timeout 0: a statement that meets a lock fails at once and is retried asynchronously
    db = new Database(location, { timeout: 0 })
    registerTick(db)
    const file = location !== ':memory:'
    if (file) {
      // WAL lets readers run during a write; NORMAL is durable across app crashes in WAL mode
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
    }
    const { log } = options
    await ensureSchema(db, options.entities, {
      busyTimeoutMs: settings.timeoutMs,
      ...(file ? { file: location } : {}),
      ...(log === undefined ? {} : { log })
    })
    const workers = settings.readWorkers ?? defaultReadWorkers()
    const { timeoutMs } = settings
    pool = file && workers > 0 ? new ReadPool({ file: location, size: workers, timeoutMs }) : undefined
    await pool?.started()
    const adapter = new SqliteAdapter(db, options, { lockWaitMs: lockWait(settings.timeoutMs) }, pool)
    return new FramedStore(adapter, options)
  } catch (error) {
    await pool?.close()
    db?.close()
    throw storeError(error, `opening '${location}'`)
  }
}
