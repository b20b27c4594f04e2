// Declared indexes on SQLite: created at open on exactly the expressions the store's filters
// and ORDER BY use, so EXPLAIN QUERY PLAN of the store's own statements shows them in use.
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStore } from '../../src/store/open-store.js'
import type { Condition } from '../../src/store/filter.js'
import { totalOrder } from '../../src/store/keyset.js'
import { conditionSql } from '../../src/store/sqlite/condition-sql.js'
import { tableSql } from '../../src/store/sqlite/identifiers.js'
import { afterSql, orderBySql, sqlPosition } from '../../src/store/sqlite/order-sql.js'
import { registerTick } from '../../src/store/sqlite/sql-reader.js'
import * as statements from '../../src/store/sqlite/statements.js'
import type { SortKey, StoreEntity } from '../../src/store/store.js'

const dir = mkdtempSync(join(tmpdir(), 'relata-sqlite-indexes-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const asc = (field: string): SortKey => ({ field, desc: false })
const desc = (field: string): SortKey => ({ field, desc: true })
const ORDERS: StoreEntity = {
  name: 'Order',
  refProperties: ['customerId'],
  indexes: [[asc('total')], [asc('status'), desc('createdAt')]]
}

async function indexedFile (): Promise<Database.Database> {
  const file = join(dir, 'orders.db')
  const store = await openStore(`sqlite:${file}`, { entities: [ORDERS] })
  const statuses = ['open', 'paid', 'shipped']
  await store.upsertMany('Order', Array.from({ length: 300 }, (_, i) => ({
    id: `o${String(i).padStart(3, '0')}`,
    customerId: 'c1',
    status: statuses[i % 3],
    total: i * 7 % 101,
    createdAt: `2026-01-${String(1 + i % 28).padStart(2, '0')}`
  })))
  await store.close()
  const db = new Database(file)
  registerTick(db)
  // statistics as a grown database has them, so the planner weighs the index as it would there
  db.exec('ANALYZE')
  t.teardown(() => db.close())
  return db
}

function findPlan (db: Database.Database, filter: Condition | undefined, sort: SortKey[], after?: unknown[]): string {
  const table = tableSql(ORDERS)
  const keys = totalOrder(sort)
  const where = conditionSql(filter, table)
  const cursor = after === undefined ? undefined : afterSql(keys, table, sqlPosition(after as never))
  const page = cursor === undefined ? where.sql : `${where.sql} AND ${cursor.sql}`
  const sql = statements.findSql(table.table, where.sql, orderBySql(keys, table), page)
  const params = [...where.params, -1, ...where.params, ...(cursor?.params ?? []), 10, 0]
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>
  return rows.map(row => row.detail).join('\n')
}

function indexSql (db: Database.Database, name: string): string {
  return (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql
}

t.test('open creates each declared index on the json_extract expressions, id, then their type guards', async t => {
  const db = await indexedFile()
  t.match(indexSql(db, 'Order_idx_total'),
    /\(json_extract\(doc, '\$\.total'\), id, json_type\(doc, '\$\.total'\)\)$/)
  t.match(indexSql(db, 'Order_idx_status_desc_createdAt'), new RegExp(
    "\\(json_extract\\(doc, '\\$\\.status'\\), json_extract\\(doc, '\\$\\.createdAt'\\) DESC, id, " +
    "json_type\\(doc, '\\$\\.status'\\), json_type\\(doc, '\\$\\.createdAt'\\)\\)$"))
})

t.test('a filter on a declared index is counted from the index alone, its type guard included', async t => {
  const db = await indexedFile()
  const count = (filter: Condition): string => {
    const where = conditionSql(filter, tableSql(ORDERS))
    const sql = statements.countSql('"Order"', where.sql)
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...where.params, 10_001) as Array<{ detail: string }>)
      .map(row => row.detail).join('\n')
  }
  t.match(count({ op: 'eq', field: 'status', value: 'paid' }),
    /SEARCH Order USING COVERING INDEX Order_idx_status_desc_createdAt \(<expr>=\?\)/, 'eq on a string')
  t.match(count({ op: 'gte', field: 'total', value: 95 }), /SEARCH Order USING COVERING INDEX Order_idx_total \(<expr>>\?\)/,
    'range on a number')
  t.match(count({ op: 'lt', field: 'status', value: 'p' }), /SEARCH Order USING COVERING INDEX Order_idx_status_desc/,
    'range on a string')
})

t.test('reopening a file of an earlier version rebuilds its declared index with the type guards', async t => {
  const file = join(dir, 'earlier.db')
  const before = new Database(file)
  before.exec('CREATE TABLE "Order" (id TEXT PRIMARY KEY, doc TEXT NOT NULL CHECK (json_valid(doc)))')
  before.exec('CREATE INDEX "Order_idx_total" ON "Order" (json_extract(doc, \'$.total\'), id)')
  before.prepare('INSERT INTO "Order" (id, doc) VALUES (?, ?)').run('a', '{"id":"a","total":"4"}')
  before.close()
  const store = await openStore(`sqlite:${file}`, { entities: [{ ...ORDERS, indexes: [[asc('total')]] }] })
  t.teardown(() => store.close())
  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  t.match(indexSql(db, 'Order_idx_total'), /, id, json_type\(doc, '\$\.total'\)\)$/)
  const found = await store.find('Order', { filter: { op: 'eq', field: 'total', value: '4' }, page: 1, size: 10 })
  t.same([found.items.map(doc => doc.id), found.total], [['a'], 1], 'the rebuilt index holds the old rows')
})

t.test('a filter, a sort and a filter with a sort read the declared indexes', async t => {
  const db = await indexedFile()
  const eq = findPlan(db, { op: 'eq', field: 'status', value: 'paid' }, [])
  t.match(eq, /SEARCH Order USING INDEX Order_idx_status_desc_createdAt \(<expr>=\?\)/, 'eq on a leading key')
  const range = findPlan(db, { op: 'gte', field: 'total', value: 95 }, [])
  t.match(range, /SEARCH Order USING INDEX Order_idx_total \(<expr>>\?\)/, 'range')
  const sorted = findPlan(db, undefined, [asc('total')])
  t.match(sorted, /SCAN Order USING INDEX Order_idx_total/, 'sort')
  t.notMatch(sorted, /TEMP B-TREE/, 'no sort step: the index gives the order')
  const compound = findPlan(db, { op: 'eq', field: 'status', value: 'paid' }, [desc('createdAt')])
  t.match(compound, /SEARCH Order USING INDEX Order_idx_status_desc_createdAt \(<expr>=\?\)/, 'filter + sort')
  t.notMatch(compound, /TEMP B-TREE/, 'the compound index gives the order after the equality')
  const keyset = findPlan(db, undefined, [asc('total')], [50, 'o100'])
  t.match(keyset, /USING INDEX Order_idx_total/, 'a keyset page')
  t.notMatch(keyset, /TEMP B-TREE/)
})

t.test('without a declared index the same statements scan and sort', async t => {
  const file = join(dir, 'plain.db')
  const store = await openStore(`sqlite:${file}`, { entities: [{ ...ORDERS, indexes: [] }] })
  await store.close()
  const db = new Database(file)
  registerTick(db)
  t.teardown(() => db.close())
  t.notMatch(findPlan(db, { op: 'eq', field: 'status', value: 'paid' }, []), /Order_idx/)
  t.match(findPlan(db, undefined, [asc('total')]), /TEMP B-TREE/)
})

t.test('the store answers through the indexes as it does without them', async t => {
  const store = await openStore('sqlite::memory:', { entities: [ORDERS] })
  t.teardown(() => store.close())
  await store.upsertMany('Order', [
    { id: 'a', status: 'paid', total: 5, createdAt: '2026-01-02' },
    { id: 'b', status: 'paid', total: 3, createdAt: '2026-01-03' },
    { id: 'c', status: 'open', total: 4, createdAt: '2026-01-01' },
    { id: 'd', status: 'paid', total: '4', createdAt: '2026-01-01' }
  ])
  const paid = await store.find('Order', {
    filter: { op: 'eq', field: 'status', value: 'paid' }, sort: [desc('createdAt')], page: 1, size: 10
  })
  t.same(paid.items.map(d => d.id), ['b', 'a', 'd'])
  t.equal(paid.total, 3)
  const cheap = await store.find('Order', { filter: { op: 'lt', field: 'total', value: 5 }, page: 1, size: 10 })
  t.same(cheap.items.map(d => d.id), ['b', 'c'], 'the string "4" is no number')
})
