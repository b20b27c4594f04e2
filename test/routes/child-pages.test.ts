// Per-parent child limits and orders (`limit[Child]`, `sort[Child]`) and the `meta.children`
// page report, over HTTP on every store: the same answers, and round trips that do not depend
// on the number of parents.
import t from 'tap'
import { cursorOf } from '../../src/entities/cursor.js'
import { sampleOrders } from '../../src/sample/sample-data.js'
import type { Doc } from '../../src/store/store.js'
import { build, countQueries, libraryModel } from '../helper.js'
import { shop, SIZE, STORES } from '../support/shop.js'

interface OrderGraph {
  entity: Doc
  children: { OrderItem: { orderId: Doc[] } }
  meta: { children: Record<string, { total: number, returned: number, next?: string }> }
}

/** The expected top items of an order, computed here from all of them. */
function topItems (all: Doc[], orderId: string, n: number): string[] {
  return all.filter(i => i.orderId === orderId)
    .sort((a, b) => (b.quantity as number) - (a.quantity as number) || (a.id < b.id ? -1 : 1))
    .slice(0, n).map(i => i.id)
}

for (const url of STORES) {
  t.test(`${url}: limit[OrderItem] and sort[OrderItem] pick each order's top children in one round trip`, async t => {
    const app = await shop(t, url)
    const all = sampleOrders(SIZE).items
    const query = 'with=OrderItem&limit[OrderItem]=3&sort[OrderItem]=-quantity'
    let small: OrderGraph[] = []
    let large: OrderGraph[] = []
    const smallCount = await countQueries(app, async () => {
      small = (await app.inject(`/api/orders?size=10&${query}`)).json()
    })
    const largeCount = await countQueries(app, async () => {
      large = (await app.inject(`/api/orders?size=500&${query}`)).json()
    })
    t.equal(small.length, 10)
    t.equal(large.length, 500)
    t.equal(smallCount, 2, 'one page query, one findByRefs')
    t.equal(largeCount, smallCount, 'the same for 10 and 500 orders')
    for (const graph of large) {
      t.same(
        graph.children.OrderItem.orderId.map(i => i.id),
        topItems(all, graph.entity.id, 3),
        `top items of ${graph.entity.id}`
      )
    }
    const [first] = small
    const third = first!.children.OrderItem.orderId[2]!
    t.same(first!.meta.children['OrderItem.orderId'], {
      total: 8,
      returned: 3,
      next: `/api/order-items?filter=${encodeURIComponent(JSON.stringify({ orderId: first!.entity.id }))}` +
        `&sort=-quantity&size=50&after=${cursorOf('OrderItem', [{ field: 'quantity', desc: true }], third)}`
    }, 'the rest after the last child held, in pages of the default size, not of the child limit')

    const next = (await app.inject(first!.meta.children['OrderItem.orderId']!.next!)).json() as Doc[]
    t.same(next.map(i => i.id), topItems(all, first!.entity.id, 8).slice(3),
      'the next link continues the list with all the rest')

    const single = await app.inject(`/api/orders/${first!.entity.id}?${query}`)
    t.same((single.json() as OrderGraph).children, first!.children, 'the single GET takes the same parameters')
    const lines = (await app.inject(`/api/orders/stream?${query}&filter={"status":"paid"}`)).body
      .trim()
      .split('\n')
      .map(l => JSON.parse(l) as OrderGraph)
    t.ok(
      lines.length > 0 &&
        lines.every(
          g => g.children.OrderItem.orderId.length === 3 && g.meta.children['OrderItem.orderId']!.total === 8
        ),
      'and the stream'
    )
  })

  t.test(`${url}: meta.children reports every child list; a whole list has no next`, async t => {
    const app = await shop(t, url)
    const whole = (await app.inject('/api/orders/ord-1?with=all')).json() as OrderGraph
    t.same(whole.meta, { children: { 'OrderItem.orderId': { total: 8, returned: 8 } } })
    const none = (await app.inject('/api/orders/ord-1?with=OrderItem&limit[OrderItem]=0')).json() as OrderGraph
    const filter = encodeURIComponent(JSON.stringify({ orderId: 'ord-1' }))
    t.same([none.children.OrderItem.orderId, none.meta.children['OrderItem.orderId']],
      [[], { total: 8, returned: 0, next: `/api/order-items?filter=${filter}&size=50` }],
      'a limit of 0 counts, and links to the whole list')
    const rest = (await app.inject(none.meta.children['OrderItem.orderId']!.next!)).json() as Doc[]
    t.same(rest.map(i => i.id), whole.children.OrderItem.orderId.map(i => i.id), 'which is every child')
    const parentsOnly = (await app.inject('/api/orders/ord-1?with=customerId')).json() as Record<string, unknown>
    t.equal(parentsOnly.meta, undefined, 'no meta without children')
    const byId = (
      await app.inject('/api/orders/ord-1?with=OrderItem&limit[OrderItem]=2&sort[OrderItem]=-id')
    ).json() as OrderGraph
    t.same(byId.children.OrderItem.orderId.map(i => i.id), ['item-1-8', 'item-1-7'])
  })

  t.test(`${url}: a cut child list links to all the rest, keeping fields and what is loaded below`, async t => {
    const app = await shop(t, url)
    const query = 'with=OrderItem.productId&limit[OrderItem]=2&sort[OrderItem]=-id' +
      '&fields[OrderItem]=quantity&fields[OrderItem.productId]=name'
    const graph = (await app.inject(`/api/orders/ord-1?${query}`)).json() as OrderGraph
    const next = new URL(graph.meta.children['OrderItem.orderId']!.next!, 'http://x')
    t.same(['size', 'with', 'sort'].map(name => next.searchParams.get(name)), ['50', 'productId', '-id'],
      'the default page size, the path below the child, the child order')
    const rest = await app.inject(next.pathname + next.search)
    t.equal(rest.statusCode, 200)
    const items = rest.json() as Array<{ entity: Doc, parents: { productId: Doc } }>
    t.same(items.map(i => i.entity.id), ['item-1-6', 'item-1-5', 'item-1-4', 'item-1-3', 'item-1-2', 'item-1-1'],
      'every child after the two held, in one request')
    t.ok(items.every(i => Object.keys(i.entity).sort().join() === 'id,quantity'), 'fields[OrderItem] kept')
    t.ok(items.every(i => Object.keys(i.parents.productId).sort().join() === 'id,name'),
      'fields[OrderItem.productId] kept')
    const held = graph.children.OrderItem.orderId as unknown as Array<{ entity: Doc, parents: { productId: Doc } }>
    t.same(Object.keys(held[0]!).sort(), Object.keys(items[0]!).sort(), 'in the shape the graph holds its children')
  })

  t.test(`${url}: count=OrderItem counts children without loading them, in one grouped round trip`, async t => {
    const app = await shop(t, url)
    await app.inject({ method: 'DELETE', url: '/api/order-items/item-2-1' })
    let small: OrderGraph[] = []
    let large: OrderGraph[] = []
    const smallCount = await countQueries(app, async () => {
      small = (await app.inject('/api/orders?size=10&count=OrderItem')).json()
    })
    const largeCount = await countQueries(app, async () => {
      large = (await app.inject('/api/orders?size=500&count=OrderItem')).json()
    })
    t.equal(smallCount, 2, 'one page query, one countByRefs')
    t.equal(largeCount, smallCount, 'the same for 10 and 500 orders')
    t.equal(await countQueries(app, () => app.inject('/api/orders?size=10&count=OrderItem')), 2)
    t.same(
      large.find(g => g.entity.id === 'ord-2'),
      {
        entity: large.find(g => g.entity.id === 'ord-2')!.entity,
        parents: {},
        children: {},
        meta: { children: { 'OrderItem.orderId': { total: 7, returned: 0 } } }
      }
    )
    t.ok(small.every(g => g.meta.children['OrderItem.orderId']!.total === (g.entity.id === 'ord-2' ? 7 : 8)))
    const withParents = (
      await app.inject('/api/orders/ord-3?with=customerId&count=OrderItem.orderId')
    ).json() as OrderGraph & { parents: Record<string, unknown> }
    t.ok(withParents.parents.customerId !== null)
    t.same(withParents.meta, { children: { 'OrderItem.orderId': { total: 8, returned: 0 } } })
    const both = (
      await app.inject('/api/orders/ord-3?with=OrderItem&limit[OrderItem]=1&count=OrderItem')
    ).json() as OrderGraph
    t.same(
      both.meta.children['OrderItem.orderId'],
      { total: 8, returned: 1, next: both.meta.children['OrderItem.orderId']!.next },
      'a loaded list is not counted twice'
    )
    const lines = (await app.inject('/api/orders/stream?count=OrderItem')).body
      .trim()
      .split('\n')
      .map(l => JSON.parse(l) as OrderGraph)
    t.equal(lines.length, 500)
    t.ok(lines.every(g => g.meta.children['OrderItem.orderId']!.total >= 7), 'streams count too')
  })
}

t.test('child parameters are checked', async t => {
  const app = await shop(t, 'memory:')
  const cases: Array<[string, RegExp]> = [
    [
      '/api/orders?limit[Nope]=2',
      /^limit\[Nope\] names no child entity a graph of Order can load; the child entities are OrderItem, Order, /
    ],
    [
      '/api/customers?sort[Customer]=id',
      /^sort\[Customer\] names no child entity a graph of Customer can load; the child entities are Order, /
    ],
    [
      '/api/orders?with=OrderItem&limit[OrderItem.orderId]=2',
      /^limit\[OrderItem.orderId\]: a child limit names a child entity, not one of its references; write limit\[OrderItem\] /
    ],
    ['/api/orders?with=OrderItem&sort[OrderItem]=-weight', /cannot sort by unknown property 'weight'/],
    ['/api/orders?with=OrderItem&limit[OrderItem]=-1', /limit\[OrderItem\]/]
  ]
  for (const [url, detail] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, url)
    t.match(res.json().detail, detail, url)
  }
  t.same(
    (await app.inject('/api/orders?with=OrderItem&limit[OrderItem]=')).statusCode,
    400,
    'an empty limit is not a number'
  )
  const unreached = await app.inject(
    '/api/orders?with=customerId&limit[OrderItem]=2&sort[Order]=-total&limit[Category]=1'
  )
  t.equal(unreached.statusCode, 200, 'a child entity this request does not reach: accepted')
  t.same(unreached.json(), (await app.inject('/api/orders?with=customerId')).json(), 'with no effect')
  t.equal((await app.inject('/api/customers?with=Order&sort[OrderItem]=id')).statusCode, 200, 'beyond the depth asked')
  t.equal((await app.inject('/api/customers?with=Order&sort[OrderItem]=weight')).statusCode, 400, 'but still checked')
  const count = await app.inject('/api/orders?count=OrderItem,Customer')
  t.equal(count.statusCode, 400)
  t.match(count.json(), {
    detail: "unknown child relationship 'Customer' in count; Order accepts OrderItem, OrderItem.orderId",
    errors: [{ path: '/count' }]
  })
  const leaf = await app.inject('/api/order-items?count=x')
  t.equal(leaf.statusCode, 400, 'an entity without children takes no count parameter')
})

t.test('limit[Child.refProp] is a form this server does not take: the answer says what to write', async t => {
  const app = await build(t, { model: libraryModel })
  const res = await app.inject('/api/employees?with=all&limit[Employee.managerId]=2')
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(res.json(), {
    detail: 'limit[Employee.managerId]: a child limit names a child entity, not one of its references; ' +
      'write limit[Employee] (it applies to every reference of Employee, at every level Employee is loaded)',
    errors: [{ path: '/limit[Employee.managerId]', message: 'use limit[Employee]' }]
  })
  t.equal((await app.inject('/api/employees?with=all&limit[Employee]=2')).statusCode, 200, 'which works')
})
