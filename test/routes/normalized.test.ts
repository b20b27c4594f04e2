// `shape=normalized` on every store: the entities in `data`, each relative once in `included`,
// at any depth, with the same round trips as the nested graph.
import t from 'tap'
import { countQueries } from '../helper.js'
import { shop, STORES } from '../support/shop.js'

interface Normalized {
  data: Array<{ id: string, customerId: string }>
  included: Record<string, Record<string, { id: string }>>
  meta?: Record<string, unknown>
  links: Record<string, string>
}

for (const url of STORES) {
  t.test(`${url}: a shared parent appears once; paths and children are included`, async t => {
    const app = await shop(t, url)
    let body!: Normalized
    const queries = await countQueries(app, async () => {
      body = (
        await app.inject('/api/orders?size=20&with=customerId,OrderItem.productId&limit[OrderItem]=2&shape=normalized')
      ).json()
    })
    const nested = await countQueries(app, () =>
      app.inject('/api/orders?size=20&with=customerId,OrderItem.productId&limit[OrderItem]=2')
    )
    t.equal(queries, nested, 'the same round trips as the nested graph')
    t.equal(body.data.length, 20)
    t.same(
      Object.keys(body.data[0]!).sort(),
      ['createdAt', 'customerId', 'id', 'status', 'total'],
      'data holds the entities themselves'
    )
    t.same(
      Object.keys(body.included.Customer!).sort(),
      [...new Set(body.data.map(o => o.customerId))].sort(),
      'each customer once'
    )
    t.equal(Object.keys(body.included.OrderItem!).length, 40)
    t.ok(Object.keys(body.included.Product!).length > 0 && Object.keys(body.included.Product!).length <= 10)
    t.match(body.meta, { 'ord-1': { children: { 'OrderItem.orderId': { total: 8, returned: 2 } } } })
    t.match(body.links, { self: /shape=normalized/, next: /page=2/ })
    t.notOk('prev' in body.links)

    const single = (await app.inject('/api/orders/ord-2?with=all&shape=normalized')).json() as Normalized
    t.same(single.data.map(o => o.id), ['ord-2'])
    t.same(Object.keys(single.included).sort(), ['Customer', 'OrderItem'])
    t.same(single.links, { self: '/api/orders/ord-2?with=all&shape=normalized' })
    const plain = (await app.inject('/api/orders?size=2&page=2&shape=normalized')).json() as Normalized
    t.same([plain.data.length, plain.included, plain.meta], [2, {}, {}], 'without with, nothing is included')
    t.match(plain.links, { prev: /page=1/ })
    const counted = (await app.inject('/api/orders?size=2&count=OrderItem&shape=normalized')).json() as Normalized
    t.same(counted.data.map(o => o.id), ['ord-1', 'ord-10'], 'count alone: data holds the entities, not graphs')
    t.same(counted.included, {})
    t.match(counted.meta, { 'ord-1': { children: { 'OrderItem.orderId': { total: 8, returned: 0 } } } })
    t.equal((await app.inject('/api/orders?shape=flat')).statusCode, 400)
  })
}
