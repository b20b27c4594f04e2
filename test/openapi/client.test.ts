// End to end through the generated client: the app listens on a real port and every call goes
// through openapi-fetch, typed by openapi/schema.d.ts. The type assertions below are checked by
// `npm run typecheck`, so a spec change that breaks a client breaks the build.
import t from 'tap'
import {
  createRelataClient,
  importLines,
  isGraph,
  isNormalized,
  ndjsonLines,
  stream,
  type Read,
  type Schemas,
  type StreamLine
} from '../../openapi/client.js'
import { build } from '../helper.js'

t.test('the generated client gets, lists, loads graphs, creates, deletes and streams', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const client = createRelataClient(address)

  const created = await client.POST('/api/customers', { body: { id: 'c-e2e', name: 'Ada', email: 'ada@example.com' } })
  t.equal(created.response.status, 201)
  const customer: Schemas['Customer'] | Schemas['Customer'][] | undefined = created.data
  t.match(customer, { id: 'c-e2e', name: 'Ada' })

  const order: Schemas['OrderInput'] = {
    id: 'o-e2e',
    customerId: 'c-e2e',
    status: 'open',
    total: 12.5,
    createdAt: '2026-01-02T03:04:05Z'
  }
  t.equal((await client.POST('/api/orders', { body: order })).response.status, 201)
  await client.POST('/api/order-items', {
    body: [{ id: 'i-e2e', orderId: 'o-e2e', productId: 'nowhere', quantity: 2, unitPrice: 6.25 }]
  })

  const got = await client.GET('/api/orders/{id}', { params: { path: { id: 'o-e2e' } } })
  if (got.data === undefined || isGraph(got.data) || isNormalized(got.data)) {
    throw new Error('without with, a plain Order')
  }
  const plain: Read<'Order'> = got.data
  t.equal(plain.status, 'open')

  const graph = await client.GET('/api/orders/{id}', { params: { path: { id: 'o-e2e' }, query: { with: 'all' } } })
  t.equal(graph.response.status, 200)
  if (!isGraph(graph.data)) throw new Error('with=all answers a graph')
  // a relative is a document, or a graph when a with path goes on through it
  const relative = graph.data.parents.customerId
  if (isGraph(relative)) throw new Error('with=all is one hop: the parent is a document')
  const parent: Read<'Customer'> | null | undefined = relative
  const items: Array<Read<'OrderItem'> | Schemas['OrderItemGraph']> | undefined =
    graph.data.children.OrderItem?.orderId
  t.equal(parent?.name, 'Ada')
  t.same(items?.map(i => isGraph(i) ? i.entity.id : i.id), ['i-e2e'])
  const counted: number | undefined = graph.data.meta?.children['OrderItem.orderId']?.total
  t.equal(counted, 1, 'meta is typed')

  const flat = await client.GET('/api/orders', {
    params: { query: { with: 'customerId', shape: 'normalized', filter: '{"customerId":"c-e2e"}' } }
  })
  const normalizedAnswer = flat.data
  if (!isNormalized(normalizedAnswer)) throw new Error('shape=normalized answers an object')
  const shared: Read<'Customer'> | undefined = normalizedAnswer.included.Customer?.['c-e2e']
  t.equal(shared?.name, 'Ada', 'shape=normalized is typed')

  const deep = await client.GET('/api/orders/{id}', {
    params: {
      path: { id: 'o-e2e' },
      query: { with: 'OrderItem.productId', 'limit[OrderItem]': 5, 'sort[OrderItem]': '-quantity' }
    }
  })
  if (!isGraph(deep.data)) throw new Error('a path answers a graph')
  const item = deep.data.children.OrderItem?.orderId?.[0]
  t.ok(isGraph(item) && item.parents.productId === null, 'a path makes the documents it goes through graphs')

  const page = await client.GET('/api/orders', {
    params: { query: { filter: '{"customerId":"c-e2e"}', size: 10, with: 'customerId' } }
  })
  t.equal(page.response.headers.get('x-total-count'), '1')
  t.equal(Array.isArray(page.data) ? page.data.length : undefined, 1)

  const missing = await client.GET('/api/orders/{id}', { params: { path: { id: 'nope' } } })
  t.equal(missing.response.status, 404)
  t.match(missing.error, { status: 404, title: 'Not found' }, 'errors are typed problem details')

  const lines: Array<StreamLine<'/api/order-items/stream', { with: 'all' }>> = []
  for await (const line of stream(client, '/api/order-items/stream', { filter: '{"orderId":"o-e2e"}', with: 'all' })) {
    lines.push(line)
  }
  t.equal(lines.length, 1)
  const lineOrder = lines[0]?.parents.orderId
  t.ok(
    lineOrder !== undefined && lineOrder !== null && !isGraph(lineOrder) && lineOrder.id === 'o-e2e',
    'stream lines are typed graphs'
  )

  // cursor lines: the cursor, and the document (no with) in data
  const cursorLines: Array<StreamLine<'/api/orders/stream', { cursor: true }>> = []
  for await (const line of stream(client, '/api/orders/stream', { filter: '{"customerId":"c-e2e"}', cursor: true })) {
    cursorLines.push(line)
  }
  t.same(cursorLines.map(line => [typeof line.cursor, line.data.id]), [['string', 'o-e2e']], 'cursor lines are typed')

  const trimmed = await client.GET('/api/orders', { params: { query: { fields: 'total', size: 1 } } })
  const first: Read<'Order'> | Schemas['OrderGraph'] | undefined =
    Array.isArray(trimmed.data) ? trimmed.data[0] : undefined
  t.same(first !== undefined && !isGraph(first) ? Object.keys(first).sort() : [], ['id', 'total'], 'a trimmed Order')
  t.match(trimmed.response.headers.get('link'), /rel="next"/, 'the list links its next page')

  const patched = await client.PATCH('/api/orders/{id}', {
    params: { path: { id: 'o-e2e' } },
    body: { status: 'paid', total: null },
    headers: { 'content-type': 'application/merge-patch+json' }
  })
  t.equal(patched.response.status, 400, 'null removes a required property: the result fails validation')
  const paid = await client.PATCH('/api/orders/{id}', {
    params: { path: { id: 'o-e2e' } },
    body: { status: 'paid' },
    headers: { 'content-type': 'application/merge-patch+json' }
  })
  t.equal(paid.data?.status, 'paid', 'a typed merge patch')

  const customers = [{ id: 'c-lines', name: 'Li', email: 'li@example.com' }]
  const report = await importLines(client, '/api/customers/import', customers)
  t.match(report, { lines: 1, stored: 1, rejected: 0 }, 'importLines sends raw lines')

  const imported = await client.POST('/api/customers/import', {
    body: '{"id":"c-imp","name":"Imp","email":"imp@example.com"}\n{"id":"c-bad"}\n',
    bodySerializer: (body: string) => body,
    headers: { 'content-type': 'application/x-ndjson' }
  })
  t.match(imported.data, { stored: 1, rejected: 1, rejections: [{ line: 2 }] })

  const deleted = await client.DELETE('/api/orders/{id}', { params: { path: { id: 'o-e2e' } } })
  t.equal(deleted.response.status, 204)
  t.equal((await client.GET('/api/orders/{id}', { params: { path: { id: 'o-e2e' } } })).response.status, 404)

  const model = await client.GET('/api/_model')
  t.same(model.data?.entities.find(e => e.name === 'Order')?.children, [
    { child: 'OrderItem', property: 'orderId', key: 'OrderItem.orderId' }
  ])
})

t.test('stream reports a failed answer and a body cut mid-line', async t => {
  const app = await build(t)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const client = createRelataClient(address)
  await t.rejects(async () => {
    for await (const line of stream(client, '/api/orders/stream', { filter: 'not json' })) {
      t.fail(`a refused stream yields no line, got ${JSON.stringify(line)}`)
    }
  }, /answered 400/)
  const cut = new Blob(['{"id":"a"}\n{"id":'], { type: 'application/x-ndjson' }).stream()
  const seen: unknown[] = []
  await t.rejects(async () => { for await (const line of ndjsonLines(cut)) seen.push(line) }, /cut off/)
  t.same(seen, [{ id: 'a' }])
})
