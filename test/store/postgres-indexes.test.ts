// Declared indexes on PostgreSQL: created at open on exactly the expressions the store's ORDER
// BY reads (rank, number, text per key, then id), so sorts and keyset pages are index scans.
import pg from 'pg'
import t from 'tap'
import { totalOrder } from '../../src/store/keyset.js'
import { openStore } from '../../src/store/open-store.js'
import { conditionSql } from '../../src/store/postgres/condition-sql.js'
import { tableSql } from '../../src/store/postgres/identifiers.js'
import { afterSql, orderBySql } from '../../src/store/postgres/order-sql.js'
import * as statements from '../../src/store/postgres/statements.js'
import type { Condition } from '../../src/store/filter.js'
import type { Position, SortKey, StoreEntity } from '../../src/store/store.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'

const asc = (field: string): SortKey => ({ field, desc: false })
const desc = (field: string): SortKey => ({ field, desc: true })
const ORDERS: StoreEntity = {
  name: 'Order',
  refProperties: [],
  indexes: [[asc('total')], [asc('status'), desc('createdAt')]]
}

async function indexedSchema (t: { teardown: (fn: () => unknown) => void }): Promise<pg.Client> {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  const store = await openStore(schemaUrl(schema), { entities: [ORDERS] })
  await store.upsertMany('Order', Array.from({ length: 200 }, (_, i) => ({
    id: `o${String(i).padStart(3, '0')}`,
    status: ['open', 'paid'][i % 2],
    total: i % 37,
    createdAt: `2026-01-${10 + i % 20}`
  })))
  await store.close()
  const client = new pg.Client({ connectionString: schemaUrl(schema) })
  await client.connect()
  t.teardown(() => client.end())
  // at 200 rows a scan is cheaper; this asks whether the index can serve, as it will at scale
  await client.query('SET enable_seqscan = off; SET enable_sort = off; ANALYZE')
  return client
}

async function findPlan (client: pg.Client, filter: Condition | undefined, sort: SortKey[],
  after?: Position): Promise<string> {
  const table = tableSql(ORDERS)
  const keys = totalOrder(sort)
  const params: unknown[] = []
  const where = conditionSql(filter, table, 't0', params, () => table)
  const page = after === undefined ? where : `${where} AND ${afterSql(keys, table, 't0', after, params)}`
  const sql = statements.findSql(table.table, where, page, orderBySql(keys, table, 't0'), params.length + 1)
  const rows = await client.query(`EXPLAIN ${sql}`, [...params, 10, 0, null])
  return rows.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n')
}

t.test('sorts, filter + sort and keyset pages read the declared indexes', async t => {
  const client = await indexedSchema(t)
  const sorted = await findPlan(client, undefined, [asc('total')])
  t.match(sorted, /Index Scan using "Order_idx_total"/, 'sort')
  t.notMatch(sorted, /Sort Key/)
  const backwards = await findPlan(client, undefined, [desc('status'), asc('createdAt')])
  t.match(backwards, /Index Scan Backward using "Order_idx_status_desc_createdAt"/, 'the reverse of a compound index')
  const paid: Condition = { op: 'eq', field: 'status', value: 'paid' }
  const compound = await findPlan(client, paid, [asc('status'), desc('createdAt')])
  t.match(compound, /Index Scan using "Order_idx_status_desc_createdAt"/, 'filter + sort')
  t.notMatch(compound, /Sort Key/)
  const keyset = await findPlan(client, undefined, [asc('total')], [5, 'o010'])
  t.match(keyset, /Index Scan using "Order_idx_total"/, 'keyset page')
})

t.test('a store with declared indexes answers as without them', async t => {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  const store = await openStore(schemaUrl(schema), { entities: [ORDERS] })
  t.teardown(() => store.close())
  await store.upsertMany('Order', [
    { id: 'a', status: 'paid', total: 5, createdAt: '2026-01-02' },
    { id: 'b', status: 'paid', total: 3, createdAt: '2026-01-03' },
    { id: 'c', status: 'open', total: '4', createdAt: '2026-01-01' }
  ])
  const page = await store.find('Order', { sort: [desc('total')], page: 1, size: 10 })
  t.same(page.items.map(d => d.id), ['c', 'a', 'b'], 'strings after numbers, descending first')
})
