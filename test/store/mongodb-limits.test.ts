// The MongoDB store against the server's 16 MiB limits, which the stand-in enforces as the
// server does: a result document (a `$facet` page), a command (an `$in` of ids), a reply batch.
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
  const calls: string[] = []
  const store = await openOnStandIn(standIn, { ...OPTIONS, onQuery: (_, op) => calls.push(op) }, false)
  t.teardown(() => store.close())
  return { standIn, store, calls }
}

t.test('a page over 16 MiB in all (1,000 documents of 17 KiB) is read, in as many replies as it takes', async t => {
  const { store, calls } = await standInStore(t)
  const text = 'x'.repeat(17 * 1024)
  const orders = Array.from({ length: 1000 }, (_, i) => ({ id: `o${String(i).padStart(4, '0')}`, text }))
  for (let i = 0; i < orders.length; i += 200) await store.upsertMany('order', orders.slice(i, i + 200))
  calls.length = 0
  const page = await store.find('order', { page: 1, size: 1000 })
  t.equal(page.total, 1000)
  t.equal(page.items.length, 1000)
  t.same(page.items.map(doc => doc.id), orders.map(doc => doc.id), 'in id order')
  t.same(calls, ['find', 'find'], 'two replies: the first stops at 16 MiB')
  const second = await store.find('order', { page: 2, size: 600 })
  t.same([second.total, second.items.length, second.items[0]!.id], [1000, 400, 'o0600'])
  t.same(await store.find('order', { page: 1, size: 0 }), { items: [], total: 1000, exact: true })
  const none = await store.find('order', { page: 1, size: 5, filter: { op: 'eq', field: 'text', value: 'y' } })
  t.same(none, { items: [], total: 0, exact: true })
})

t.test('500,000 parent ids (about 18.5 MiB) are split into $in lists under the command limit', async t => {
  const { store, calls } = await standInStore(t)
  await store.upsertMany('item', [{ id: 'i1', orderId: 'order-000000000000000000000000000007' },
    { id: 'i2', orderId: 'order-000000000000000000000000499999' }])
  const ids = Array.from({ length: 500_000 }, (_, i) => `order-${String(i).padStart(30, '0')}`)
  calls.length = 0
  const { items, totals } = await store.findByRefs('item', 'orderId', ids, { perRefLimit: 5 })
  t.same(items.map(item => item.id).sort(), ['i1', 'i2'])
  t.equal(totals.size, 2)
  t.ok(calls.length > 1 && calls.every(op => op === 'findByRefs'), `${calls.length} round trips`)
  t.same(Object.fromEntries(await store.countByRefs('item', 'orderId', ids)),
    { 'order-000000000000000000000000000007': 1, 'order-000000000000000000000000499999': 1 })
  t.equal((await store.getMany('order', ids)).length, 0)
  t.equal(await store.deleteMany('order', ids), 0)
})
