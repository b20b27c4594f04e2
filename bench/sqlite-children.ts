// The SQLite statements behind findByRefs against the single statements they replaced, timed
// in one process on the same files: children in id order for 500 of 100,000 orders of 3 items (counts,
// then whole children, vs a per-parent LIMIT with a per-parent count), and the top 5 of 200
// items for 100 orders by -quantity (a per-parent ORDER BY … LIMIT vs ROW_NUMBER() over every
// child). Statement time only: no HTTP, no JSON parsing.
import Database from 'better-sqlite3'
import { benchMain } from './lib/bench-main.js'
import { dataset } from './lib/dataset.js'
import { markdownTable, ratio } from './lib/table.js'
import * as statements from '../src/store/sqlite/statements.js'

const T = '"OrderItem"'
const C = '"ref_orderId"'

/** The statements of the previous version, kept here as the baseline. */
const FORMER = {
  firstByParent: `SELECT child.doc AS doc, parent.value AS ref, (SELECT COUNT(*) FROM ${T} ` +
    `WHERE ${C} = parent.value) AS children
    FROM (SELECT DISTINCT value FROM json_each(?)) AS parent
    JOIN ${T} AS child ON child.rowid IN (SELECT rowid FROM ${T} WHERE ${C} = parent.value ORDER BY id LIMIT max(?, 1))
    ORDER BY ref, child.id`,
  ranked: (order: string) => `SELECT doc, ref, children FROM (SELECT doc, ${C} AS ref,
    ROW_NUMBER() OVER (PARTITION BY ${C} ORDER BY ${order}) AS position, COUNT(*) OVER (PARTITION BY ${C}) AS children
    FROM ${T} WHERE ${C} IN (SELECT value FROM json_each(?))) WHERE position <= max(?, 1) ORDER BY ref, position`
}

function msPerCall (run: () => unknown, calls: number): number {
  for (let i = 0; i < Math.ceil(calls / 10); i++) run()
  const started = performance.now()
  for (let i = 0; i < calls; i++) run()
  return (performance.now() - started) / calls
}

async function main (): Promise<void> {
  const rows: Array<[string, number, number, string]> = []
  const small = new Database((await dataset(100_000)).path, { readonly: true })
  const orders = JSON.stringify(Array.from({ length: 500 }, (_, i) => `ord-${1 + ((i * 7919) % 100_000)}`))
  const count = small.prepare(statements.countByRefsSql(T, C))
  const children = small.prepare(statements.childrenSql(T, C))
  const read = small.transaction(() => { count.all(orders); return children.all(orders) })
  const former = small.prepare(FORMER.firstByParent)
  const idOrder = { now: msPerCall(read, 400), before: msPerCall(() => former.all(orders, 1000), 400) }
  rows.push([
    '500 orders × 3 items, id order: counts + whole children vs per-parent LIMIT and count',
    idOrder.before,
    idOrder.now,
    ratio(idOrder.before, idOrder.now)
  ])

  const big = new Database((await dataset(2000, 200)).path, { readonly: true })
  const page = JSON.stringify(Array.from({ length: 100 }, (_, i) => `ord-${101 + i}`))
  const order = "json_extract(doc, '$.quantity') DESC, id ASC"
  const top = big.prepare(
    statements.topChildrenSql(T, C, order, order.replace('doc', 'child.doc').replace('id ASC', 'child.id ASC'))
  )
  const ranked = big.prepare(FORMER.ranked(order))
  const sorted = { now: msPerCall(() => top.all(page, 5), 40), before: msPerCall(() => ranked.all(page, 5), 40) }
  rows.push([
    '100 orders × 200 items, top 5 by -quantity: per-parent ORDER BY … LIMIT vs ROW_NUMBER()',
    sorted.before,
    sorted.now,
    ratio(sorted.before, sorted.now)
  ])

  console.log('\n### SQLite child statements, ms per call (lower is better)\n')
  console.log(markdownTable(['case', 'former ms', 'now ms', 'speed-up'], rows))
}

benchMain('sqlite-children', 10, main)
