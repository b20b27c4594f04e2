// The SQL that writes a graph's JSON text (graph-plan.ts) for each row of an entity, in the
// statement that reads the rows: per parent a LATERAL lookup by primary key (by the key's unique
// index for a reference through `x-parent-key`, parent-key-sql.ts), per child list a LATERAL
// read of the (ref, id) index in the list's order with LIMIT, aggregated with
// string_agg, and its count. Text is concatenated, never built with json_build_object or
// json_agg, whose output has spaces JSON.stringify does not write; documents are their stored
// text (`body`, JSON.stringify's own), or, when properties are hidden or picked, rebuilt from
// json_each in their written order, each value its original text and each key escaped by
// to_json exactly as JSON.stringify escapes it. The text around the parts is ../graph-text-sql.ts's.
import { isGraphPlan, type ChildEdge, type CountEdge, type DocPlan, type GraphPlan } from '../graph-plan.js'
import { childPagePieces, graphTextSql, sql, type TextPiece } from '../graph-text-sql.js'
import { totalOrder } from '../keyset.js'
import { bind, type TableLookup } from './condition-sql.js'
import { refColumn, type TableSql } from './identifiers.js'
import { orderBySql } from './order-sql.js'
import { heldValueSql, isReferencedSql } from './parent-key-sql.js'

/** The laterals to join after a row, and the expressions they make of it. */
export interface GraphSql {
  joins: string[]
  /** The graph's JSON text. */
  text: string
  /** How many cut child lists the graph holds, at any depth. */
  cuts: string
}

export class GraphWriter {
  #aliases = 0

  constructor (private readonly tables: TableLookup, readonly params: unknown[]) {}

  #alias (prefix: string): string {
    return `${prefix}${++this.#aliases}`
  }

  /** The JSON text of the document in row `alias`, as `plan` keeps it. */
  doc (plan: DocPlan, alias: string): string {
    if (plan.keep === undefined && plan.hidden.length === 0) return `${alias}.body`
    const tests = [
      ...(plan.keep === undefined ? [] : [`e.key = ANY(${bind(this.params, plan.keep, 'text[]')})`]),
      ...(plan.hidden.length === 0 ? [] : [`e.key <> ALL(${bind(this.params, plan.hidden, 'text[]')})`])
    ]
    return "(SELECT '{' || coalesce(string_agg(to_json(e.key)::text || ':' || e.value::text, ',' ORDER BY e.o), '') " +
      `|| '}' FROM json_each(${alias}.body::json) WITH ORDINALITY AS e(key, value, o) WHERE ${tests.join(' AND ')})`
  }

  /** The graph of row `alias` of `table`. */
  graph (plan: GraphPlan, table: TableSql, alias: string): GraphSql {
    const joins: string[] = []
    const cuts: string[] = []
    const parents = plan.parents.map(edge => {
      const row = this.#alias('p')
      const x = this.#alias('x')
      const target = this.tables(edge.target)
      const inner = this.#relative(edge.below, target, row)
      const referenced = isReferencedSql(row, edge.parentKey, `${alias}.${refColumn(table, edge.property)}`)
      joins.push(`LEFT JOIN LATERAL (SELECT ${inner.text} AS g, ${inner.cuts} AS c FROM ${target.table} AS ${row} ` +
        `${inner.joins.join(' ')} WHERE ${referenced}) AS ${x} ON true`)
      if (inner.cuts !== '0') cuts.push(`coalesce(${x}.c, 0)`)
      return `${x}.g`
    })
    const lists = plan.children.map(edge => {
      const list = this.#children(edge, alias)
      joins.push(...list.joins)
      cuts.push(list.cuts)
      return { text: [sql(list.text)], page: list.page }
    })
    const counts = plan.counts.map(edge => {
      const x = this.#alias('x')
      joins.push(`LEFT JOIN LATERAL (${this.#count(edge, alias)}) AS ${x} ON true`)
      return `${x}.total`
    })
    const text = graphTextSql(plan, { doc: this.doc(plan, alias), parents, lists, counts })
    return { joins, text, cuts: cuts.length === 0 ? '0' : cuts.join(' + ') }
  }

  #relative (plan: DocPlan | GraphPlan, table: TableSql, alias: string): GraphSql {
    return isGraphPlan(plan) ? this.graph(plan, table, alias) : { joins: [], text: this.doc(plan, alias), cuts: '0' }
  }

  #count (edge: CountEdge, alias: string): string {
    const table = this.tables(edge.child)
    const row = this.#alias('k')
    return `SELECT count(*) AS total FROM ${table.table} AS ${row} ` +
      `WHERE ${row}.${refColumn(table, edge.property)} = ${heldValueSql(alias, edge.parentKey)}`
  }

  /** One child list of row `alias`: its JSON array, its page in `meta`, and its cut lists. */
  #children (edge: ChildEdge, alias: string): GraphSql & { page: TextPiece[] } {
    const table = this.tables(edge.child)
    const row = this.#alias('c')
    const [x, counted] = [this.#alias('x'), this.#alias('x')]
    const inner = this.#relative(edge.below, table, row)
    const order = orderBySql(totalOrder(edge.sort), table, row)
    const limit = bind(this.params, edge.limit, 'bigint')
    const last = this.doc({ hidden: edge.below.hidden }, row)
    const joins = [
      `LEFT JOIN LATERAL (SELECT '[' || coalesce(string_agg(${inner.text}, ',' ORDER BY ${row}.n), '') || ']' AS g, ` +
        `count(*) AS returned, string_agg(${last}, '') FILTER (WHERE ${row}.n = ${limit}) AS last, ` +
        `coalesce(sum(${inner.cuts}), 0) AS c FROM (SELECT ${row}.*, row_number() OVER (ORDER BY ${order}) AS n ` +
        `FROM ${table.table} AS ${row} ` +
        `WHERE ${row}.${refColumn(table, edge.property)} = ${heldValueSql(alias, edge.parentKey)} ` +
        `ORDER BY ${order} LIMIT ${limit}) AS ${row} ${inner.joins.join(' ')}) AS ${x} ON true`,
      `LEFT JOIN LATERAL (${this.#count(edge, alias)}) AS ${counted} ON true`
    ]
    const cut = `${counted}.total > ${x}.returned`
    const page = childPagePieces({
      total: `${counted}.total`,
      returned: `${x}.returned`,
      cut,
      last: `${x}.last`,
      ...(edge.parentKey === 'id'
        ? {}
        : { held: `to_json(${heldValueSql(alias, edge.parentKey)})::text` })
    })
    return { joins, text: `${x}.g`, page, cuts: `(CASE WHEN ${cut} THEN 1 ELSE 0 END) + ${x}.c` }
  }
}
