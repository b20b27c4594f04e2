// A `$some` that pins a reference of the child (`{"OrderItem":{"$some":{"productId":…}}}`) on a
// SQLite file of 200,000 orders / 600,000 items (1,000 products), timed in one process: the
// correlated EXISTS of the previous version against the semi-join condition-sql.ts now writes.
// Statement time of the count every page runs (the find's total): no HTTP, no JSON parsing.
import Database from 'better-sqlite3'
import { benchMain } from './lib/bench-main.js'
import { dataset } from './lib/dataset.js'
import { markdownTable, ratio } from './lib/table.js'
import { conditionSql } from '../src/store/sqlite/condition-sql.js'
import { tableSql } from '../src/store/sqlite/identifiers.js'
import * as statements from '../src/store/sqlite/statements.js'

const ORDERS = 200_000
/** Past this, a form is cut and reported as slower than it: the previous one takes minutes. */
const BUDGET_MS = 30_000

/** The relation condition of the previous version, kept here as the baseline. */
const FORMER = 'EXISTS (SELECT 1 FROM "OrderItem" AS r1 WHERE r1."ref_orderId" = "Order"."id" ' +
  'AND r1."ref_productId" = ? AND r1."ref_productId" IS NOT NULL)'

function timed (run: () => unknown, setDeadline: (at: number) => void): { ms: number, result: unknown } {
  const started = performance.now()
  setDeadline(started + BUDGET_MS)
  try {
    const result = run()
    return { ms: performance.now() - started, result }
  } catch (err) {
    if ((err as Error).message !== 'over budget') throw err
    return { ms: Infinity, result: undefined }
  }
}

async function main (): Promise<void> {
  const db = new Database((await dataset(ORDERS)).path, { readonly: true })
  // the store's statements call relata_tick to stay stoppable: here it cuts a form at BUDGET_MS
  let deadline = Infinity
  db.function('relata_tick', (_rowid: unknown) => {
    if (performance.now() > deadline) throw new Error('over budget')
    // true keeps the row, as the store's tick does
    return 1
  })
  const order = tableSql({ name: 'Order', refProperties: ['customerId'] })
  const item = tableSql({ name: 'OrderItem', refProperties: ['orderId', 'productId'] })
  const pinned = { op: 'eq', field: 'productId', value: 'prod-5' } as const
  const now = conditionSql({ op: 'some', child: 'OrderItem', refProperty: 'orderId', condition: pinned },
    order, entity => entity === 'OrderItem' ? item : order)
  const count = (where: string) => db.prepare(statements.countSql('"Order"', where)).pluck()
  const setDeadline = (at: number): void => { deadline = at }
  const after = timed(() => count(now.sql).get(...now.params, -1), setDeadline)
  const before = timed(() => count(FORMER).get('prod-5', -1), setDeadline)
  if (before.ms !== Infinity && before.result !== after.result) {
    throw new Error(`the forms disagree: ${String(before.result)} vs ${String(after.result)}`)
  }
  const former = before.ms === Infinity ? `> ${BUDGET_MS} (cut)` : before.ms.toFixed(1)
  console.log(markdownTable(['200,000 orders: count of orders holding prod-5', 'EXISTS ms', 'semi-join ms', 'ratio'],
    [[`${String(after.result)} orders`, former, after.ms.toFixed(1), before.ms === Infinity
      ? `> ${Math.floor(BUDGET_MS / after.ms)}×`
      : ratio(before.ms, after.ms)]]))
}

benchMain('semi-join', 5, main)
