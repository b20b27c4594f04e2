// Reads through references by key (`x-parent-key`) over HTTP on every store: the shop whose
// orders name their customer by e-mail and whose items name their product by SKU answers every
// read (with, paths, depth, child limits and sorts, meta.children and their next links, count,
// fields, the normalized shape, streams) as the same shop with references by id does, in the
// same round trips.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { countQueries } from '../helper.js'
import { KEY_STORES, sameIds, shopApp, type KeyStore } from '../support/key-shop.js'

const READS = [
  '/api/orders/ord-3?with=all',
  '/api/orders?with=all&size=100',
  '/api/orders?with=customer&filter=' + encodeURIComponent('{"customer":null}'),
  '/api/order-items?with=product,orderId.customer&size=40&sort=-quantity',
  '/api/order-items/item-2-2?with=product.OrderItem&limit[OrderItem]=3',
  '/api/products?with=all',
  '/api/products?with=OrderItem&limit[OrderItem]=2&sort[OrderItem]=-quantity',
  '/api/products?with=OrderItem.orderId.customer&limit[OrderItem]=1',
  '/api/products/prod-2?with=OrderItem&limit[OrderItem]=0',
  '/api/products?with=OrderItem&fields=name&fields[OrderItem]=quantity&limit[OrderItem]=1',
  '/api/products?count=OrderItem&fields=name',
  '/api/products?with=categoryId.Product.OrderItem&limit[OrderItem]=2&size=3',
  '/api/customers?with=all',
  '/api/customers?with=all&depth=2&limit[OrderItem]=1&limit[Order]=2',
  '/api/customers/cust-1?with=Order.OrderItem.product&limit[Order]=3&sort[Order]=-total',
  '/api/customers?count=Order&with=Order&limit[Order]=1',
  '/api/customers?with=Order&shape=normalized&limit[Order]=2',
  '/api/order-items?with=product.categoryId&shape=normalized&size=30',
  '/api/products/stream?with=all&limit[OrderItem]=2',
  '/api/orders/stream?with=customer.Order&limit[Order]=1',
  '/api/customers/stream?count=Order'
]

/** The batched builder on every store; PostgreSQL's one-statement graphs through keys are tested with them. */
function batched (store: KeyStore): Record<string, string> {
  return store === 'postgres' ? { GRAPHS_IN_STORE: 'false' } : {}
}

async function read (app: FastifyInstance, url: string): Promise<{ status: number, body: string, trips: number }> {
  let res: Awaited<ReturnType<FastifyInstance['inject']>> | undefined
  const trips = await countQueries(app, async () => { res = await app.inject(url) })
  return { status: res!.statusCode, body: sameIds(res!.body), trips }
}

for (const store of KEY_STORES) {
  t.test(`${store}: reads through keys answer as reads through ids`, async t => {
    const env = batched(store)
    const byKey = await shopApp(t, store, true, env)
    const byId = await shopApp(t, store, false, env)
    for (const url of READS) {
      const [key, id] = [await read(byKey, url), await read(byId, url)]
      t.equal(key.status, 200, `${url}: ${key.body.slice(0, 300)}`)
      t.equal(key.body, id.body, `${url}: the same answer`)
      t.equal(key.trips, id.trips, `${url}: the same round trips`)
    }
  })
}

/** The round trips of a GET and of a page: one for the documents, one per relationship requested. */
async function tripsOf (store: KeyStore, t: Test): Promise<void> {
  const app = await shopApp(t, store, true, batched(store))
  const one = await countQueries(app, async () => {
    const res = await app.inject('/api/order-items/item-1-1?with=all')
    const graph = res.json()
    t.equal(graph.parents.product.sku, graph.entity.product, 'the product of its SKU')
    t.equal(graph.parents.orderId.id, 'ord-1')
  })
  t.equal(one, 3, 'a GET with=all: the item, its product by SKU, its order')
  const page = await countQueries(app, async () => {
    const res = await app.inject('/api/customers?with=Order&limit[Order]=2')
    const body = res.json()
    const ann = body.find((g: { entity: { id: string } }) => g.entity.id === 'cust-2')
    t.ok(ann.children.Order.customer.length > 0, 'orders found by the customer\'s e-mail')
    t.ok(ann.children.Order.customer.every((o: { customer: string }) => o.customer === 'cust-2@shop.test'))
    const none = body.find((g: { entity: { id: string } }) => g.entity.id === 'cust-5')
    t.same(none.children.Order.customer, [], 'a customer without e-mail has no orders by e-mail')
    t.same(none.meta.children['Order.customer'], { total: 0, returned: 0 })
  })
  t.equal(page, 2, 'a page with=Order: the customers, their orders by e-mail')
  const lone = await countQueries(app, async () => {
    const res = await app.inject('/api/customers/cust-5?with=Order&count=Order')
    t.same(res.json().children, { Order: { customer: [] } }, 'no e-mail, no orders')
  })
  t.equal(lone, 1, 'nobody to look for without the key: the customer alone')
}

for (const store of KEY_STORES) t.test(`${store}: round trips through keys`, async t => { await tripsOf(store, t) })

t.test('the OpenAPI graph schemas and the ER diagram say which key a reference holds', async t => {
  const app = await shopApp(t, 'memory:', true)
  const schemas = (await app.inject('/openapi.json')).json().components.schemas
  t.match(schemas.OrderGraph.properties.parents.properties.customer.description,
    /^The Customer that customer points at by its email \(/)
  t.equal(schemas.CustomerGraph.properties.children.properties.Order.properties.customer.description,
    'Order documents whose customer is this Customer\'s email (OrderGraphs when a `with` path goes on through them)')
  t.match(schemas.ProductGraph.properties.children.properties.OrderItem.properties.product.description,
    /^OrderItem documents whose product is this Product's sku /)
  const diagram = (await app.inject('/api/_model/diagram')).body
  t.match(diagram, '  Customer |o--o{ Order : "customer → email"')
  t.match(diagram, '    string product FK "Product.sku"\n')
})
