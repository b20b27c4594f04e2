// Paths (`with=OrderItem.productId.categoryId`) and `depth` over HTTP on every store: each level
// is one batched round trip per relationship, the same for 10 and 500 orders, and cycles end.
import t from 'tap'
import type { Graph } from '../../src/graph/graph.js'
import { countQueries } from '../helper.js'
import { shop, STORES } from '../support/shop.js'

type Node = Graph & Record<string, unknown>

// Pages of 500 reach deep graphs: at the default CHILD_LIMIT (1000) their worst case is over the
// row budget. The shop has 8 items per order, so a smaller cap changes no answer here.
const DEEP = { CHILD_LIMIT: '50' }

async function graphs (app: Awaited<ReturnType<typeof shop>>, url: string): Promise<{ body: Node[], queries: number }> {
  let body: Node[] = []
  const queries = await countQueries(app, async () => { body = (await app.inject(url)).json() })
  return { body, queries }
}

for (const url of STORES) {
  t.test(`${url}: a path loads level by level, one round trip per relationship`, async t => {
    const app = await shop(t, url, DEEP)
    const path = 'with=OrderItem.productId.categoryId.parentId'
    const small = await graphs(app, `/api/orders?size=10&${path}`)
    const large = await graphs(app, `/api/orders?size=500&${path}`)
    t.equal(small.queries, 5, 'page, items, products, categories, their parents')
    t.equal(large.queries, small.queries, 'the same for 10 and 500 orders')
    const item = large.body[0]!.children.OrderItem!.orderId![0] as Node
    const product = item.parents.productId as Node
    const category = product.parents.categoryId as Node
    t.match(
      category,
      { entity: { id: /^cat-[3-6]$/ }, parents: { parentId: { id: /^cat-[12]$/ } } },
      'the last step is a document'
    )
    t.same(Object.keys(item.parents), ['productId'], 'only what the path names')
    t.same(product.children, {})

    const single = await countQueries(app, () => app.inject(`/api/orders/ord-1?${path}`))
    t.equal(single, 5)
  })

  t.test(`${url}: with=all&depth=2 follows every relationship two hops`, async t => {
    const app = await shop(t, url, DEEP)
    const small = await graphs(app, '/api/orders?size=10&with=all&depth=2&limit[Order]=2')
    const large = await graphs(app, '/api/orders?size=500&with=all&depth=2&limit[Order]=2')
    t.equal(
      small.queries,
      1 + 2 + 3,
      'page; customers and items; orders of the customers, orders and products of the items'
    )
    t.equal(large.queries, small.queries, 'the same for 10 and 500 orders')
    const first = large.body[0]!
    const customer = first.parents.customerId as Node
    t.equal((customer.children.Order!.customerId as Node[]).length, 2, 'child limits apply at every level')
    t.match(customer.meta, { children: { 'Order.customerId': { total: 100, returned: 2 } } })
    const item = first.children.OrderItem!.orderId![0] as Node
    t.match(
      item.parents,
      { orderId: { id: first.entity.id }, productId: { id: /^prod-/ } },
      'the second hop ends with documents'
    )
  })

  t.test(`${url}: self-references and cycles end`, async t => {
    const app = await shop(t, url, DEEP)
    // four hops of every relationship: bounded by child limits to stay within the row budget
    const deep = await graphs(
      app,
      '/api/categories?with=all&depth=4&limit[Category]=5&limit[Product]=5&limit[OrderItem]=5'
    )
    t.equal(deep.body.length, 6)
    const knives = deep.body.find(g => g.entity.id === 'cat-4')!
    t.match(knives.parents.parentId, { entity: { id: 'cat-1' }, parents: { parentId: null } })
    const path = (await app.inject('/api/categories/cat-4?with=parentId.Category.parentId.parentId')).json() as Node
    const parent = path.parents.parentId as Node
    t.same(
      (parent.children.Category!.parentId as Node[]).map(g => [g.entity.id, (g.parents.parentId as { id: string }).id]),
      [
        ['cat-3', 'cat-1'],
        ['cat-4', 'cat-1']
      ],
      'a path back to where it started (Category.parentId names the child reference first)'
    )
  })
}

t.test('paths and depth are checked', async t => {
  const app = await shop(t, 'memory:')
  const cases: Array<[string, RegExp]> = [
    ['/api/orders?with=customerId&depth=2', /depth extends with=all/],
    [
      '/api/orders?with=customerId.nope',
      /unknown relationship 'customerId.nope' in with; Order accepts .*, and paths through them/
    ],
    ['/api/orders?with=all&depth=9', /depth/]
  ]
  for (const [url, detail] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, url)
    t.match(res.json().detail, detail, url)
  }
  const viaText = await app.inject('/api/orders?with=OrderItem.productId&limit[OrderItem]=1&size=1')
  t.equal((viaText.json() as Node[])[0]!.children.OrderItem!.orderId!.length, 1)
  const nestedLimit = (
    await app.inject('/api/customers/cust-1?with=Order.OrderItem&limit[OrderItem]=1&limit[Order]=3')
  ).json() as Node
  t.same(
    (nestedLimit.children.Order!.customerId as Node[]).map(o => o.children.OrderItem!.orderId!.length),
    [1, 1, 1],
    'a limit reaches children at any depth'
  )
})
