// The SQL expression that writes a row's graph as JSON text (graph-plan.ts) in the statement that
// reads the rows. SQLite has no LATERAL, so each part is a correlated subquery: a parent looked up
// by primary key (by the key's unique index through `x-parent-key`), a child list read from the
// (ref, id) index in the list's order with LIMIT and joined with group_concat, its page from the
// count of the same index. Documents are their stored text (JSON.stringify's own). SQLite's JSON
// functions keep number text and string escapes as written (1e+21, \ud800, U+2028 raw), so
// json_remove drops hidden properties, and `->` reads picked ones, without changing a byte.
import { isGraphPlan, type ChildEdge, type CountEdge, type DocPlan, type GraphPlan } from '../graph-plan.js'
import { childPagePieces, graphTextSql, literal, sql, type Concat, type TextPiece } from '../graph-text-sql.js'
import { totalOrder } from '../keyset.js'
import type { TableLookup } from './condition-sql.js'
import { jsonPath, refColumn, type TableSql } from './identifiers.js'
import { orderBySql } from './order-sql.js'
import { keyPartSql } from './unique-sql.js'

/**
 * Written before a cut list's `"last"`: a raw control character, which JSON.stringify never
 * writes, so the text itself tells that a graph needs its `next` links made (sql-reader.ts).
 */
export const CUT_MARK = '\u0001'

/** SQLite's functions take at most 1,000 arguments (127 before 3.48): longer concatenations nest. */
const MOST_ARGUMENTS = 100

/**
 * concat(): one call that writes the whole text once, where each `||` copies the text so far
 * (a stream batch's statement: about 15 % less CPU). No part of a graph is NULL, which concat
 * would skip where `||` makes the whole NULL.
 */
export const sqliteConcat: Concat = function sqliteConcat (expressions) {
  if (expressions.length <= MOST_ARGUMENTS) return `concat(${expressions.join(', ')})`
  const chunks: string[] = []
  for (let i = 0; i < expressions.length; i += MOST_ARGUMENTS) {
    chunks.push(`concat(${expressions.slice(i, i + MOST_ARGUMENTS).join(', ')})`)
  }
  return sqliteConcat(chunks)
}

/** `$."name"`: a property of any name, escaped as SQLite's JSON paths read it. */
function propertyPath (name: string): string {
  return literal(`$.${JSON.stringify(name)}`)
}

/** What references to row `alias` hold: its id, or its key's value when that is a string (else NULL). */
function heldValueSql (alias: string, key: string): string {
  if (key === 'id') return `${alias}.id`
  const path = jsonPath(key)
  return `(CASE WHEN json_type(${alias}.doc, ${path}) = 'text' THEN json_extract(${alias}.doc, ${path}) END)`
}

/** Row `alias` is the parent the (string) reference `ref` names: by primary key, or by the key's unique index. */
function isReferencedSql (alias: string, key: string, ref: string): string {
  if (key === 'id') return `${alias}.id = ${ref}`
  // a number key never matches a string reference, as getManyByKey's lookup does not
  return `${keyPartSql(key, `${alias}.doc`)} = ${ref} AND json_type(${alias}.doc, ${jsonPath(key)}) = 'text'`
}

export class SqliteGraphWriter {
  #aliases = 0

  constructor (private readonly tables: TableLookup) {}

  #alias (prefix: string): string {
    return `g${prefix}${++this.#aliases}`
  }

  /** The JSON text of the document in row `alias`, as `plan` keeps it. */
  doc (plan: DocPlan, alias: string): string {
    const doc = `${alias}.doc`
    if (plan.keep === undefined) {
      return plan.hidden.length === 0 ? doc : `json_remove(${doc}, ${plan.hidden.map(propertyPath).join(', ')})`
    }
    // hidden properties go first, so a picked one that is hidden is never kept
    const kept = plan.keep.filter(name => !plan.hidden.includes(name))
    if (kept.length === 0) return "'{}'"
    const e = this.#alias('e')
    const pairs = kept.map(name =>
      `WHEN ${literal(name)} THEN ${literal(`${JSON.stringify(name)}:`)} || (${doc} -> ${propertyPath(name)})`)
    // json_each walks the document in its written order, the order trimFields keeps
    return `(SELECT '{' || coalesce(group_concat(CASE ${e}.key ${pairs.join(' ')} END, ','), '') || '}' ` +
      `FROM json_each(${doc}) AS ${e} WHERE ${e}.key IN (${kept.map(literal).join(', ')}))`
  }

  /**
   * The graph of row `alias` of `table`: the columns read are `id`, `doc` and the reference columns.
   * Its child lists are read in the FROM of a subquery around the text, each with how many it holds.
   */
  graph (plan: GraphPlan, table: TableSql, alias: string): string {
    const parents = plan.parents.map(edge => {
      const row = this.#alias('p')
      const target = this.tables(edge.target)
      const referenced = isReferencedSql(row, edge.parentKey, `${alias}.${refColumn(table, edge.property)}`)
      return `(SELECT ${this.#relative(edge.below, target, row)} FROM ${target.table} AS ${row} WHERE ${referenced})`
    })
    const lists = plan.children.map(edge => this.#children(edge, alias))
    const counts = plan.counts.map(edge => this.#count(edge, alias))
    const text = graphTextSql(plan, { doc: this.doc(plan, alias), parents, lists, counts }, sqliteConcat)
    return lists.length === 0 ? text : `(SELECT ${text} FROM ${lists.map(list => list.read).join(', ')})`
  }

  #relative (plan: DocPlan | GraphPlan, table: TableSql, alias: string): string {
    return isGraphPlan(plan) ? this.graph(plan, table, alias) : this.doc(plan, alias)
  }

  /**
   * How many children row `alias` has through `edge`: one range of the (ref, id) index. Without
   * the tick (statements.tick), a function call per child that cost as much as the count in a
   * stream's statement: the range is one parent's, so the count ends by itself.
   */
  #count (edge: CountEdge, alias: string): string {
    const table = this.tables(edge.child)
    const row = this.#alias('k')
    return `(SELECT count(*) FROM ${table.table} AS ${row} ` +
      `WHERE ${row}.${refColumn(table, edge.property)} = ${heldValueSql(alias, edge.parentKey)})`
  }

  /**
   * Row `alias`'s first `limit` children through `edge`, in the list's order: by id straight
   * from the (ref, id) index; in another order the children's rowids are sorted first, so only
   * the kept rows carry their documents on. Rows come out of the subqueries in their order,
   * which group_concat keeps. `read` (for the FROM around the graph's text) makes the list `t`,
   * how many it holds `r`, and the total `n`: counted only when the list is full, since a shorter
   * one holds them all (a stream of orders with 3 items each: one index range read per order, not two).
   */
  #children (edge: ChildEdge, alias: string): { text: TextPiece[], page: TextPiece[], read: string } {
    const table = this.tables(edge.child)
    const row = this.#alias('c')
    const list = this.#alias('r')
    const held = heldValueSql(alias, edge.parentKey)
    const column = refColumn(table, edge.property)
    // the reference columns (generated: computed when read) only for a graph below
    const columns = ['id', 'doc', ...(isGraphPlan(edge.below) ? table.refColumns.values() : [])].join(', ')
    const first = (limit: number, offset: number): string => {
      const range = `LIMIT ${limit} OFFSET ${offset}`
      if (edge.sort === undefined || edge.sort.length === 0) {
        return `SELECT ${columns} FROM ${table.table} WHERE ${column} = ${held} ORDER BY id ${range}`
      }
      const order = orderBySql(totalOrder(edge.sort), table)
      return `SELECT ${columns} FROM ${table.table} WHERE rowid IN (` +
        `SELECT rowid FROM ${table.table} WHERE ${column} = ${held} ORDER BY ${order} ${range}) ORDER BY ${order}`
    }
    const inner = this.#relative(edge.below, table, row)
    // OFFSET keeps SQLite from flattening the ordered read into the aggregate around it
    // n in the aggregate itself: a query around it would be flattened, its count written (and run) twice
    const read = `(SELECT count(*) AS r, group_concat(${inner}, ',') AS t, ` +
      `CASE WHEN count(*) < ${edge.limit} THEN count(*) ELSE ${this.#count(edge, alias)} END AS n ` +
      `FROM (${first(edge.limit, 0)}) AS ${row}) AS ${list}`
    const last = this.#alias('l')
    const page = childPagePieces({
      total: `${list}.n`,
      returned: `${list}.r`,
      cut: `${list}.n > ${edge.limit}`,
      last: edge.limit === 0
        ? 'NULL'
        : `(SELECT ${this.doc({ hidden: edge.below.hidden }, last)} FROM (${first(1, edge.limit - 1)}) AS ${last})`,
      mark: CUT_MARK,
      ...(edge.parentKey === 'id'
        ? {}
        // a cut list has a parent whose key is a string
        : { held: `${alias}.doc -> ${jsonPath(edge.parentKey)}` })
    }, sqliteConcat)
    return { text: ['[', sql(`coalesce(${list}.t, '')`), ']'], page, read }
  }
}
