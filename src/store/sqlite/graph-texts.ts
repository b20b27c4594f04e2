// Graphs as JSON text built by SQLite (graph-plan.ts): one statement per GET, page or stream
// batch, each row's graph written by graph-sql.ts around the rows the plain read would return.
// A page and a stream batch run where the store's find and stream run (a read worker on a file:
// bounded by STORE_TIMEOUT_MS, stopped when the caller goes away); a GET on the main connection,
// as get does. Each call is one round trip, counted by the frame.
import type { AdapterGraphTexts, Batch, Call } from '../frame/store-adapter.js'
import { boundedTotal, countCap } from '../bounded-count.js'
import type { GraphPlan, GraphText, GraphTextPage, PagedGraphText } from '../graph-plan.js'
import { checkAfter, checkPage, totalOrder } from '../keyset.js'
import type { FindQuery, ReadOptions, StreamQuery } from '../store.js'
import { conditionSql, type TableLookup } from './condition-sql.js'
import { SqliteGraphWriter } from './graph-sql.js'
import type { TableSql } from './identifiers.js'
import { afterSql, keyExpressions, orderBySql, sqlPosition } from './order-sql.js'
import type { ReadOp, ReadOps, Row } from './sql-reader.js'
import * as statements from './statements.js'

/** Runs a read: `pooled` where unbounded reads run (a read worker), else on the main connection. */
export type GraphRead = <K extends ReadOp>(table: TableSql, op: string, read: K, args: ReadOps[K][0],
  options: { signal?: AbortSignal | undefined, pooled: boolean }) => Promise<ReadOps[K][1]>

function graphText (row: Row): GraphText {
  return { text: row.graph as string, cut: row.cut as boolean }
}

/** `, id, "ref_a", …`: what a row's graph reads of it, beside `doc`. */
function rowColumns (table: TableSql): string {
  return [', id', ...table.refColumns.values()].join(', ')
}

export class SqliteGraphTexts implements AdapterGraphTexts {
  constructor (private readonly tables: TableLookup, private readonly read: GraphRead) {}

  /** The page as find reads it (its bounded count in the same statement), each row's graph written around it. */
  async page (entity: string, query: FindQuery, plan: GraphPlan, options: ReadOptions = {}): Promise<GraphTextPage> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    const table = this.tables(entity)
    const keys = totalOrder(query.sort)
    const where = conditionSql(query.filter, table, this.tables)
    const after = query.after === undefined ? undefined : afterSql(keys, table, sqlPosition(query.after))
    const page = after === undefined
      ? where
      : { sql: `${where.sql} AND ${after.sql}`, params: [...where.params, ...after.params] }
    const offset = (query.page - 1) * query.size
    const count = [...where.params, countCap(query.countLimit) ?? -1]
    const rows = statements.findSql(table.table, where.sql, orderBySql(keys, table), page.sql, rowColumns(table))
    const graph = new SqliteGraphWriter(this.tables).graph(plan, table, 'a')
    const { rows: found, total } = await this.read(table, 'findGraphs', 'graphPage', {
      pageSql: `SELECT a.doc AS root, a.total, ${graph} AS graph FROM (${rows}) AS a`,
      pageParams: [...count, ...page.params, query.size, offset],
      countSql: statements.countSql(table.table, where.sql),
      countParams: count,
      emptyIsZero: offset === 0 && query.size > 0 && after === undefined
    }, { signal: options.signal, pooled: true })
    const graphs = found.map((row): PagedGraphText => ({ ...graphText(row), root: row.root as string }))
    return { graphs, ...boundedTotal(total, query.countLimit) }
  }

  async one (entity: string, id: string, plan: GraphPlan, options: ReadOptions = {}): Promise<GraphText | undefined> {
    const table = this.tables(entity)
    const graph = new SqliteGraphWriter(this.tables).graph(plan, table, 'a')
    const sql = `SELECT ${graph} AS graph FROM ${table.table} AS a WHERE a.id = ?`
    const rows = await this.read(table, 'getGraph', 'graphs', { sql, params: [id] },
      { signal: options.signal, pooled: false })
    return rows.length === 0 ? undefined : graphText(rows[0]!)
  }

  /**
   * Keyset batches as the store's stream reads them, each batch's graphs written by the same
   * statement: the batch is read first (its OFFSET keeps SQLite from flattening it into the
   * query around it), so only its rows get graphs.
   */
  async * stream (entity: string, query: StreamQuery, plan: GraphPlan, call: Call): AsyncGenerator<Batch<GraphText>> {
    const table = this.tables(entity)
    const keys = totalOrder(query.sort)
    const expressions = keyExpressions(keys, table)
    const filter = conditionSql(query.filter, table, this.tables)
    const orderBy = orderBySql(keys, table)
    const graph = new SqliteGraphWriter(this.tables).graph(plan, table, 'a')
    const keyed = expressions.map((_, i) => `, a.k${i}`).join('')
    let after = query.after === undefined ? undefined : sqlPosition(query.after)
    while (true) {
      const cursor = after === undefined ? { sql: '1', params: [] } : afterSql(keys, table, after)
      const batch = statements.streamSql(table.table, expressions, `${filter.sql} AND ${cursor.sql}`, orderBy,
        rowColumns(table))
      const rows = await this.read(table, 'streamGraphs', 'graphs', {
        sql: `SELECT ${graph} AS graph${keyed} FROM (${batch} OFFSET 0) AS a`,
        // one extra row tells whether another read is needed
        params: [...filter.params, ...cursor.params, query.batchSize + 1],
        // exact 64-bit integers, so a key read back as the cursor compares equal to itself
        safeIntegers: true
      }, { signal: call.signal, pooled: true })
      const graphs = rows.slice(0, query.batchSize)
      if (graphs.length > 0) {
        const last = graphs[graphs.length - 1]!
        after = expressions.map((_, i) => last[`k${i}`])
      }
      yield { docs: graphs.map(graphText), last: rows.length <= query.batchSize }
    }
  }
}
