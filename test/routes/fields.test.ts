// Field selection over HTTP on every store: `fields` trims the entity, `fields[<relationship>]`
// the documents a relationship reaches (one hop or a path), `id` always stays, in the single
// GET, the list (nested and normalized) and the stream, with the round trips of the same
// request without fields; mistakes are 400s that say what to fix.
import t from 'tap'
import type { Doc } from '../../src/store/store.js'
import { countQueries } from '../helper.js'
import { shop, STORES } from '../support/shop.js'

interface OrderGraph {
  entity: Doc
  parents: { customerId: Doc | null }
  children: { OrderItem: { orderId: Array<Doc & { entity?: Doc, parents?: Record<string, unknown> }> } }
  meta?: unknown
}

/** `doc` with only these properties (and id), in its own order: what the server should answer. */
function only (doc: Doc, ...keep: string[]): Doc {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => k === 'id' || keep.includes(k))) as Doc
}

for (const url of STORES) {
  t.test(`${url}: fields trims the entity of a single GET and a list; id always stays`, async t => {
    const app = await shop(t, url)
    const full = (await app.inject('/api/orders/ord-1')).json() as Doc
    const res = await app.inject('/api/orders/ord-1?fields=total,status')
    t.equal(res.statusCode, 200)
    t.same(Object.keys(res.json()), ['id', 'status', 'total'], 'listed properties and id, in the document order')
    t.same(res.json(), only(full, 'total', 'status'))
    t.same((await app.inject('/api/orders/ord-1?fields=id')).json(), { id: 'ord-1' })
    t.same(
      (await app.inject('/api/orders/ord-1?fields=%20status%20,,total')).json(),
      only(full, 'status', 'total'),
      'blanks around names are ignored'
    )

    const fullList = (await app.inject('/api/orders?size=100&sort=-total')).json() as Doc[]
    let trimmed: Doc[] = []
    const withFields = await countQueries(app, async () => {
      trimmed = (await app.inject('/api/orders?size=100&sort=-total&fields=customerId')).json()
    })
    const without = await countQueries(app, () => app.inject('/api/orders?size=100&sort=-total'))
    t.equal(withFields, without, 'the same round trips as without fields')
    t.same(trimmed, fullList.map(o => only(o, 'customerId')), 'every document trimmed, in the same order')
    const paged = await app.inject('/api/orders?size=10&fields=total')
    t.equal(paged.headers['x-total-count'], '500', 'the total is unaffected')
    t.match(paged.headers.link, /fields=total/, 'and the page links keep the fields')
  })

  t.test(`${url}: fields[...] trims parents, children and documents along a path`, async t => {
    const app = await shop(t, url)
    const full = (await app.inject('/api/orders/ord-1?with=all')).json() as OrderGraph
    const query = 'with=all&fields=total&fields[customerId]=name&fields[OrderItem]=quantity,productId'
    let graph!: OrderGraph
    const queries = await countQueries(app, async () => {
      graph = (await app.inject(`/api/orders/ord-1?${query}`)).json()
    })
    t.equal(
      queries,
      await countQueries(app, () => app.inject('/api/orders/ord-1?with=all')),
      'the same round trips as without fields'
    )
    t.same(
      graph.entity,
      only(full.entity, 'total'),
      'the reference property can be left out: the graph was built with it'
    )
    t.same(graph.parents.customerId, only(full.parents.customerId!, 'name'))
    t.same(graph.children.OrderItem.orderId, full.children.OrderItem.orderId.map(i => only(i, 'quantity', 'productId')))
    t.same(graph.meta, full.meta, 'meta is unaffected')
    const byKey = (
      await app.inject('/api/orders/ord-1?with=all&fields[OrderItem.orderId]=quantity,productId')
    ).json() as OrderGraph
    t.same(byKey.children, graph.children, 'Child.refProp names the same children')
    t.same(byKey.entity, full.entity, 'an entity without fields keeps every property')

    const path = 'with=OrderItem.productId.categoryId'
    const fullPath = (await app.inject(`/api/orders/ord-2?${path}`)).json() as OrderGraph
    const trimmedPath = (
      await app.inject(
        `/api/orders/ord-2?${path}&fields[OrderItem.productId]=price&fields[OrderItem.productId.categoryId]=name`
      )
    ).json() as OrderGraph
    t.equal(trimmedPath.children.OrderItem.orderId.length, 8)
    trimmedPath.children.OrderItem.orderId.forEach((item, i) => {
      const before = fullPath.children.OrderItem.orderId[i]!
      t.same(item.entity, before.entity, 'the items themselves are whole')
      const product = item.parents!.productId as { entity: Doc, parents: { categoryId: Doc } }
      const fullProduct = before.parents!.productId as { entity: Doc, parents: { categoryId: Doc } }
      t.same(product.entity, only(fullProduct.entity, 'price'), 'the product along the path is trimmed')
      t.same(product.parents.categoryId, only(fullProduct.parents.categoryId, 'name'), 'and its category')
    })
  })

  t.test(`${url}: shape=normalized includes the union of the fields a document is reached with`, async t => {
    const app = await shop(t, url)
    const with_ = 'with=customerId,OrderItem.orderId.orderId.customerId'
    const full = (await app.inject(`/api/orders/ord-1?${with_}&shape=normalized`)).json()
    const query = `${with_}&fields=status&fields[customerId]=name&fields[OrderItem]=quantity&fields[OrderItem.` +
      'orderId.orderId]=total&fields[OrderItem.orderId.orderId.customerId]=email'
    const nested = (await app.inject(`/api/orders/ord-1?${query}`)).json() as OrderGraph
    const customer = full.included.Customer[full.data[0].customerId] as Doc
    t.same(nested.parents.customerId, only(customer, 'name'), 'nested, each path has its own fields')
    t.same(
      (nested.children.OrderItem.orderId[0]!.parents!.orderId as OrderGraph).parents.customerId,
      only(customer, 'email')
    )

    const normalized = (await app.inject(`/api/orders/ord-1?${query}&shape=normalized`)).json()
    t.same(normalized.data, [only(full.data[0], 'status')])
    t.same(
      normalized.included.Customer,
      { [customer.id]: only(customer, 'name', 'email') },
      "the customer once, with both paths' fields"
    )
    t.same(
      normalized.included.Order,
      { 'ord-1': only(full.included.Order['ord-1'], 'total') },
      'the order reached through its items, trimmed as that path says'
    )
    t.equal(Object.keys(normalized.included.OrderItem).length, 8)
    t.ok(
      Object.values(normalized.included.OrderItem as Record<string, Doc>).every(
        i => Object.keys(i).join() === 'id,quantity'
      )
    )

    const list = (
      await app.inject('/api/orders?size=50&with=customerId&fields=total&fields[customerId]=city&shape=normalized')
    ).json()
    t.ok(list.data.every((o: Doc) => Object.keys(o).join() === 'id,total'))
    t.ok(
      Object.values(list.included.Customer as Record<string, Doc>).every(c => Object.keys(c).join() === 'id,city'),
      'shared parents trimmed once each'
    )
    t.match(list.links, { next: /fields%5BcustomerId%5D=city|fields\[customerId\]=city/ })
  })

  t.test(`${url}: stream lines are trimmed, with the stream's round trips`, async t => {
    const app = await shop(t, url)
    const query = 'with=customerId&filter={"status":"paid"}'
    let full: OrderGraph[] = []
    let trimmed: OrderGraph[] = []
    const lines = (body: string) => body.trim().split('\n').map(l => JSON.parse(l) as OrderGraph)
    const without = await countQueries(app, async () => {
      full = lines((await app.inject(`/api/orders/stream?${query}`)).body)
    })
    const withFields = await countQueries(app, async () => {
      trimmed = lines((await app.inject(`/api/orders/stream?${query}&fields=total&fields[customerId]=email`)).body)
    })
    t.equal(withFields, without)
    t.ok(full.length > 0)
    t.same(
      trimmed,
      full.map(g => ({
        ...g,
        entity: only(g.entity, 'total'),
        parents: { customerId: only(g.parents.customerId!, 'email') }
      }))
    )
    const plain = (await app.inject('/api/customers/stream?fields=city')).body
      .trim()
      .split('\n')
      .map(l => JSON.parse(l) as Doc)
    t.ok(plain.length === 5 && plain.every(c => Object.keys(c).join() === 'id,city'), 'plain documents too')
  })

  t.test(`${url}: mistakes are 400s that say what to fix`, async t => {
    const app = await shop(t, url)
    const cases: Array<[string, string, Array<{ path: string, message: string }>]> = [
      [
        '/api/orders/ord-1?fields=',
        'fields is empty; list the Order properties to keep: id, customerId, status, total, createdAt',
        [{ path: '/fields', message: 'lists no property' }]
      ],
      [
        '/api/orders?fields=%20,%20',
        'fields is empty; list the Order properties to keep: id, customerId, status, total, createdAt',
        [{ path: '/fields', message: 'lists no property' }]
      ],
      [
        '/api/orders/stream?fields=total,nope,what',
        "unknown Order properties 'nope', 'what' in fields; Order has id, customerId, status, total, createdAt",
        [
          { path: '/fields', message: "unknown property 'nope'" },
          { path: '/fields', message: "unknown property 'what'" }
        ]
      ],
      [
        '/api/orders?with=customerId&fields[customerId]=total',
        "unknown Customer property 'total' in fields[customerId]; Customer has id, name, email, city",
        [{ path: '/fields[customerId]', message: "unknown property 'total'" }]
      ],
      [
        '/api/orders/ord-1?fields[customerId]=name',
        'fields[customerId] names a relationship that with does not load; add customerId to with (with loads nothing)',
        [{ path: '/fields[customerId]', message: 'add customerId to with' }]
      ],
      [
        '/api/orders?with=customerId.Order&fields[OrderItem.productId]=name',
        'fields[OrderItem.productId] names a relationship that with does not load; add OrderItem.productId to with ' +
          '(with loads customerId, customerId.Order)',
        [{ path: '/fields[OrderItem.productId]', message: 'add OrderItem.productId to with' }]
      ],
      [
        '/api/orders/stream?with=all&fields[Product]=name',
        'fields[Product] names no relationship of Order that with loads; with loads customerId, OrderItem',
        [{ path: '/fields[Product]', message: 'not a relationship loaded by with' }]
      ],
      // a repeated parameter is refused by name before the parser or the schema sees it
      [
        '/api/orders/ord-1?with=OrderItem.productId&fields[OrderItem.productId]=name&fields[OrderItem.productId]=price',
        "query parameter 'fields[OrderItem.productId]' is given 2 times; list the values in one, comma-separated " +
          '(fields[OrderItem.productId]=a,b)',
        [{ path: '/querystring/fields[OrderItem.productId]', message: 'given more than once' }]
      ],
      // paths deeper than one hop are read by name, so these checks are the parser's
      [
        `/api/orders?with=OrderItem.productId&fields[OrderItem.productId]=${'name,'.repeat(600)}`,
        'fields[OrderItem.productId] is longer than 2048 characters',
        [{ path: '/fields[OrderItem.productId]', message: 'longer than 2048 characters' }]
      ],
      [
        `/api/orders?with=OrderItem.productId&fields[${'OrderItem.'.repeat(210)}]=name`,
        'a fields[...] parameter name is longer than 2048 characters',
        [{ path: '/fields', message: 'name too long' }]
      ],
      [
        '/api/orders/ord-1?with=customerId&fields[customerId]=name&fields[customerId]=email',
        "query parameter 'fields[customerId]' is given 2 times; list the values in one, comma-separated " +
          '(fields[customerId]=a,b)',
        [{ path: '/querystring/fields[customerId]', message: 'given more than once' }]
      ]
    ]
    for (const [request, detail, errors] of cases) {
      const res = await app.inject(request)
      const name = request.length > 120 ? `${request.slice(0, 117)}...` : request
      t.equal(res.statusCode, 400, name)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.json(), { status: 400, detail, errors }, name)
    }
    const long = await app.inject(`/api/orders?fields=${'x'.repeat(2100)}`)
    t.equal(long.statusCode, 400, 'the declared parameters are bounded by their schema')
    t.match(long.json().detail, /fields must NOT have more than 2048 characters/)
  })
}

t.test('OpenAPI declares fields and fields[<name>] for every one-hop with name', async t => {
  const app = await shop(t, 'memory:')
  const spec = (await app.inject('/openapi.json')).json()
  for (const path of ['/api/orders', '/api/orders/{id}', '/api/orders/stream']) {
    const params = (
      spec.paths[path].get.parameters as Array<{ name: string, description: string, example?: string }>
    ).filter(p => p.name.startsWith('fields'))
    t.same(
      params.map(p => p.name),
      ['fields', 'fields[customerId]', 'fields[OrderItem]', 'fields[OrderItem.orderId]'],
      path
    )
    t.match(params[1], {
      example: 'name,email',
      description:
        /the Customer that customerId points at, a comma list of `id`, `name`, `email`, `city`.*fields\[customerId\.<relationship>\]/
    })
  }
  const items = (spec.paths['/api/order-items'].get.parameters as Array<{ name: string }>)
    .filter(p => p.name.startsWith('fields'))
    .map(p => p.name)
  t.same(items, ['fields', 'fields[orderId]', 'fields[productId]'])
})
