// 10,000 order items arrive before their 2,500 orders: all are parked, and once the orders
// arrive one healing run stores them all, with store round trips that grow with the number of
// batches, not of records.
import t from 'tap'
import { build, countQueries, post } from '../helper.js'
import { integrityModel } from '../integrity-model.js'

const ORDERS = 2500
const ITEMS_PER_ORDER = 4

async function healingRoundTrips (
  batchSize: number
): Promise<{ queries: number, app: Awaited<ReturnType<typeof build>> }> {
  const app = await build(t, {
    model: integrityModel,
    env: { HEAL_INTERVAL_MS: '0', HEAL_BATCH_SIZE: String(batchSize), MAX_BULK: '10000' }
  })
  await post(app, '/api/customers', { id: 'c1', name: 'Ann' })
  const items = Array.from({ length: ORDERS * ITEMS_PER_ORDER }, (_, i) => ({
    id: `item-${String(i).padStart(5, '0')}`,
    orderId: `ord-${i % ORDERS}`
  }))
  const parked = await app.inject({ method: 'POST', url: '/api/order-items', payload: items })
  t.equal(parked.statusCode, 202)
  t.equal(parked.json().parked.length, items.length)
  const orders = Array.from({ length: ORDERS }, (_, i) => ({ id: `ord-${i}`, customerId: 'c1' }))
  await app.healer!.run() // the start-up pass may still be running: let it end first
  const queries = await countQueries(app, async () => {
    await post(app, '/api/orders', orders) // pokes the healer
    await app.healer!.run()
  })
  return { queries, app }
}

t.test('10,000 items parked before their orders are all visible once the orders arrive', async t => {
  const { queries, app } = await healingRoundTrips(500)
  t.equal(Number((await app.inject('/api/order-items')).headers['x-total-count']), ORDERS * ITEMS_PER_ORDER)
  t.equal(Number((await app.inject('/api/_parked/order-items')).headers['x-total-count']), 0)
  const graph = (await app.inject('/api/orders/ord-7?with=all')).json()
  t.same(
    graph.children.OrderItem.orderId.map((d: { id: string }) => d.id),
    ['item-00007', 'item-02507', 'item-05007', 'item-07507']
  )
  const page = (await app.inject('/api/orders?with=all&size=1000&page=3')).json()
  t.ok(
    page.every(
      (g: { children: { OrderItem: { orderId: unknown[] } } }) =>
        g.children.OrderItem.orderId.length === ITEMS_PER_ORDER
    )
  )
  // 20 batches of 500: a stream read, a getMany of orders and a moveMany each, plus the order
  // write and the reads that find nothing more; one round trip per record would be 10,000+
  const batches = ORDERS * ITEMS_PER_ORDER / 500
  t.ok(queries <= 3 * batches + 12, `${queries} round trips for ${batches} batches`)

  const { queries: fewer } = await healingRoundTrips(2000)
  t.ok(fewer <= 3 * (batches / 4) + 12, `${fewer} round trips for ${batches / 4} batches`)
  t.ok(fewer < queries, 'fewer batches, fewer round trips')
})
