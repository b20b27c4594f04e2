// The PostgreSQL store (node-postgres): one table per entity holding each document as jsonb and
// as its original text, with indexed generated columns for ref properties. Every call is one
// statement, so one round trip, reported as one; a stream reads a server-side cursor, one
// round trip per batch, on a connection of its own that is given back when the stream ends.
import type pg from 'pg'
import { LinkConflictError, StoreUnavailableError } from '../../errors.js'
import { serializeDoc } from '../documents.js'
import { checkAfter, checkBatchSize, checkLimit, checkPage, totalOrder } from '../keyset.js'
import type {
  Doc, FindQuery, FindResult, IdentityLink, LinkKey, LinkQuery, Move, RefQuery, RefResult, ResolvedLink, Store,
  StoreOptions, StreamQuery, WriteStatus
} from '../store.js'
import { checkLinkQuery, distinctLinks, linkConflict } from '../links.js'
import type { LinkRow } from '../sql-links.js'
import * as linkStatements from './link-statements.js'
import { conditionSql } from './condition-sql.js'
import { refColumn, tableSql, type TableSql } from './identifiers.js'
import { afterSql, orderBySql } from './order-sql.js'
import { storeError } from './postgres-errors.js'
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

export class PostgresStore implements Store {
  readonly kind = 'postgres'
  private readonly tables = new Map<string, TableSql>()
  /** Connections held by streams in progress, released at close so that the pool can end. */
  private readonly streaming = new Set<pg.PoolClient>()
  private closed = false

  constructor (private readonly pool: pg.Pool, private readonly options: StoreOptions) {
    for (const entity of options.entities) this.tables.set(entity.name, tableSql(entity))
  }

  private table (entity: string): TableSql {
    const table = this.tables.get(entity)
    // entities come from the model, never from a request: an unknown one is a bug
    if (table === undefined) throw new Error(`postgres store: unknown entity '${entity}'`)
    return table
  }

  private readonly lookup = (entity: string): TableSql => this.table(entity)

  private checkOpen (entity: string, op: string): void {
    if (this.closed) throw new StoreUnavailableError(`postgres store: ${op} on '${entity}' failed: the store is closed`)
  }

  /** Runs one round trip: counted once, with store faults turned into StoreUnavailableError. */
  private async query (entity: string, op: string, sql: string, params: unknown[]): Promise<Row[]> {
    this.checkOpen(entity, op)
    this.options.onQuery?.(entity, op)
    try {
      return (await this.pool.query(sql, params)).rows as Row[]
    } catch (error) {
      throw storeError(error, `${op} on '${entity}'`)
    }
  }

  async get (entity: string, id: string): Promise<Doc | undefined> {
    const rows = await this.query(entity, 'get', statements.getSql(this.table(entity).table), [storableId(id)])
    return rows.length === 0 ? undefined : parseDoc(rows[0]!)
  }

  async getMany (entity: string, ids: readonly string[]): Promise<Doc[]> {
    const sql = statements.getManySql(this.table(entity).table)
    const rows = await this.query(entity, 'getMany', sql, [storableIds(ids)])
    return rows.map(parseDoc)
  }

  async find (entity: string, query: FindQuery): Promise<FindResult> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    const table = this.table(entity)
    const keys = totalOrder(query.sort)
    const params: unknown[] = []
    const where = conditionSql(query.filter, table, 't0', params, this.lookup)
    const whereParams = params.length
    const page = query.after === undefined ? where : `${where} AND ${afterSql(keys, table, 't0', query.after, params)}`
    const offset = (query.page - 1) * query.size
    const sql = statements.findSql(table.table, where, page, orderBySql(keys, table, 't0'), params.length + 1)
    const rows = await this.query(entity, 'find', sql, [...params, query.size, offset])
    if (rows.length > 0) return { items: rows.map(parseDoc), total: Number(rows[0]!.total) }
    if (offset === 0 && query.size > 0 && query.after === undefined) return { items: [], total: 0 }
    // an empty page past the end (or size 0) carries no count: count apart, same call
    try {
      const count = await this.pool.query(statements.countSql(table.table, where), params.slice(0, whereParams))
      return { items: [], total: Number((count.rows[0] as Row).total) }
    } catch (error) {
      throw storeError(error, `find on '${entity}'`)
    }
  }

  async findByRefs (entity: string, refProperty: string, ids: readonly string[], query: RefQuery): Promise<RefResult> {
    checkLimit(query.perRefLimit)
    const table = this.table(entity)
    const column = refColumn(table, refProperty)
    const orderBy = orderBySql(totalOrder(query.sort), table, 't0')
    const sql = statements.childrenSql(table.table, column, orderBy)
    const rows = await this.query(entity, 'findByRefs', sql, [storableIds(ids), query.perRefLimit])
    const items: Doc[] = []
    const totals = new Map<string, number>()
    for (const row of rows) {
      totals.set(row.ref as string, Number(row.children))
      if (row.body !== null) items.push(parseDoc(row))
    }
    return { items, totals }
  }

  async countByRefs (entity: string, refProperty: string, ids: readonly string[]): Promise<Map<string, number>> {
    const table = this.table(entity)
    const sql = statements.countByRefsSql(table.table, refColumn(table, refProperty))
    const rows = await this.query(entity, 'countByRefs', sql, [storableIds(ids)])
    return new Map(rows.map(row => [row.ref as string, Number(row.children)]))
  }

  stream (entity: string, query: StreamQuery): AsyncIterable<Doc[]> {
    return this.batches(entity, query)
  }

  // A server-side cursor (DECLARE … FETCH) in a transaction of the stream's own connection:
  // the whole stream reads one snapshot, each batch is one FETCH, so one round trip, and
  // statement_timeout bounds each FETCH (a driver-level portal would be bounded as one
  // statement over the whole stream, and so cut a slow reader's stream). Opening costs BEGIN
  // and DECLARE before the first FETCH. The connection is the stream's until it ends, fails or
  // is abandoned; then ROLLBACK closes the cursor and the connection goes back to the pool.
  private async * batches (entity: string, query: StreamQuery): AsyncGenerator<Doc[]> {
    checkBatchSize(query.batchSize)
    checkAfter(query.after, query.sort)
    const table = this.table(entity)
    const keys = totalOrder(query.sort)
    const params: unknown[] = []
    const filter = conditionSql(query.filter, table, 't0', params, this.lookup)
    const where = query.after === undefined
      ? filter
      : `${filter} AND ${afterSql(keys, table, 't0', query.after, params)}`
    this.checkOpen(entity, 'stream')
    const client = await this.connect(entity)
    this.streaming.add(client)
    let broken: unknown
    try {
      await client.query('BEGIN READ ONLY')
      await client.query(statements.declareSql(table.table, where, orderBySql(keys, table, 't0')), params)
      // one row read ahead tells, with the last full batch, that no other read is needed
      let ahead: Row[] = []
      while (true) {
        this.checkOpen(entity, 'stream')
        this.options.onQuery?.(entity, 'stream')
        const wanted = query.batchSize + 1 - ahead.length
        const rows = [...ahead, ...(await client.query(statements.fetchSql(wanted))).rows as Row[]]
        ahead = rows.splice(query.batchSize)
        if (rows.length > 0) yield rows.map(parseDoc)
        if (ahead.length === 0) return
      }
    } catch (error) {
      broken = error
      throw error instanceof StoreUnavailableError ? error : storeError(error, `stream of '${entity}'`)
    } finally {
      // close() may have released the connection already
      if (this.streaming.delete(client)) {
        if (broken === undefined) await client.query('ROLLBACK').catch((error: unknown) => { broken = error })
        // a broken connection is destroyed, never handed to the next caller
        client.release(broken === undefined ? undefined : true)
      }
    }
  }

  private async connect (entity: string): Promise<pg.PoolClient> {
    try {
      const client = await this.pool.connect()
      // a connection lost between two batches is reported by the next read, not as an event
      client.on('error', ignore)
      return client
    } catch (error) {
      throw storeError(error, `stream of '${entity}'`)
    }
  }

  async upsertMany (entity: string, docs: readonly Doc[], links: readonly IdentityLink[] = []): Promise<Doc[]> {
    const { table } = this.table(entity)
    const texts = docs.map(serializeDoc)
    const distinct = distinctLinks(links)
    try {
      if (distinct.length === 0) {
        await this.query(entity, 'upsertMany', statements.upsertSql(table), [documentArray(docs, texts)])
      } else {
        await this.upsertLinked(entity, table, documentArray(docs, texts), distinct)
      }
    } catch (error) {
      if (REFUSED_JSON.has((error as { code?: string }).code ?? '')) rejectUnstorable(docs)
      throw error
    }
    return texts.map(text => JSON.parse(text) as Doc)
  }

  /** Links first, then the documents, in one transaction: a key held by another id rolls both back. */
  private async upsertLinked (entity: string, table: string, docs: string, links: readonly IdentityLink[]):
  Promise<void> {
    this.checkOpen(entity, 'upsertMany')
    this.options.onQuery?.(entity, 'upsertMany')
    const client = await this.connect(entity)
    let broken: unknown
    try {
      await client.query('BEGIN')
      const pairs = JSON.stringify(links.map(link => [link.source, link.sourceId, link.id]))
      await client.query(linkStatements.insertLinksSql, [entity, pairs])
      const conflicts = (await client.query(linkStatements.conflictingLinksSql, [entity, pairs])).rows as
        Array<LinkRow & { wanted: string }>
      if (conflicts.length > 0) {
        const [first] = conflicts
        throw linkConflict({ source: first!.source, sourceId: first!.source_id, id: first!.wanted }, first!.id)
      }
      await client.query(statements.upsertSql(table), [docs])
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => { broken = rollback })
      if (error instanceof LinkConflictError) throw error
      throw storeError(error, `upsertMany on '${entity}'`)
    } finally {
      client.release(broken === undefined ? undefined : true)
    }
  }

  async resolveLinks (entity: string, keys: readonly LinkKey[]): Promise<ResolvedLink[]> {
    const pairs = JSON.stringify(keys.map(key => [key.source, key.sourceId]))
    const sql = linkStatements.resolveLinksSql(this.table(entity).table)
    const rows = await this.query(entity, 'resolveLinks', sql, [entity, pairs]) as unknown as LinkRow[]
    return rows.map(row => ({ source: row.source, sourceId: row.source_id, id: row.id, exists: row.present === true }))
  }

  async findLinks (entity: string, query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    checkLinkQuery(query)
    this.table(entity)
    const match = [entity, query.id ?? null, query.source ?? null]
    const offset = (query.page - 1) * query.size
    const rows = await this.query(entity, 'findLinks', linkStatements.findLinksSql, [...match, query.size, offset]) as
      unknown as Array<LinkRow & { total: string }>
    // past the last page no row carries the total: count apart
    const total = rows.length > 0 || offset === 0
      ? Number(rows[0]?.total ?? 0)
      : Number((await this.query(entity, 'findLinks', linkStatements.countLinksSql, match))[0]!.total)
    return { items: rows.map(row => ({ source: row.source, sourceId: row.source_id, id: row.id })), total }
  }

  async deleteLinks (entity: string, keys: readonly LinkKey[]): Promise<number> {
    this.table(entity)
    this.checkOpen(entity, 'deleteLinks')
    this.options.onQuery?.(entity, 'deleteLinks')
    const pairs = JSON.stringify(keys.map(key => [key.source, key.sourceId]))
    return await this.execute(entity, 'deleteLinks', linkStatements.deleteLinksSql, [entity, pairs])
  }

  async delete (entity: string, id: string): Promise<boolean> {
    this.checkOpen(entity, 'delete')
    this.options.onQuery?.(entity, 'delete')
    return (await this.execute(entity, 'delete', statements.deleteSql(this.table(entity).table), [storableId(id)])) > 0
  }

  async deleteMany (entity: string, ids: readonly string[]): Promise<number> {
    this.checkOpen(entity, 'deleteMany')
    this.options.onQuery?.(entity, 'deleteMany')
    const sql = statements.deleteManySql(this.table(entity).table)
    return await this.execute(entity, 'deleteMany', sql, [storableIds(ids)])
  }

  /** A write's row count; counted by the caller. */
  private async execute (entity: string, op: string, sql: string, params: unknown[]): Promise<number> {
    try {
      return (await this.pool.query(sql, params)).rowCount ?? 0
    } catch (error) {
      throw storeError(error, `${op} on '${entity}'`)
    }
  }

  async moveMany (from: string, to: string, moves: readonly Move[]): Promise<string[]> {
    const source = this.table(from).table
    const target = this.table(to).table
    const texts = moves.map((move, index) => serializeDoc(move.doc, index))
    const last = new Map<string, string>()
    moves.forEach(function moveText (move, i) {
      last.set(move.id, `{"id":${JSON.stringify(move.id)},"rev":${JSON.stringify(move.rev)},"doc":${texts[i]!}}`)
    })
    const array = `[${[...last.values()].join(',')}]`
    const rows = await this.query(to, 'moveMany', statements.moveSql(source, target), [array])
    return rows.map(row => row.id as string)
  }

  async ping (): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('postgres store: ping failed: the store is closed')
    const first = this.options.entities[0]
    const table = first === undefined ? 'pg_class' : this.table(first.name).table
    try {
      const { rows } = await this.pool.query('SELECT to_regclass($1::text) IS NOT NULL AS found', [table])
      if ((rows[0] as Row).found !== true) {
        throw new StoreUnavailableError(`postgres store: ping failed: table '${first!.name}' is missing`)
      }
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error
      throw new StoreUnavailableError(`postgres store: ping failed (${(error as Error).message})`, { cause: error })
    }
  }

  /** PostgreSQL locks rows, never the whole store: writes go through whenever reads do. */
  async writeStatus (): Promise<WriteStatus> {
    await this.ping()
    return 'ok'
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    // streams in progress give their connections back destroyed, so the pool can end now
    for (const client of this.streaming) client.release(true)
    this.streaming.clear()
    await this.pool.end()
  }
}

function ignore (): void {}
