// Graphs as JSON text built by SQLite (graph-plan.ts): one statement per GET, page or stream
// batch, each row's graph written by graph-sql.ts around the rows the plain read would return.
// A page and a stream batch run where the store's find and stream run (a read worker on a file:
// bounded by STORE_TIMEOUT_MS, stopped when the caller goes away); a GET on the main connection,
// as get does. Each call is one round trip, counted by the frame. The statements of a plan are
// written once per plan object: a parsed request's plan is the same object every time
// (../identity-memo.ts), so a repeated request writes no SQL, and its GET's text, the same
// string object, is found among the prepared statements without hashing it again.
import type { AdapterGraphTexts, Answer, Batch, Call } from '../frame/store-adapter.js'
import { boundedTotal, countCap } from '../bounded-count.js'
import { PLANS_KEPT, type GraphPlan, type GraphText, type GraphTextPage } from '../graph-plan.js'
import { IdentityMemo } from '../identity-memo.js'
import { checkAfter, checkPage, totalOrder } from '../keyset.js'
import type { FindQuery, ReadOptions, StreamQuery } from '../store.js'
import { conditionSql, type TableLookup } from './condition-sql.js'
import { SqliteGraphWriter } from './graph-sql.js'
import type { TableSql } from './identifiers.js'
import { afterSql, keyExpressions, orderBySql, sqlPosition } from './order-sql.js'
import type { FindArgs, GraphBatch, ReadOp, ReadOps } from './sql-reader.js'
import * as statements from './statements.js'

/** Runs a read: `pooled` where unbounded reads run (a read worker), else on the main connection. */
export type GraphRead = <K extends ReadOp>(table: TableSql, op: string, read: K, args: ReadOps[K][0],
  options: { signal?: AbortSignal | undefined, pooled: boolean }) => Answer<ReadOps[K][1]>

/** `, id, "ref_a", …`: what a row's graph reads of it, beside `doc`. */
function rowColumns (table: TableSql): string {
  return [', id', ...table.refColumns.values()].join(', ')
}

/**
 * The statements that read `entity`'s graphs as `plan` says: what the store runs, and what
 * bench/lib/limit-server.ts runs by hand to measure the store work alone.
 */
export class GraphStatements {
  /** One document's graph; its id the one parameter. */
  readonly one: string
  readonly #table: TableSql
  readonly #graph: string

  constructor (private readonly tables: TableLookup, entity: string, plan: GraphPlan) {
    this.#table = tables(entity)
    this.#graph = new SqliteGraphWriter(tables).graph(plan, this.#table, 'a')
    this.one = `SELECT ${this.#graph} AS graph FROM ${this.#table.table} AS a WHERE a.id = ?`
  }

  /** The page as find reads it (its bounded count in the same statement), each row's graph written around it. */
  page (query: FindQuery): FindArgs {
    const table = this.#table
    const keys = totalOrder(query.sort)
    const where = conditionSql(query.filter, table, this.tables)
    const after = query.after === undefined ? undefined : afterSql(keys, table, sqlPosition(query.after))
    const page = after === undefined
      ? where
      : { sql: `${where.sql} AND ${after.sql}`, params: [...where.params, ...after.params] }
    const offset = (query.page - 1) * query.size
    const count = [...where.params, countCap(query.countLimit) ?? -1]
    const rows = statements.findSql(table.table, where.sql, orderBySql(keys, table), page.sql, rowColumns(table))
    return {
      pageSql: `SELECT a.doc AS root, a.total, ${this.#graph} AS graph FROM (${rows}) AS a`,
      pageParams: [...count, ...page.params, query.size, offset],
      countSql: statements.countSql(table.table, where.sql),
      countParams: count,
      emptyIsZero: offset === 0 && query.size > 0 && after === undefined
    }
  }

  /**
   * A stream's batch after `after` (the last row's keys, `k0`, `k1`, … of the previous batch; none
   * for the first), with one row more than `batchSize` that tells whether another read is needed.
   * The batch is read first (its OFFSET keeps SQLite from flattening it into the query around
   * it), so only its rows get graphs.
   */
  batch (query: StreamQuery, after: unknown[] | undefined): { sql: string, params: unknown[], keys: number } {
    const table = this.#table
    const keys = totalOrder(query.sort)
    const expressions = keyExpressions(keys, table)
    const filter = conditionSql(query.filter, table, this.tables)
    const cursor = after === undefined ? { sql: '1', params: [] } : afterSql(keys, table, after)
    const batch = statements.streamSql(table.table, expressions, `${filter.sql} AND ${cursor.sql}`,
      orderBySql(keys, table), rowColumns(table))
    const keyed = expressions.map((_, i) => `, a.k${i}`).join('')
    return {
      sql: `SELECT ${this.#graph} AS graph${keyed} FROM (${batch} OFFSET 0) AS a`,
      params: [...filter.params, ...cursor.params, query.batchSize + 1],
      keys: expressions.length
    }
  }
}

export class SqliteGraphTexts implements AdapterGraphTexts {
  /** Per entity and plan object, the most recently used kept. */
  readonly #statements = new IdentityMemo<GraphStatements>(PLANS_KEPT)

  constructor (private readonly tables: TableLookup, private readonly read: GraphRead) {}

  #of (entity: string, plan: GraphPlan): GraphStatements {
    return this.#statements.of(entity, [plan], () => new GraphStatements(this.tables, entity, plan))
  }

  async page (entity: string, query: FindQuery, plan: GraphPlan, options: ReadOptions = {}): Promise<GraphTextPage> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    const args = this.#of(entity, plan).page(query)
    const { graphs, total } = await this.read(this.tables(entity), 'findGraphs', 'graphPage', args,
      { signal: options.signal, pooled: true })
    return { graphs, ...boundedTotal(total, query.countLimit) }
  }

  /**
   * The read's own answer, handed on: no async function around it (a GET's graph is a hot path),
   * and on the main connection the graph itself (no promise) when the statement answered at once.
   */
  one (entity: string, id: string, plan: GraphPlan, options: ReadOptions = {}): Answer<GraphText | undefined> {
    const sql = this.#of(entity, plan).one
    return this.read(this.tables(entity), 'getGraph', 'graph', { sql, params: [id] },
      { signal: options.signal, pooled: false })
  }

  /**
   * Keyset batches as the store's stream reads them, each batch's graphs written by the same
   * statement and handed over as one text, split here into the batch's graphs.
   */
  async * stream (entity: string, query: StreamQuery, plan: GraphPlan, call: Call): AsyncGenerator<Batch<GraphText>> {
    const table = this.tables(entity)
    const statements = this.#of(entity, plan)
    let after = query.after === undefined ? undefined : sqlPosition(query.after)
    while (true) {
      const { sql, params, keys } = statements.batch(query, after)
      // safeIntegers: exact 64-bit integers, so a key read back as the cursor compares equal to itself
      const batch = await this.read(table, 'streamGraphs', 'graphBatch',
        { sql, params, safeIntegers: true, size: query.batchSize, keys }, { signal: call.signal, pooled: true })
      after = batch.last ?? after
      yield { docs: graphLines(batch), last: !batch.more }
    }
  }
}

/** A batch's graphs, one per line of its text. */
function graphLines ({ lines, count, cut }: GraphBatch): GraphText[] {
  if (count === 0) return []
  const texts = lines.split('\n')
  // a raw newline in a stored document would shift every graph after it: never answer that
  if (texts.length !== count) throw new Error(`sqlite store: a batch of ${count} graphs came as ${texts.length} lines`)
  const graphs = texts.map((text): GraphText => ({ text, cut: false }))
  for (const i of cut) graphs[i]!.cut = true
  return graphs
}
