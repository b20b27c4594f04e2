// A write of parents heals the records waiting on its ids by reading those records only, on
// every store: 300 parked order items wait on 100 orders, and writing one order reads the 3
// waiting on it; a healed category heals the one waiting on it in turn, through the same lookup.
import t from 'tap'
import { post } from '../helper.js'
import { rowCounter } from '../support/row-counter.js'
import { send, stores, total } from './integrity-apps.js'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: a write reads only the parked records waiting on its ids`, async t => {
    const counter = rowCounter()
    const app = await open(t, counter.wrap)
    await post(app, '/api/customers', { id: 'c1', name: 'Ann' })
    const items = Array.from({ length: 300 }, (_, i) => ({ id: `i${i}`, orderId: `o${i % 100}` }))
    t.equal((await send(app, 'POST', '/api/order-items', items)).status, 202)
    await app.healer!.settled()

    counter.reset()
    t.equal((await send(app, 'POST', '/api/orders', { id: 'o7', customerId: 'c1' })).status, 201)
    await app.healer!.settled()
    t.equal(counter.rows().Parked_OrderItem, 3, 'the 3 records waiting on o7, of 300')
    const order = await send(app, 'GET', '/api/orders/o7?with=all')
    t.same(order.body.children.OrderItem.orderId.map((d: { id: string }) => d.id), ['i107', 'i207', 'i7'])
    t.equal(await total(app, '/api/_parked/order-items'), 297)
    t.match(
      (await app.inject('/metrics')).body,
      /relata_parked_records\{entity="OrderItem"\} 297\n/,
      'the gauge follows'
    )

    counter.reset()
    const orders = [{ id: 'o1', customerId: 'c1' }, { id: 'o2', customerId: 'c1' }, { id: 'none', customerId: 'c1' }]
    t.equal((await send(app, 'POST', '/api/orders', orders)).status, 201)
    await app.healer!.settled()
    t.equal(counter.rows().Parked_OrderItem, 6, 'a bulk write: the records waiting on any of its ids')
    t.equal(await total(app, '/api/order-items'), 9)
  })

  t.test(`${name}: a healed record heals what waits on it, reading only that`, async t => {
    const counter = rowCounter()
    const app = await open(t, counter.wrap)
    for (const [id, parentId] of [['c', 'b'], ['b', 'a'], ['x', 'y']]) {
      t.equal((await send(app, 'POST', '/api/categories', { id, parentId })).status, 202)
    }
    await app.healer!.settled()
    counter.reset()
    t.equal((await send(app, 'POST', '/api/categories', { id: 'a', parentId: null })).status, 201)
    await app.healer!.settled()
    t.equal(counter.rows().Parked_Category, 2, 'b, waiting on a, then c, waiting on b; never x')
    t.same((await send(app, 'GET', '/api/categories?sort=id')).body.map((d: { id: string }) => d.id), ['a', 'b', 'c'])
    t.match((await send(app, 'GET', '/api/_parked/categories')).body, [{ id: 'x', missing: [{ id: 'y' }] }])
  })
}
