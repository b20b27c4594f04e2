// Parked writes through HTTP on every store: a DELETE cancels them too (deleted documents never
// come back), they can be read and cancelled one by one under /api/_parked, a later PATCH goes on
// top of them instead of past them, reads say when one is pending, and the list pages with Link.
import t from 'tap'
import { post } from '../helper.js'
import { send, stores, total } from './integrity-apps.js'

const waitsFor = (id: string) => [{ property: 'orderId', target: 'Order', id }]

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: DELETE removes the parked version too, and says so`, async t => {
    const app = await open(t)
    await post(app, '/api/customers', { id: 'c1', name: 'Ann' })
    await post(app, '/api/orders', { id: 'o1', customerId: 'c1' })
    t.equal((await send(app, 'PUT', '/api/order-items/i1', { orderId: 'o1' })).status, 201)
    t.equal((await send(app, 'PATCH', '/api/order-items/i1', { orderId: 'o2' })).status, 202)
    const both = await send(app, 'DELETE', '/api/order-items/i1')
    t.equal(both.status, 204)
    t.equal(both.headers['relata-deleted'], 'stored, parked')

    t.equal((await send(app, 'PUT', '/api/order-items/i2', { orderId: 'o2' })).status, 202)
    const parkedOnly = await send(app, 'DELETE', '/api/order-items/i2')
    t.equal(parkedOnly.status, 204, 'an id only parked is deletable')
    t.equal(parkedOnly.headers['relata-deleted'], 'parked')
    const unknown = await send(app, 'DELETE', '/api/order-items/i3')
    t.equal(unknown.headers['relata-deleted'], undefined, 'nothing to say on a 404')
    t.equal((await send(app, 'PUT', '/api/order-items/i4', { orderId: 'o1' })).status, 201)
    t.equal((await send(app, 'DELETE', '/api/order-items/i4')).headers['relata-deleted'], 'stored')

    await post(app, '/api/orders', { id: 'o2', customerId: 'c1' })
    await app.healer!.run()
    for (const id of ['i1', 'i2']) {
      t.equal((await send(app, 'GET', `/api/order-items/${id}`)).status, 404, `${id} does not come back`)
    }
    t.equal(await total(app, '/api/_parked/order-items'), 0)
    const gone = await send(app, 'DELETE', '/api/order-items/i1')
    t.equal(gone.status, 404)
    t.match(gone.body, { type: 'urn:relata:problem:not-found', status: 404, detail: "OrderItem 'i1' does not exist" })
    const other = await send(app, 'DELETE', '/api/orders/o1')
    t.equal(other.headers['relata-deleted'], undefined, 'entities that never park answer as before')
  })

  t.test(`${name}: GET and DELETE /api/_parked/<route>/<id>`, async t => {
    const app = await open(t)
    t.equal((await send(app, 'PUT', '/api/order-items/i1', { orderId: 'o1', secret: 's' })).status, 202)
    const got = await send(app, 'GET', '/api/_parked/order-items/i1')
    t.equal(got.status, 200)
    t.match(got.body, { id: 'i1', doc: { id: 'i1', orderId: 'o1' }, missing: waitsFor('o1'), parkedAt: String })
    t.notOk('secret' in got.body.doc, 'hidden properties stay hidden')
    t.notOk('rev' in got.body, 'the revision is the healer\'s business')

    const cancelled = await send(app, 'DELETE', '/api/_parked/order-items/i1')
    t.equal(cancelled.status, 204)
    const missing = await send(app, 'GET', '/api/_parked/order-items/i1')
    t.equal(missing.status, 404)
    t.match(missing.body, {
      type: 'urn:relata:problem:not-found',
      detail: "parked OrderItem 'i1' does not exist",
      instance: '/api/_parked/order-items/i1'
    })
    t.equal((await send(app, 'DELETE', '/api/_parked/order-items/i1')).status, 404)

    // cancelling the parked write keeps the stored version
    await post(app, '/api/customers', { id: 'c1', name: 'Ann' })
    await post(app, '/api/orders', { id: 'o1', customerId: 'c1' })
    t.equal((await send(app, 'PUT', '/api/order-items/i2', { orderId: 'o1' })).status, 201)
    t.equal((await send(app, 'PATCH', '/api/order-items/i2', { orderId: 'o9' })).status, 202)
    t.equal((await send(app, 'DELETE', '/api/_parked/order-items/i2')).status, 204)
    const kept = await send(app, 'GET', '/api/order-items/i2')
    t.equal(kept.body.orderId, 'o1')
    t.equal(kept.headers['relata-pending'], undefined)
    await post(app, '/api/orders', { id: 'o9', customerId: 'c1' })
    await app.healer!.run()
    t.equal((await send(app, 'GET', '/api/order-items/i2')).body.orderId, 'o1', 'the cancelled write never heals')
  })

  t.test(`${name}: a later PATCH goes on top of the parked write, and reads tell it is pending`, async t => {
    const app = await open(t)
    await post(app, '/api/customers', { id: 'c1', name: 'Ann' })
    await post(app, '/api/orders', { id: 'o1', customerId: 'c1' })
    t.equal((await send(app, 'PUT', '/api/order-items/i1', { orderId: 'o1', productId: 'p1' })).status, 201)
    t.equal((await send(app, 'PATCH', '/api/order-items/i1', { orderId: 'o2' })).status, 202)
    const read = await send(app, 'GET', '/api/order-items/i1?with=orderId')
    t.equal(read.status, 200)
    t.equal(read.headers['relata-pending'], 'parked')
    t.match(read.body.entity, { orderId: 'o1', productId: 'p1' }, 'the stored version meanwhile')

    const again = await send(app, 'PATCH', '/api/order-items/i1', { productId: 'p2' })
    t.equal(again.status, 202, 'still waits for o2')
    t.same(again.body, { stored: [], parked: [{ index: 0, id: 'i1', missing: waitsFor('o2') }] })
    const parked = await send(app, 'GET', '/api/_parked/order-items/i1')
    t.match(parked.body.doc, { orderId: 'o2', productId: 'p2' }, 'both changes')
    t.match((await send(app, 'GET', '/api/order-items/i1')).body, { orderId: 'o1', productId: 'p1' })

    const back = await send(app, 'PATCH', '/api/order-items/i1', { orderId: 'o1' })
    t.equal(back.status, 200, 'complete again: stored')
    t.same(back.body, { id: 'i1', orderId: 'o1', productId: 'p2' }, 'the parked change is kept')
    t.equal((await send(app, 'GET', '/api/order-items/i1')).headers['relata-pending'], undefined)
    t.equal((await send(app, 'GET', '/api/_parked/order-items/i1')).status, 404)

    // an id only parked: patched where it waits, readable nowhere else, stored once its parent is
    t.equal((await send(app, 'PUT', '/api/order-items/i2', { orderId: 'o3' })).status, 202)
    t.equal((await send(app, 'PATCH', '/api/order-items/i2', { productId: 'p3' })).status, 202)
    const pending = await send(app, 'GET', '/api/order-items/i2')
    t.equal(pending.status, 404)
    t.equal(pending.headers['relata-pending'], 'parked')
    t.match(pending.body, {
      type: 'urn:relata:problem:not-found',
      detail: "OrderItem 'i2' is not stored yet: a write of it is parked until Order 'o3' (orderId) exists"
    })
    t.equal((await send(app, 'GET', '/api/order-items/i9')).headers['relata-pending'], undefined)
    await post(app, '/api/orders', { id: 'o3', customerId: 'c1' })
    await app.healer!.run()
    t.same((await send(app, 'GET', '/api/order-items/i2')).body, { id: 'i2', orderId: 'o3', productId: 'p3' })

    // a whole document replaces a parked write: the client says what the document is
    t.equal((await send(app, 'PUT', '/api/order-items/i3', { orderId: 'o4', productId: 'p4' })).status, 202)
    t.equal(
      (await send(app, 'PUT', '/api/order-items/i3', { orderId: 'o1' })).status,
      201,
      'created: it was only parked'
    )
    t.equal((await send(app, 'POST', '/api/order-items', [{ id: 'i4', orderId: 'o5' }])).status, 202)
    t.equal((await send(app, 'POST', '/api/order-items', [{ id: 'i4', orderId: 'o1' }])).status, 201)
    await post(app, '/api/orders', [{ id: 'o4', customerId: 'c1' }, { id: 'o5', customerId: 'c1' }])
    await app.healer!.run()
    t.same((await send(app, 'GET', '/api/order-items/i3')).body, { id: 'i3', orderId: 'o1' })
    t.same((await send(app, 'GET', '/api/order-items/i4')).body, { id: 'i4', orderId: 'o1' })
  })

  t.test(`${name}: the parked list has Link headers`, async t => {
    const app = await open(t)
    const items = Array.from({ length: 5 }, (_, i) => ({ id: `i${i}`, orderId: 'o1' }))
    t.equal((await send(app, 'POST', '/api/order-items', items)).status, 202)
    const middle = await app.inject('/api/_parked/order-items?size=2&page=2')
    t.equal(middle.headers['x-total-count'], '5')
    t.equal(middle.headers.link,
      '</api/_parked/order-items?size=2&page=3>; rel="next", </api/_parked/order-items?size=2&page=1>; rel="prev"')
    const last = await app.inject('/api/_parked/order-items?page=3&size=2')
    t.equal(last.headers.link, '</api/_parked/order-items?page=2&size=2>; rel="prev"')
    t.equal(last.json().length, 1)
    t.equal((await app.inject('/api/_parked/order-items')).headers.link, undefined, 'one page: no link')
  })
}
