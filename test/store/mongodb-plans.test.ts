// How the MongoDB store's pipelines meet the query planner: the stand-in records, for each
// aggregation, which index its head (the leading $match/$sort/$skip/$limit, the part MongoDB
// pushes down) reads in order and whether the limit goes with it (test/support/mongo-planner.ts).
import t, { type Test } from 'tap'
import { createMongoStore } from '../../src/store/mongodb/mongo-store.js'
import type { StoreOptions } from '../../src/store/store.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'

const OPTIONS: StoreOptions = {
  entities: [
    { name: 'order', refProperties: [] },
    { name: 'item', refProperties: ['orderId'] }
  ]
}

async function standInStore (t: Test) {
  const standIn = new MongoStandIn()
  const store = await createMongoStore(standIn.db, OPTIONS, { transactions: false }, standIn.client)
  t.teardown(() => store.close())
  await store.upsertMany('order', Array.from({ length: 30 }, (_, i) => ({ id: `o${i}`, status: i % 2 ? 'a' : 'b' })))
  standIn.plans.length = 0
  return { standIn, store }
}

t.test('a page in id order reads the _id index in order and stops at the page', async t => {
  const { standIn, store } = await standInStore(t)
  const paid = { op: 'eq', field: 'status', value: 'a' } as const
  const first = await store.find('order', { page: 1, size: 5, filter: paid })
  t.same([first.total, first.items.length], [15, 5])
  await store.find('order', { page: 3, size: 5, sort: [{ field: 'id', desc: true }] })
  await store.find('order', { page: 1, size: 5, after: ['o3'] })
  t.same(standIn.plans, [
    { sortIndex: '_id_', limited: true },
    { sortIndex: '_id_', limited: true },
    { sortIndex: '_id_', limited: true }
  ], 'page, page 3 backwards, after a cursor')
})
