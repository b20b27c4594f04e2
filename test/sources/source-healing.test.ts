// Records parked on source ids no link named yet, on every store: they remember the source id,
// heal when a parent with that link is written (in any order, across three levels), through one
// lookup per relationship per batch; a pending write reads and deletes as any parked one; and two
// apps healing the same parked records move each exactly once.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { storeQueries } from '../helper.js'
import { send, total } from '../integrity/integrity-apps.js'
import { shared, stores } from './source-apps.js'

const LEVELS = {
  customers: [{ id: 'u1', name: 'Ann' }, { id: 'u2', name: 'Bob' }],
  orders: [{ id: 'o1', customerId: 'u1' }, { id: 'o2', customerId: 'u2' }, { id: 'o3', customerId: 'u1' }],
  'order-items': Array.from({ length: 6 }, (_, i) => ({ id: `l${i}`, orderId: `o${(i % 3) + 1}` }))
}
type Level = keyof typeof LEVELS

function permutations (levels: Level[]): Level[][] {
  if (levels.length <= 1) return [levels]
  return levels.flatMap(level => permutations(levels.filter(l => l !== level)).map(rest => [level, ...rest]))
}

async function ids (app: FastifyInstance, route: string): Promise<string[]> {
  return (await send(app, 'GET', `/api/${route}?sort=id`)).body.map((doc: { id: string }) => doc.id)
}

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: three levels of source ids arriving in any order all heal`, async t => {
    for (const order of permutations(['customers', 'orders', 'order-items'])) {
      const app = await open(t)
      for (const level of order) {
        const { status } = await send(app, 'POST', `/api/${level}?source=shop`, LEVELS[level])
        t.ok(status === 201 || status === 202, `${order.join(' → ')}: ${level} ${status}`)
        await app.healer!.settled()
      }
      t.same(await ids(app, 'order-items'), LEVELS['order-items'].map(l => `shop:${l.id}`), order.join(' → '))
      t.same((await send(app, 'GET', '/api/orders/shop:o2?with=customerId,OrderItem')).body.parents.customerId,
        { id: 'shop:u2', name: 'Bob' })
      t.equal(await total(app, '/api/_parked/order-items') + await total(app, '/api/_parked/orders'), 0)
      await app.close()
    }
  })

  t.test(`${name}: a parked record remembers the source id; DELETE and pending writes as for ids`, async t => {
    const app = await open(t)
    const parked = await send(app, 'POST', '/api/order-items?source=shop', { id: 'l9', orderId: 'o9' })
    t.equal(parked.status, 202)
    const waits = [{ property: 'orderId', target: 'Order', id: 'shop:o9', source: 'shop', sourceId: 'o9' }]
    t.same(parked.body.parked, [{ index: 0, id: 'shop:l9', missing: waits }])
    t.same((await send(app, 'GET', '/api/_parked/order-items/shop:l9')).body.missing, waits)
    const pending = await send(app, 'GET', '/api/order-items/shop:l9')
    t.equal(pending.status, 404)
    t.equal(pending.headers['relata-pending'], 'parked')
    t.match(pending.body.detail, /a write of it is parked until Order 'shop:o9' \(orderId\) exists/)
    const deleted = await send(app, 'DELETE', '/api/order-items/shop:l9')
    t.equal(deleted.status, 204)
    t.equal(deleted.headers['relata-deleted'], 'parked')
    await send(app, 'POST', '/api/orders?source=shop', { id: 'o9' })
    await app.healer!.settled()
    t.equal((await send(app, 'GET', '/api/order-items/shop:l9')).status, 404, 'a cancelled write never heals')

    await send(app, 'POST', '/api/order-items?source=shop', { id: 'l1', orderId: 'o9', quantity: 1 })
    t.equal((await send(app, 'POST', '/api/order-items?source=shop', { id: 'l1', orderId: 'o8' })).status, 202)
    const stale = await send(app, 'GET', '/api/order-items/shop:l1')
    t.same([stale.status, stale.headers['relata-pending'], stale.body.orderId], [200, 'parked', 'shop:o9'])
    t.equal((await send(app, 'PATCH', '/api/order-items/shop:l1', { quantity: 5 })).status, 202,
      'a patch goes on top of the parked version')
    await send(app, 'POST', '/api/orders?source=shop', { id: 'o8' })
    await app.healer!.settled()
    t.same((await send(app, 'GET', '/api/order-items/shop:l1')).body,
      { id: 'shop:l1', orderId: 'shop:o8', quantity: 5 })
  })

  t.test(`${name}: a new link heals what waits on its source id`, async t => {
    const app = await open(t)
    await send(app, 'POST', '/api/customers?source=crm', { id: '42', name: 'Ann' })
    t.equal((await send(app, 'POST', '/api/orders?source=shop', { id: 'o1', customerId: 'u-7' })).status, 202)
    await send(app, 'POST', '/api/_links/customers', { source: 'shop', sourceId: 'u-7', id: 'crm:42' })
    await app.healer!.settled()
    t.same((await send(app, 'GET', '/api/orders/shop:o1')).body, { id: 'shop:o1', customerId: 'crm:42' },
      'the order reaches the customer the CRM created')
  })

  t.test(`${name}: healing resolves source ids with one lookup per relationship per batch`, async t => {
    const app = await open(t)
    const items = Array.from({ length: 300 }, (_, i) => ({ id: `l${i}`, orderId: `o${i % 100}` }))
    t.equal((await send(app, 'POST', '/api/order-items?source=shop', items)).status, 202)
    await app.healer!.settled()
    const before = await storeQueries(app, { entity: 'Order', op: 'resolveLinks' })
    const orders = Array.from({ length: 100 }, (_, i) => ({ id: `o${i}` }))
    await send(app, 'POST', '/api/orders?source=shop', orders)
    await app.healer!.settled()
    // one for the write's own ids; one for the healer's single batch of 300 (HEAL_BATCH_SIZE 500)
    t.equal(await storeQueries(app, { entity: 'Order', op: 'resolveLinks' }) - before, 2)
    t.equal(await total(app, '/api/order-items'), 300)
  })
}

const N = 200
for (const [name, open] of Object.entries(shared)) {
  t.test(`${name}: two apps heal the same records parked on source ids exactly once`, async t => {
    const [a, b] = await open(t)
    const items = Array.from({ length: N }, (_, i) => ({ id: `l${i}`, orderId: `o${i % 40}` }))
    t.equal((await send(a, 'POST', '/api/order-items?source=shop', items)).status, 202)
    // behind the apps' backs, so that no poke heals before both healers race over the same batches
    const orders = Array.from({ length: 40 }, (_, i) => ({ id: `shop:o${i}` }))
    const links = orders.map((order, i) => ({ source: 'shop', sourceId: `o${i}`, id: order.id }))
    await a.relata.store.upsertMany('Order', orders, links)
    const [byA, byB] = await Promise.all([a.healer!.run(), b.healer!.run()])
    t.equal(byA + byB, N, `healed ${byA} + ${byB}: each once`)
    t.equal(await total(b, '/api/_parked/order-items'), 0)
    const stored = (await send(b, 'GET', '/api/order-items?size=1000')).body as Array<{ id: string, orderId: string }>
    t.equal(stored.length, N)
    t.ok(stored.every(doc => doc.orderId === `shop:o${Number(doc.id.slice('shop:l'.length)) % 40}`), 'resolved')
  })
}
