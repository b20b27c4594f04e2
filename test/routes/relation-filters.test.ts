// Filtering parents by their children over HTTP (`{"OrderItem": {"$some": {...}}}`, `$none`) on
// every store: the answers a reference computes from the sample data, in lists and streams,
// in the same round trips as an unfiltered page, and 400s that say what to fix.
import t from 'tap'
import { sampleCategories, sampleCustomers, sampleOrders } from '../../src/sample/sample-data.js'
import type { Doc } from '../../src/store/store.js'
import { countQueries } from '../helper.js'
import { shop, SIZE, STORES } from '../support/shop.js'

const { orders, items } = sampleOrders(SIZE)

function q (filter: unknown): string {
  return encodeURIComponent(JSON.stringify(filter))
}

function itemsOf (orderId: string): Doc[] {
  return items.filter(i => i.orderId === orderId)
}

function sorted (docs: Doc[]): string[] {
  return docs.map(doc => doc.id).sort()
}

/** The references computed from the sample data, next to each filter. */
const CASES: Array<[string, string, unknown, string[]]> = [
  [
    'orders with an item of prod-1',
    'orders',
    { OrderItem: { $some: { productId: 'prod-1' } } },
    sorted(orders.filter(o => itemsOf(o.id).some(i => i.productId === 'prod-1')))
  ],
  [
    'orders without an item of prod-1, by the single reference',
    'orders',
    { 'OrderItem.orderId': { $none: { productId: 'prod-1' } } },
    sorted(orders.filter(o => !itemsOf(o.id).some(i => i.productId === 'prod-1')))
  ],
  [
    'paid orders with 5 of one item',
    'orders',
    { status: 'paid', OrderItem: { $some: { quantity: 5 } } },
    sorted(orders.filter(o => o.status === 'paid' && itemsOf(o.id).some(i => i.quantity === 5)))
  ],
  [
    'cancelled, or without a quantity above 2',
    'orders',
    { $or: [{ status: 'cancelled' }, { OrderItem: { $none: { quantity: { $gt: 2 } } } }] },
    sorted(orders.filter(o => o.status === 'cancelled' || !itemsOf(o.id).some(i => (i.quantity as number) > 2)))
  ],
  [
    'customers with an early order holding prod-3 (nested)',
    'customers',
    {
      Order: {
        $some: { id: { $in: ['ord-1', 'ord-2', 'ord-3', 'ord-4'] }, OrderItem: { $some: { productId: 'prod-3' } } }
      }
    },
    sorted(
      sampleCustomers(SIZE.customers).filter(c =>
        orders.some(
          o =>
            o.customerId === c.id &&
            ['ord-1', 'ord-2', 'ord-3', 'ord-4'].includes(o.id) &&
            itemsOf(o.id).some(i => i.productId === 'prod-3')
        )
      )
    )
  ],
  [
    'categories with subcategories (self-reference)',
    'categories',
    { Category: { $some: {} } },
    sorted(sampleCategories().filter(c => sampleCategories().some(s => s.parentId === c.id)))
  ],
  [
    'categories without subcategories',
    'categories',
    { 'Category.parentId': { $none: {} } },
    sorted(sampleCategories().filter(c => !sampleCategories().some(s => s.parentId === c.id)))
  ]
]

t.test('the references are selective, so the HTTP answers below can tell filters apart', async t => {
  const all: Record<string, number> = {
    orders: orders.length,
    customers: SIZE.customers,
    categories: sampleCategories().length
  }
  for (const [label, route, , ids] of CASES) {
    t.ok(ids.length > 0 && ids.length < all[route]!, `${label}: ${ids.length} of ${all[route]}`)
  }
})

for (const url of STORES) {
  t.test(`${url}: $some and $none select parents by their children, in lists and streams`, async t => {
    const app = await shop(t, url)
    for (const [label, route, filter, ids] of CASES) {
      const list = await app.inject(`/api/${route}?size=1000&filter=${q(filter)}`)
      t.equal(list.statusCode, 200, label)
      t.same(sorted(list.json() as Doc[]), ids, `list: ${label}`)
      t.equal(list.headers['x-total-count'], String(ids.length), `total: ${label}`)
      const stream = await app.inject(`/api/${route}/stream?filter=${q(filter)}`)
      t.same(
        sorted(
          stream.body
            .trim()
            .split('\n')
            .filter(line => line !== '')
            .map(line => JSON.parse(line) as Doc)
        ),
        ids,
        `stream: ${label}`
      )
    }
  })

  t.test(`${url}: a relation filter costs no round trip: 1 + one per relationship for 10 or 500 parents`, async t => {
    const app = await shop(t, url)
    const filter = q({ OrderItem: { $some: {} } })
    let small: unknown[] = []
    let large: unknown[] = []
    const smallCount = await countQueries(app, async () => {
      small = (await app.inject(`/api/orders?size=10&with=all&filter=${filter}`)).json()
    })
    const largeCount = await countQueries(app, async () => {
      large = (await app.inject(`/api/orders?size=500&with=all&filter=${filter}`)).json()
    })
    const order = app.relata.metadata.entity('Order')
    t.equal(small.length, 10)
    t.equal(large.length, 500)
    t.equal(
      smallCount,
      1 + order.parents.length + order.children.length,
      'the page query filters; one round trip per relationship'
    )
    t.equal(largeCount, smallCount, 'the same for 10 and 500 orders')
    const streamCount = await countQueries(app, () =>
      app.inject(`/api/orders/stream?filter=${q({ OrderItem: { $none: {} } })}`)
    )
    t.equal(streamCount, 1, 'a stream matching nothing reads once')
  })
}

t.test('relation filters that cannot be run are 400 problems that say what to fix', async t => {
  const app = await shop(t, 'memory:')
  const cases: Array<[string, unknown, string, RegExp]> = [
    [
      'orders',
      { OrderItem: 5 },
      '/OrderItem',
      /OrderItem is a child relationship: give \{"\$some": filter\} or \{"\$none": filter\}, the filter on OrderItem/
    ],
    ['orders', { OrderItem: { $any: {} } }, '/OrderItem', /give \{"\$some": filter\} or \{"\$none": filter\}/],
    ['orders', { OrderItem: { $some: {}, $none: {} } }, '/OrderItem', /give \{"\$some": filter\}/],
    ['orders', { OrderItem: { $some: [] } }, '/OrderItem/$some', /the filter on OrderItem \(\{\} for any OrderItem\)/],
    [
      'orders',
      { OrderItem: { $some: { colour: 'red' } } },
      '/OrderItem/$some/colour',
      /unknown property 'colour'; filterable properties are id, orderId, productId, quantity, unitPrice$/
    ],
    [
      'orders',
      { Items: { $some: {} } },
      '/Items',
      /unknown property 'Items'; filterable properties are .*; child relationships \(with \$some or \$none\) are OrderItem, OrderItem\.orderId/
    ],
    [
      'customers',
      { OrderItem: { $some: {} } },
      '/OrderItem',
      /child relationships \(with \$some or \$none\) are Order, Order\.customerId/
    ],
    [
      'customers',
      { Order: { $some: { OrderItem: { $some: { OrderItem: { $none: {} } } } } } },
      '/Order/$some/OrderItem/$some/OrderItem',
      /unknown property 'OrderItem'; filterable properties are id, orderId, productId, quantity, unitPrice$/
    ],
    [
      'customers',
      { Order: { $some: { OrderItem: { $some: { $and: [{ $and: [{ $and: [{ $and: [{ quantity: 1 }] }] }] }] } } } } },
      '/Order/$some/OrderItem/$some/$and/0/$and/0/$and/0/$and/0',
      /nested deeper than 6 levels/
    ],
    [
      'orders',
      { $or: [...Array.from({ length: 63 }, (_, i) => ({ total: i })), { OrderItem: { $some: { quantity: 1 } } }] },
      '/$or/63/OrderItem/$some/quantity',
      /more than 64 conditions/
    ]
  ]
  for (const [route, filter, path, detail] of cases) {
    const res = await app.inject(`/api/${route}?filter=${q(filter)}`)
    t.equal(res.statusCode, 400, path)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.match(res.json(), { status: 400, detail, errors: [{ path }] }, path)
  }
  const stream = await app.inject(`/api/orders/stream?filter=${q({ OrderItem: { $all: {} } })}`)
  t.equal(stream.statusCode, 400, 'the stream checks before it starts')
  t.match(stream.json(), { detail: /OrderItem is a child relationship/ })
})
