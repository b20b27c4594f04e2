// Graphs as JSON text in one statement (graph-plan.ts): a page's count, its rows in order and
// each row's graph (graph-sql.ts), or one document's graph. One round trip, counted as one by the
// store's frame. A plan's graph SQL is written once per plan object, its values bound first
// ($1, $2, …, the statement's own after them): a parsed request's plan is the same object every
// time (../identity-memo.ts), so a repeated request writes no graph SQL, and its GET's text,
// the same string object, finds its prepared statement's name without being hashed again.
import type { AdapterGraphTexts, Batch, Call } from '../frame/store-adapter.js'
import { PLANS_KEPT, type GraphPlan, type GraphText, type GraphTextPage, type PagedGraphText } from '../graph-plan.js'
import { IdentityMemo } from '../identity-memo.js'
import { boundedTotal, countCap } from '../bounded-count.js'
import { checkAfter, checkPage, totalOrder } from '../keyset.js'
import type { FindQuery, ReadOptions, StreamQuery } from '../store.js'
import { bind, conditionSql, type TableLookup } from './condition-sql.js'
import { GraphWriter, type GraphSql } from './graph-sql.js'
import type { TableSql } from './identifiers.js'
import { afterSql, orderBySql } from './order-sql.js'

type Row = Record<string, unknown>

/** Runs one statement (the store's frame counts the call). */
export type RunQuery = (entity: string, op: string, sql: string, params: unknown[], signal?: AbortSignal) =>
Promise<Row[]>

/** Reads the rows of `select` through a cursor, `batchSize` per round trip (the store's streams). */
export type ReadCursor = (select: string, params: unknown[], batchSize: number, call: Call) =>
AsyncGenerator<Batch<Row>, void>

function graphText (row: Row): PagedGraphText {
  return { text: row.graph as string, root: row.body as string, cut: Number(row.cuts) > 0 }
}

/** The SQL of one plan's graphs of `entity`'s rows: the graph of row `a`, and the GET's statement. */
class PlanSql {
  readonly table: TableSql
  readonly graph: GraphSql
  /** The graph's values, the first parameters of every statement around it. */
  readonly params: readonly unknown[]
  /** One document's graph; its id the parameter after the graph's. */
  readonly one: string

  constructor (tables: TableLookup, entity: string, plan: GraphPlan) {
    this.table = tables(entity)
    const params: unknown[] = []
    this.graph = new GraphWriter(tables, params).graph(plan, this.table, 'a')
    this.params = params
    this.one = `SELECT a.body, ${this.graph.text} AS graph, ${this.graph.cuts} AS cuts FROM ${this.table.table} AS a ` +
      `${this.graph.joins.join(' ')} WHERE a.id = $${params.length + 1}::text`
  }
}

export class PostgresGraphTexts implements AdapterGraphTexts {
  /** Per entity and plan object, the most recently used kept. */
  readonly #plans = new IdentityMemo<PlanSql>(PLANS_KEPT)

  constructor (private readonly tables: TableLookup, private readonly run: RunQuery,
    private readonly cursor: ReadCursor) {}

  #of (entity: string, plan: GraphPlan): PlanSql {
    return this.#plans.of(entity, [plan], () => new PlanSql(this.tables, entity, plan))
  }

  /**
   * The count of every match (up to the count's bound), then the page's rows in a LATERAL
   * subquery with its own ORDER BY and LIMIT (so that only the page's rows get graphs), numbered
   * to keep their order. An empty page still yields the count's row, without a document.
   */
  async page (entity: string, query: FindQuery, plan: GraphPlan, options: ReadOptions = {}): Promise<GraphTextPage> {
    checkPage(query.page, query.size, query.after)
    checkAfter(query.after, query.sort)
    const { table, graph, params: values } = this.#of(entity, plan)
    const keys = totalOrder(query.sort)
    const params = [...values]
    const where = conditionSql(query.filter, table, 't0', params, this.tables)
    const page = query.after === undefined ? where : `${where} AND ${afterSql(keys, table, 't0', query.after, params)}`
    const order = orderBySql(keys, table, 't0')
    const cap = bind(params, countCap(query.countLimit) ?? null, 'bigint')
    const limit = bind(params, query.size, 'bigint')
    const offset = bind(params, (query.page - 1) * query.size, 'bigint')
    const sql = `SELECT counted.total, a.body, ${graph.text} AS graph, ${graph.cuts} AS cuts ` +
      `FROM (SELECT count(*) AS total FROM (SELECT FROM ${table.table} AS t0 WHERE ${where} LIMIT ${cap}) AS m) ` +
      'AS counted ' +
      `LEFT JOIN LATERAL (SELECT t0.*, row_number() OVER (ORDER BY ${order}) AS n FROM ${table.table} AS t0 ` +
      `WHERE ${page} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}) AS a ON true ` +
      `${graph.joins.join(' ')} ORDER BY a.n`
    const rows = await this.run(entity, 'findGraphs', sql, params, options.signal)
    const counted = rows.length === 0 ? 0 : Number(rows[0]!.total)
    return { graphs: rows.filter(row => row.body !== null).map(graphText), ...boundedTotal(counted, query.countLimit) }
  }

  async one (entity: string, id: string, plan: GraphPlan, options: ReadOptions = {}): Promise<GraphText | undefined> {
    const { one, params } = this.#of(entity, plan)
    // PostgreSQL text cannot hold U+0000, so no stored id has it
    const rows = await this.run(entity, 'getGraph', one, [...params, id.includes('\u0000') ? null : id],
      options.signal)
    return rows.length === 0 ? undefined : graphText(rows[0]!)
  }

  /**
   * Every match's graph in the stream's order, through the stream's cursor: the rows are read in
   * order (the index of the sort when there is one) and each row's laterals run as the FETCH
   * reaches it, so a batch of graphs is one round trip and the server holds no more than a batch.
   */
  async * stream (entity: string, query: StreamQuery, plan: GraphPlan,
    call: Call): AsyncGenerator<Batch<GraphText>> {
    const { table, graph, params: values } = this.#of(entity, plan)
    const keys = totalOrder(query.sort)
    const params = [...values]
    const filter = conditionSql(query.filter, table, 'a', params, this.tables)
    const where = query.after === undefined
      ? filter
      : `${filter} AND ${afterSql(keys, table, 'a', query.after, params)}`
    const select = `SELECT a.body, ${graph.text} AS graph, ${graph.cuts} AS cuts FROM ${table.table} AS a ` +
      `${graph.joins.join(' ')} WHERE ${where} ORDER BY ${orderBySql(keys, table, 'a')}`
    for await (const { docs, last } of this.cursor(select, params, query.batchSize, call)) {
      yield { docs: docs.map(graphText), last }
    }
  }
}
