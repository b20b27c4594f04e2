// PostgreSQL's graphs in one statement (GRAPHS_IN_STORE, on by default) through references by
// key (`x-parent-key`): parents found through the key's unique index, children and counts
// through the parent's key value, answering as the same shop by id does, in one round trip.
// bench/key-reads.ts found the statement looking parents up by id (every parent null, every
// child list empty) while the batched path was right.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { countQueries } from '../helper.js'
import { sameIds, shopApp } from '../support/key-shop.js'

const READS = [
  '/api/orders/ord-3?with=all',
  '/api/orders?with=all&size=100',
  '/api/order-items?with=product,orderId.customer&size=40&sort=-quantity',
  '/api/order-items/item-2-2?with=product.OrderItem&limit[OrderItem]=3',
  '/api/products?with=all',
  '/api/products?with=OrderItem&limit[OrderItem]=2&sort[OrderItem]=-quantity',
  '/api/products?count=OrderItem&fields=name',
  '/api/customers?with=all&depth=2&limit[OrderItem]=1&limit[Order]=2',
  '/api/customers/cust-1?with=Order.OrderItem.product&limit[Order]=3&sort[Order]=-total',
  '/api/customers?count=Order&with=Order&limit[Order]=1'
]

async function read (app: FastifyInstance, url: string): Promise<{ status: number, body: string, trips: number }> {
  let res: Awaited<ReturnType<FastifyInstance['inject']>> | undefined
  const trips = await countQueries(app, async () => { res = await app.inject(url) })
  return { status: res!.statusCode, body: sameIds(res!.body), trips }
}

t.test('one-statement graphs through keys answer as through ids, in one round trip', async t => {
  const byKey = await shopApp(t, 'postgres', true)
  const byId = await shopApp(t, 'postgres', false)
  for (const url of READS) {
    const [key, id] = [await read(byKey, url), await read(byId, url)]
    t.equal(key.status, 200, `${url}: ${key.body.slice(0, 300)}`)
    t.equal(key.body, id.body, `${url}: the same answer`)
    t.equal(key.trips, 1, `${url}: one statement`)
  }
  const graph = (await byKey.inject('/api/order-items/item-1-1?with=all')).json()
  t.equal(graph.parents.product.sku, graph.entity.product, 'the product of its SKU')
  const ann = (await byKey.inject('/api/customers/cust-2?with=Order')).json()
  t.ok(ann.children.Order.customer.length > 0, 'orders found by the customer\'s e-mail')
  t.same((await byKey.inject('/api/customers/cust-5?with=Order&count=Order')).json().children,
    { Order: { customer: [] } }, 'a customer without e-mail has no orders by e-mail')
})
