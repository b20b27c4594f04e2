// The PostgreSQL store (node-postgres): one table per entity holding each document as jsonb and
// as its original text, with indexed generated columns for ref properties. Every call is one
// statement, so one round trip, counted as one by the frame; a stream reads a server-side cursor,
// one round trip per batch, on a connection of its own that is given back when the stream ends.
import pg from 'pg'
import { StoreUnavailableError } from '../../errors.js'
import { serializeDoc } from '../documents.js'
import { boundedTotal, countCap } from '../bounded-count.js'
import { EntityTables } from '../frame/entity-tables.js'
import { FramedStore } from '../frame/framed-store.js'
import type { Batch, Call, LinkWrite, StoreAdapter } from '../frame/store-adapter.js'
import { linkConflict } from '../links.js'
import type { LinkRow } from '../sql-links.js'
import * as linkStatements from './link-statements.js'
import { totalOrder } from '../keyset.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, RefQuery, RefResult, ResolvedLink, Store,
  StoreOptions, StreamQuery
} from '../store.js'
import { conditionSql } from './condition-sql.js'
import { plannedRows } from './estimate.js'
import { BackendCanceller, releaseAfter } from './backend-cancel.js'
import { PostgresGraphTexts } from './graph-texts.js'
import { PostgresBroadcast } from './notifications.js'
import { PreparedNames } from './prepared-names.js'
import { StreamSlots } from './stream-slots.js'
import { refColumn, tableSql, type TableSql } from './identifiers.js'
import { afterSql, orderBySql } from './order-sql.js'
import { fromDriver, storeError } from './postgres-errors.js'
import { isUniqueViolation, keyPartSql } from './unique-sql.js'
import * as statements from './statements.js'
import { rejectUnstorable } from './unstorable.js'

type Row = Record<string, unknown>

/**
 * PostgreSQL text cannot hold U+0000, so no stored id has it: such an id is looked up as NULL
 * (a single id) or left out (a list), and finds nothing, as it would on the other stores.
 */
function storableId (id: string): string | null {
  return id.includes('\u0000') ? null : id
}

function storableIds (ids: readonly string[]): string[] {
  return ids.filter(id => !id.includes('\u0000'))
}

function parseDoc (row: Row): Doc {
  return JSON.parse(row.body as string) as Doc
}

/** States of jsonb refusing a document's text: U+0000, an unpaired surrogate. */
const REFUSED_JSON = new Set(['22P05', '22P02'])

/** The documents as one JSON array, the last of each id only (one statement updates a row once). */
function documentArray (docs: readonly Doc[], texts: readonly string[]): string {
  const last = new Map<string, string>()
  docs.forEach((doc, i) => last.set(doc.id, texts[i]!))
  return `[${[...last.values()].join(',')}]`
}

export class PostgresAdapter implements StoreAdapter<TableSql> {
  readonly kind = 'postgres'
  readonly tables: EntityTables<TableSql>
  /** Connections held by streams in progress, released at close so that the pool can end. */
  private readonly streaming = new Set<pg.PoolClient>()
  /** Graphs as JSON text, built by the server in one statement; the frame counts each as one round trip. */
  readonly graphTexts: PostgresGraphTexts
  /** LISTEN/NOTIFY between instances on one database; its connection opens on the first listen. */
  readonly broadcast: PostgresBroadcast
  /** Streams hold a connection each: at most half the pool's, so that their graphs' reads find one. */
  private readonly slots: StreamSlots

  constructor (private readonly pool: pg.Pool, private readonly options: StoreOptions) {
    this.tables = new EntityTables(this.kind, options.entities, tableSql)
    this.graphTexts = new PostgresGraphTexts(this.lookup, async (_entity, _op, sql, params, signal) =>
      (await this.query(sql, params, signal)).rows as Row[], (select, params, batchSize, call) =>
      this.cursor(select, params, batchSize, call))
    this.broadcast = new PostgresBroadcast(pool, pool.options)
    this.canceller = new BackendCanceller(pool.options)
    this.slots = new StreamSlots(Math.floor((pool.options.max ?? 10) / 2), options.timeoutMs ?? 5000)
  }

  private readonly lookup = (entity: string): TableSql => this.tables.of(entity)

  readonly fault = storeError
  readonly isUniqueViolation = isUniqueViolation

  /** Cancels the statements of callers that went away. */
  private readonly canceller: BackendCanceller
  /** Statement texts named, so that each connection parses them once. */
  readonly prepared = new PreparedNames()

  /** One statement; a caller that goes away (`signal`) has its backend cancel it. */
  private async query (sql: string, params: unknown[], signal?: AbortSignal): Promise<pg.QueryResult> {
    const statement = this.prepared.query(sql, params)
    if (signal === undefined) return await fromDriver(this.pool.query(statement))
    const client = await fromDriver(this.pool.connect())
    // aborted while waiting for the connection: the frame has answered already, nothing to start
    if (signal.aborted) {
      client.release()
      throw signal.reason
    }
    let cancelled: Promise<boolean> | undefined
    const cancel = (): void => { cancelled = this.canceller.cancel(client) }
    signal.addEventListener('abort', cancel, { once: true })
    try {
      return await fromDriver(client.query(statement))
    } finally {
      signal.removeEventListener('abort', cancel)
      if (cancelled === undefined) client.release()
      else releaseAfter(client, cancelled)
    }
  }

  async get ({ table }: TableSql, id: string, call: Call): Promise<Doc | undefined> {
    const { rows } = await this.query(statements.getSql(table), [storableId(id)], call.signal)
    return rows.length === 0 ? undefined : parseDoc(rows[0] as Row)
  }

  async getMany ({ table }: TableSql, ids: readonly string[], call: Call): Promise<Doc[]> {
    const { rows } = await this.query(statements.getManySql(table), [storableIds(ids)], call.signal)
    return (rows as Row[]).map(parseDoc)
  }

  /**
   * The key's unique index holds exactly this expression; `= ANY` of an array built once lets the
   * planner probe it (an `IN (SELECT …)` was a hash join over every row). jsonb keeps "1" and 1 apart.
   */
  async getManyByKey ({ table }: TableSql, property: string, values: ReadonlyArray<string | number>,
    call: Call): Promise<Doc[]> {
    // jsonb cannot hold U+0000, so no stored key has it
    const storable = values.filter(v => typeof v !== 'string' || !v.includes('\u0000'))
    const sql = `SELECT body FROM ${table} WHERE ${keyPartSql(property)} = ` +
      'ANY (ARRAY(SELECT jsonb_array_elements($1::jsonb)))'
    const { rows } = await this.query(sql, [JSON.stringify(storable)], call.signal)
    return (rows as Row[]).map(parseDoc)
  }

  async find (table: TableSql, query: FindQuery, call: Call): Promise<FindResult> {
    const keys = totalOrder(query.sort)
    const params: unknown[] = []
    const where = conditionSql(query.filter, table, 't0', params, this.lookup)
    const whereParams = params.slice()
    const page = query.after === undefined ? where : `${where} AND ${afterSql(keys, table, 't0', query.after, params)}`
    const offset = (query.page - 1) * query.size
    const cap = countCap(query.countLimit) ?? null
    const sql = statements.findSql(table.table, where, page, orderBySql(keys, table, 't0'), params.length + 1)
    const rows = (await this.query(sql, [...params, query.size, offset, cap], call.signal)).rows as Row[]
    const counted = rows.length > 0
      ? Number(rows[0]!.total)
      : offset === 0 && query.size > 0 && query.after === undefined
        ? 0
        // an empty page past the end (or size 0) carries no count: count apart, same call
        : Number(((await this.query(statements.countSql(table.table, where, whereParams.length + 1),
          [...whereParams, cap], call.signal)).rows[0] as Row).total)
    const total = boundedTotal(counted, query.countLimit)
    if (total.exact || query.estimate !== true) return { items: rows.map(parseDoc), ...total }
    call.again() // the planner's estimate is one more statement
    const estimate = await plannedRows(this.pool, table.table, where, whereParams)
    return { items: rows.map(parseDoc), ...total, estimate: Math.max(estimate, total.total) }
  }

  async findByRefs (table: TableSql, refProperty: string, ids: readonly string[], query: RefQuery,
    call: Call): Promise<RefResult> {
    const column = refColumn(table, refProperty)
    const orderBy = orderBySql(totalOrder(query.sort), table, 't0')
    const sql = statements.childrenSql(table.table, column, orderBy)
    const rows = (await this.query(sql, [storableIds(ids), query.perRefLimit], call.signal)).rows as Row[]
    const items: Doc[] = []
    const totals = new Map<string, number>()
    for (const row of rows) {
      totals.set(row.ref as string, Number(row.children))
      if (row.body !== null) items.push(parseDoc(row))
    }
    return { items, totals }
  }

  async countByRefs (table: TableSql, refProperty: string, ids: readonly string[],
    call: Call): Promise<Map<string, number>> {
    const sql = statements.countByRefsSql(table.table, refColumn(table, refProperty))
    const rows = (await this.query(sql, [storableIds(ids)], call.signal)).rows as Row[]
    return new Map(rows.map(row => [row.ref as string, Number(row.children)]))
  }

  async * stream (table: TableSql, query: StreamQuery, call: Call): AsyncGenerator<Batch, void> {
    const keys = totalOrder(query.sort)
    const params: unknown[] = []
    const filter = conditionSql(query.filter, table, 't0', params, this.lookup)
    const where = query.after === undefined
      ? filter
      : `${filter} AND ${afterSql(keys, table, 't0', query.after, params)}`
    const select = statements.streamSql(table.table, where, orderBySql(keys, table, 't0'))
    for await (const { docs, last } of this.cursor(select, params, query.batchSize, call)) {
      yield { docs: docs.map(parseDoc), last }
    }
  }

  // A server-side cursor (DECLARE … FETCH) in a transaction of the stream's own connection:
  // the whole stream reads one snapshot, each batch is one FETCH, so one round trip, and
  // statement_timeout bounds each FETCH (a driver-level portal would be bounded as one
  // statement over the whole stream, and so cut a slow reader's stream). Opening costs BEGIN
  // and DECLARE before the first FETCH. The connection is the stream's until it ends, fails or
  // is abandoned; then ROLLBACK closes the cursor and the connection goes back to the pool.
  private async * cursor (select: string, params: unknown[], batchSize: number,
    call: Call): AsyncGenerator<Batch<Row>, void> {
    await this.slots.take()
    let client: pg.PoolClient
    try {
      client = await fromDriver(this.connect())
    } catch (error) {
      this.slots.give()
      throw error
    }
    // aborted while waiting for the connection: no event will come, start nothing
    if (call.signal?.aborted === true) {
      client.release()
      this.slots.give()
      throw call.signal.reason
    }
    this.streaming.add(client)
    let broken: unknown
    // a client that goes away cancels the FETCH in flight; the ROLLBACK below then ends the cursor
    let cancelled: Promise<boolean> | undefined
    const cancel = (): void => { cancelled = this.canceller.cancel(client) }
    call.signal?.addEventListener('abort', cancel, { once: true })
    try {
      await fromDriver(client.query('BEGIN READ ONLY'))
      await fromDriver(client.query(statements.declareSql(select), params))
      // one row read ahead tells, with the last full batch, that no other read is needed
      let ahead: Row[] = []
      while (true) {
        const wanted = batchSize + 1 - ahead.length
        const rows = [...ahead, ...(await fromDriver(client.query(statements.fetchSql(wanted)))).rows as Row[]]
        ahead = rows.splice(batchSize)
        yield { docs: rows, last: ahead.length === 0 }
      }
    } catch (error) {
      broken = error
      throw error
    } finally {
      call.signal?.removeEventListener('abort', cancel)
      // close() may have released the connection already
      if (this.streaming.delete(client)) {
        // a cancelled FETCH broke only the transaction, once the backend has been signalled (backend-cancel.ts)
        let reusable = cancelled === undefined ? broken === undefined : await cancelled
        if (reusable) await client.query('ROLLBACK').catch(() => { reusable = false })
        // a broken connection is destroyed, never handed to the next caller
        client.release(reusable ? undefined : true)
      }
      this.slots.give()
    }
  }

  private async connect (): Promise<pg.PoolClient> {
    const client = await this.pool.connect()
    // a connection lost between two batches is reported by the next read, not as an event; once
    // per connection: the pool hands the same one out again, and each checkout added a listener
    if (!client.listeners('error').includes(ignore)) client.on('error', ignore)
    return client
  }

  async upsertMany ({ table }: TableSql, docs: readonly Doc[], _call?: Call, linked?: LinkWrite): Promise<Doc[]> {
    const texts = docs.map(serializeDoc)
    try {
      if (linked === undefined) await this.query(statements.upsertSql(table), [documentArray(docs, texts)])
      else await this.upsertLinked(table, documentArray(docs, texts), linked)
    } catch (error) {
      if (REFUSED_JSON.has((error as { code?: string }).code ?? '')) rejectUnstorable(docs)
      throw error
    }
    return texts.map(text => JSON.parse(text) as Doc)
  }

  /** Links first, then the documents, in one transaction: a key held by another id rolls both back. */
  private async upsertLinked (table: string, docs: string, { entity, links }: LinkWrite): Promise<void> {
    const client = await fromDriver(this.connect())
    let broken: unknown
    try {
      await fromDriver(client.query('BEGIN'))
      const keys = JSON.stringify(links.map(link => [link.source, link.sourceId, link.id]))
      await fromDriver(client.query(linkStatements.insertLinksSql, [entity, keys]))
      const { rows } = await fromDriver(client.query(linkStatements.conflictingLinksSql, [entity, keys]))
      const conflict = rows[0] as (LinkRow & { wanted: string }) | undefined
      if (conflict !== undefined) {
        throw linkConflict({ source: conflict.source, sourceId: conflict.source_id, id: conflict.wanted }, conflict.id)
      }
      await fromDriver(client.query(statements.upsertSql(table), [docs]))
      await fromDriver(client.query('COMMIT'))
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => { broken = rollback })
      throw error
    } finally {
      client.release(broken === undefined ? undefined : true)
    }
  }

  async resolveLinks ({ table }: TableSql, entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    const pairs = JSON.stringify(keys.map(key => [key.source, key.sourceId]))
    const { rows } = await this.query(linkStatements.resolveLinksSql(table), [entity, pairs])
    return (rows as LinkRow[]).map(row =>
      ({ source: row.source, sourceId: row.source_id, id: row.id, exists: row.present === true }))
  }

  async findLinks (entity: string, query: LinkQuery, call: Call): Promise<{ items: IdentityLink[], total: number }> {
    const match = [entity, query.id ?? null, query.source ?? null]
    const offset = (query.page - 1) * query.size
    const rows = (await this.query(linkStatements.findLinksSql, [...match, query.size, offset])).rows as
      Array<LinkRow & { total: string }>
    let total = Number(rows[0]?.total ?? 0)
    if (rows.length === 0 && offset > 0) {
      // past the last page no row carries the total: count apart, one more round trip
      call.again()
      total = Number((await this.query(linkStatements.countLinksSql, match)).rows[0].total)
    }
    return { items: rows.map(row => ({ source: row.source, sourceId: row.source_id, id: row.id })), total }
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    const pairs = JSON.stringify(keys.map(key => [key.source, key.sourceId]))
    return (await this.query(linkStatements.deleteLinksSql, [entity, pairs])).rowCount ?? 0
  }

  async delete ({ table }: TableSql, id: string): Promise<boolean> {
    return ((await this.query(statements.deleteSql(table), [storableId(id)])).rowCount ?? 0) > 0
  }

  async deleteMany ({ table }: TableSql, ids: readonly string[]): Promise<number> {
    return (await this.query(statements.deleteManySql(table), [storableIds(ids)])).rowCount ?? 0
  }

  async moveMany (source: TableSql, target: TableSql, moves: readonly Move[]): Promise<string[]> {
    const texts = moves.map((move, index) => serializeDoc(move.doc, index))
    const last = new Map<string, string>()
    moves.forEach(function moveText (move, i) {
      last.set(move.id, `{"id":${JSON.stringify(move.id)},"rev":${JSON.stringify(move.rev)},"doc":${texts[i]!}}`)
    })
    const array = `[${[...last.values()].join(',')}]`
    const { rows } = await this.query(statements.moveSql(source.table, target.table), [array])
    return (rows as Row[]).map(row => row.id as string)
  }

  /** Whether reads answer and the schema is there; PostgreSQL locks rows, never the whole store. */
  async ping (): Promise<void> {
    const first = this.options.entities[0]
    const table = first === undefined ? 'pg_class' : this.tables.of(first.name).table
    const { rows } = await this.query('SELECT to_regclass($1::text) IS NOT NULL AS found', [table])
    if ((rows[0] as Row).found !== true) {
      throw new StoreUnavailableError(`postgres store: ping failed: table '${first!.name}' is missing`)
    }
  }

  async close (): Promise<void> {
    // streams in progress give their connections back destroyed, so the pool can end now
    for (const client of this.streaming) client.release(true)
    this.streaming.clear()
    await this.broadcast.close()
    await this.canceller.close()
    await this.pool.end()
  }
}

export function createPostgresStore (pool: pg.Pool, options: StoreOptions): Store {
  return new FramedStore(new PostgresAdapter(pool, options), options)
}

function ignore (): void {}
