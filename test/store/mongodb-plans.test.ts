// How the MongoDB store's pipelines meet the query planner: the stand-in records, for each
// aggregation, which index its head (the leading $match/$sort/$skip/$limit, the part MongoDB
// pushes down) reads in order and whether the limit goes with it (test/support/mongo-planner.ts).
import t, { type Test } from 'tap'
import type { StoreOptions } from '../../src/store/store.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { openOnStandIn } from '../support/mongo-stores.js'

const OPTIONS: StoreOptions = {
  entities: [
    { name: 'order', refProperties: [] },
    { name: 'item', refProperties: ['orderId'] }
  ]
}

async function standInStore (t: Test) {
  const standIn = new MongoStandIn()
  const store = await openOnStandIn(standIn, OPTIONS, false)
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

t.test('children in id order: the window follows the match, and the ref index gives its order', async t => {
  const { standIn, store } = await standInStore(t)
  t.same(standIn.indexKeys.get('item.orderId_1__id_1'), { orderId: 1, _id: 1 })
  await store.upsertMany('item', Array.from({ length: 20 }, (_, i) => ({
    id: `i${String(i).padStart(2, '0')}`,
    orderId: `o${i % 3}`,
    big: 'x'.repeat(10_000)
  })))
  standIn.plans.length = 0
  standIn.replyBytes = 0
  const { items, totals } = await store.findByRefs('item', 'orderId', ['o0', 'o1', 'o9'], { perRefLimit: 2 })
  t.same(items.map(item => item.id), ['i00', 'i03', 'i01', 'i04'])
  t.same(Object.fromEntries(totals), { o0: 7, o1: 7 })
  t.same(standIn.plans, [{ sortIndex: 'orderId_1__id_1', limited: false }])
  t.ok(standIn.replyBytes < 5 * 10_100, `only the children asked for come back (${standIn.replyBytes} bytes)`)
  const counted = await store.findByRefs('item', 'orderId', ['o0', 'o2'], { perRefLimit: 0 })
  t.same([counted.items, Object.fromEntries(counted.totals)], [[], { o0: 7, o2: 6 }])
})

t.test('a move compares revisions without reading whole documents', async t => {
  const { standIn, store } = await standInStore(t)
  await store.upsertMany('item', [{ id: 'i1', rev: 'r1', big: 'x'.repeat(100_000) }])
  standIn.replyBytes = 0
  t.same(await store.moveMany('item', 'order', [{ id: 'i1', rev: 'r1', doc: { id: 'i1' } }]), ['i1'])
  t.ok(standIn.replyBytes < 1000, `${standIn.replyBytes} bytes read`)
})
