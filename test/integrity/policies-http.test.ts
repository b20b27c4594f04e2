// The missing-parent policies through HTTP, on every store (memory, SQLite, the MongoDB
// stand-in): reject refuses the whole write with 422, park answers 202 and keeps the record
// aside until its parent arrives, allow keeps today's dangling references.
import t from 'tap'
import { build, countQueries, post, storeQueries } from '../helper.js'
import { send, stores, total } from './integrity-apps.js'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: reject refuses the whole write, naming each item, property and id`, async t => {
    const app = await open(t)
    await post(app, '/api/customers', [{ id: 'c1', name: 'Ann' }])
    const bulk = [{ id: 'o1', customerId: 'c1' }, { id: 'o2', customerId: 'nope' }, { id: 'o3', customerId: 'gone' }]
    let res!: { status: number, body: any }
    const queries = await countQueries(app, async () => { res = await send(app, 'POST', '/api/orders', bulk) })
    t.equal(res.status, 422)
    t.match(res.body, { type: 'urn:relata:problem:missing-parent', status: 422 })
    t.same(res.body.errors, [
      { path: '/1/customerId', message: "Customer 'nope' does not exist" },
      { path: '/2/customerId', message: "Customer 'gone' does not exist" }
    ])
    t.equal(queries, 1, 'one getMany, nothing written')
    t.equal(await total(app, '/api/orders'), 0)
    const many = Array.from({ length: 300 }, (_, i) => ({ id: `o${i}`, customerId: 'c1' }))
    t.equal(
      await countQueries(app, () => post(app, '/api/orders', many)),
      2,
      'one getMany per relationship, whatever the batch size'
    )
    t.equal((await send(app, 'PUT', '/api/orders/x1', { customerId: 'nope' })).status, 422)
    const patched = await send(app, 'PATCH', '/api/orders/o1', { customerId: 'nope' })
    t.equal(patched.status, 422)
    t.same(patched.body.errors, [{ path: '/customerId', message: "Customer 'nope' does not exist" }])
    t.equal((await send(app, 'PATCH', '/api/orders/o1', { total: 3 })).status, 200)
    const imported = await app.inject({
      method: 'POST',
      url: '/api/orders/import',
      headers: { 'content-type': 'application/x-ndjson' },
      payload:
        '{"id":"i1","customerId":"c1"}\n{"id":"i2","customerId":"nope"}\nnot json\n{"id":"i3","customerId":"c1"}\n'
    })
    t.match(imported.json(), {
      stored: 2,
      parked: 0,
      rejected: 2,
      rejections: [{ line: 2, reason: /missing parent: customerId → Customer 'nope' does not exist/ }, { line: 3 }]
    })
  })

  t.test(`${name}: park keeps records aside until their parent arrives`, async t => {
    const app = await open(t)
    await post(app, '/api/customers', [{ id: 'c1', name: 'Ann' }])
    await post(app, '/api/orders', [{ id: 'o1', customerId: 'c1' }])
    const res = await send(app, 'POST', '/api/order-items', [
      { id: 'i1', orderId: 'o1', productId: 'dangling' },
      { id: 'i2', orderId: 'o2', secret: 's' },
      { id: 'i3', orderId: 'o2' }
    ])
    t.equal(res.status, 202)
    t.same(res.body.stored.map((d: { id: string }) => d.id), ['i1'], 'allow keeps a dangling reference')
    t.same(res.body.parked, [
      { index: 1, id: 'i2', missing: [{ property: 'orderId', target: 'Order', id: 'o2' }] },
      { index: 2, id: 'i3', missing: [{ property: 'orderId', target: 'Order', id: 'o2' }] }
    ])
    t.equal((await app.inject('/api/order-items/i2')).statusCode, 404, 'invisible to reads')
    t.equal(await total(app, '/api/order-items'), 1)
    const parked = await app.inject('/api/_parked/order-items?size=1')
    t.equal(parked.headers['x-total-count'], '2')
    t.match(parked.json(), [
      {
        id: 'i2',
        doc: { id: 'i2', orderId: 'o2' },
        missing: [{ property: 'orderId', target: 'Order', id: 'o2' }],
        parkedAt: String
      }
    ])
    t.notOk('secret' in parked.json()[0].doc, 'hidden properties stay hidden')
    const metrics = (await app.inject('/metrics')).body
    t.match(metrics, /relata_parked_records\{entity="OrderItem"\} 2/)

    const single = await send(app, 'PUT', '/api/order-items/i4', { orderId: 'o3' })
    t.equal(single.status, 202)
    t.same(single.body, {
      stored: [],
      parked: [{ index: 0, id: 'i4', missing: [{ property: 'orderId', target: 'Order', id: 'o3' }] }]
    })
    // written again whole, a parked record is stored and its parked version dropped
    t.equal(
      (await send(app, 'PUT', '/api/order-items/i4', { orderId: 'o1' })).status,
      201,
      'created: it was only parked'
    )
    t.equal((await send(app, 'PATCH', '/api/order-items/i4', { orderId: 'o9' })).status, 202)
    t.equal(
      (await app.inject('/api/order-items/i4')).json().orderId,
      'o1',
      'a parked update leaves the stored version readable'
    )

    await post(app, '/api/orders', { id: 'o2', customerId: 'c1' })
    await app.healer!.run()
    t.same(
      (await app.inject('/api/orders/o2?with=all')).json().children.OrderItem.orderId.map((d: { id: string }) => d.id),
      ['i2', 'i3']
    )
    t.equal((await app.inject('/api/order-items/i2')).json().secret, undefined)
    t.match((await app.inject('/api/_parked/order-items')).json(), [{ id: 'i4' }], 'only the record still waiting')
    const after = (await app.inject('/metrics')).body
    t.match(after, /relata_healed_total\{entity="OrderItem"\} 2/)
    t.match(after, /relata_parked_records\{entity="OrderItem"\} 1/)
    t.match(after, /relata_heal_pass_seconds_count \d+/)
    t.match(after, /relata_heal_batch_size_count \d+/)

    const imported = await app.inject({
      method: 'POST',
      url: '/api/order-items/import',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: '{"id":"n1","orderId":"o1"}\n{"id":"n2","orderId":"later"}\n'
    })
    t.match(imported.json(), { stored: 1, parked: 1, rejected: 0 })
  })

  t.test(`${name}: a parent in the same write exists, and healing cascades`, async t => {
    const app = await open(t)
    const res = await send(app, 'POST', '/api/categories', [{ id: 'b', parentId: 'a' }, { id: 'a', parentId: null }])
    t.equal(res.status, 201, 'a self-reference to an item of the same batch')
    t.equal((await send(app, 'POST', '/api/categories', [{ id: 'y', parentId: 'x' }])).status, 202)
    t.equal((await send(app, 'POST', '/api/categories', [{ id: 'x', parentId: 'w' }])).status, 202)
    await post(app, '/api/customers', { id: 'c1', name: 'Ann' })
    t.equal((await send(app, 'POST', '/api/order-items', { id: 'i1', orderId: 'o1' })).status, 202)
    await post(app, '/api/categories', { id: 'w' })
    await app.healer!.run()
    t.same(
      (await app.inject('/api/categories?sort=id')).json().map((d: { id: string }) => d.id),
      ['a', 'b', 'w', 'x', 'y'],
      'x healed, then y'
    )
    t.equal(await total(app, '/api/_parked/categories'), 0)
    t.equal(await total(app, '/api/_parked/order-items'), 1, 'unrelated records keep waiting')
  })
}

t.test('models without policies write as before: no extra round trip, no parked routes', async t => {
  const app = await build(t)
  t.equal(app.healer, null)
  t.equal(await countQueries(app, () => post(app, '/api/categories', { id: 'c', name: 'C', parentId: 'nope' })), 1)
  t.equal((await app.inject('/api/_parked/orders')).statusCode, 404)
  t.equal(await storeQueries(app, { entity: 'Parked_OrderItem' }), 0)
})
