import t from 'tap'
import { build, post } from '../helper.js'

t.test('create, get, replace, patch and delete one document', async t => {
  const app = await build(t)
  const created = await app.inject({
    method: 'POST',
    url: '/api/customers',
    payload: { name: 'Ada', email: 'ada@example.com' }
  })
  t.equal(created.statusCode, 201)
  const ada = created.json()
  t.match(ada.id, /^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID is assigned')
  t.equal(created.headers.location, `/api/customers/${ada.id}`)

  const got = await app.inject(`/api/customers/${ada.id}`)
  t.same(got.json(), { id: ada.id, name: 'Ada', email: 'ada@example.com' })

  const replaced = await app.inject({
    method: 'PUT',
    url: `/api/customers/${ada.id}`,
    payload: { name: 'Ada L.', email: 'ada@example.com' }
  })
  t.equal(replaced.statusCode, 200)
  t.same(replaced.json(), { id: ada.id, name: 'Ada L.', email: 'ada@example.com' })

  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/customers/${ada.id}`,
    headers: { 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify({ city: 'London' })
  })
  t.equal(patched.statusCode, 200)
  t.same(patched.json(), { id: ada.id, name: 'Ada L.', email: 'ada@example.com', city: 'London' })
  const removed = await app.inject({ method: 'PATCH', url: `/api/customers/${ada.id}`, payload: { city: null } })
  t.same(removed.json(), { id: ada.id, name: 'Ada L.', email: 'ada@example.com' }, 'null removes a property')

  t.equal((await app.inject({ method: 'DELETE', url: `/api/customers/${ada.id}` })).statusCode, 204)
  const gone = await app.inject(`/api/customers/${ada.id}`)
  t.equal(gone.statusCode, 404)
  t.equal(gone.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(gone.json(), {
    status: 404,
    title: 'Not found',
    detail: `Customer '${ada.id}' does not exist`,
    type: 'urn:relata:problem:not-found'
  })
  t.equal((await app.inject({ method: 'DELETE', url: `/api/customers/${ada.id}` })).statusCode, 404)
})

t.test('PUT creates with the path id (201, Location) or replaces (200), and refuses a different body id', async t => {
  const app = await build(t)
  const email = 'bo@example.com'
  const put = (url: string, name: string) => app.inject({ method: 'PUT', url, payload: { name, email } })
  const res = await put('/api/customers/c1?x=1', 'Bo')
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, '/api/customers/c1')
  t.same(res.json(), { id: 'c1', name: 'Bo', email: 'bo@example.com' })
  t.equal((await app.inject(res.headers.location as string)).json().name, 'Bo')
  const again = await put('/api/customers/c1', 'Bob')
  t.equal(again.statusCode, 200)
  t.notOk('location' in again.headers, 'a replacement has no Location')
  t.same(again.json(), { id: 'c1', name: 'Bob', email: 'bo@example.com' })
  const spaced = await put('/api/customers/a%20b', 'Sp')
  t.equal(spaced.headers.location, '/api/customers/a%20b', 'the Location is the encoded path')
  t.equal((await app.inject(spaced.headers.location as string)).json().id, 'a b')
  const clash = await app.inject({
    method: 'PUT',
    url: '/api/customers/c1',
    payload: { id: 'c2', name: 'Bo', email: 'bo@example.com' }
  })
  t.equal(clash.statusCode, 400)
  t.match(clash.json().detail, /differs from the id 'c1'/)
  const patchId = await app.inject({ method: 'PATCH', url: '/api/customers/c1', payload: { id: 'c9' } })
  t.equal(patchId.statusCode, 400)
  t.equal((await app.inject({ method: 'PATCH', url: '/api/customers/nope', payload: { name: 'x' } })).statusCode, 404)
  const longId = 'k'.repeat(256)
  await post(app, '/api/customers', { id: longId, name: 'Long', email: 'long@example.com' })
  t.equal(
    (await app.inject(`/api/customers/${longId}`)).json().name,
    'Long',
    'the longest id the schema allows is addressable'
  )
})

t.test('bulk writes are validated first and stored atomically', async t => {
  const app = await build(t)
  const customers = Array.from({ length: 1500 }, (_, i) => ({ id: `c${i}`, name: `C${i}`, email: `c${i}@example.com` }))
  const bad = structuredClone(customers)
  bad[700]!.email = 42 as never
  delete (bad[1200] as { name?: string }).name
  const rejected = await app.inject({ method: 'POST', url: '/api/customers', payload: bad })
  t.equal(rejected.statusCode, 400)
  const problem = rejected.json()
  t.equal(problem.title, 'Validation failed')
  t.ok(problem.errors.some((e: { path: string }) => e.path === '/700/email'), 'names the item and property')
  t.ok(
    problem.errors.some((e: { path: string, message: string }) => e.path === '/1200' && /name/.test(e.message)),
    'names the missing property'
  )
  t.equal((await app.inject('/api/customers')).headers['x-total-count'], '0', 'nothing was written')

  const stored = await app.inject({ method: 'POST', url: '/api/customers', payload: customers })
  t.equal(stored.statusCode, 201)
  t.equal(stored.json().length, 1500)
  t.equal((await app.inject('/api/customers?size=1')).headers['x-total-count'], '1500')
})

t.test('write errors say what to fix', async t => {
  const app = await build(t, { env: { MAX_BULK: '10' } })
  const tooMany = await app.inject({
    method: 'POST',
    url: '/api/categories',
    payload: Array.from({ length: 11 }, (_, i) => ({ name: `c${i}` }))
  })
  t.equal(tooMany.statusCode, 400)
  t.match(tooMany.json().detail, /at most 10 documents; this one has 11/)
  const empty = await app.inject({ method: 'POST', url: '/api/categories', payload: [] })
  t.match(empty.json(), { status: 400, detail: /empty array/ })
  const dup = await app.inject({
    method: 'POST',
    url: '/api/categories',
    payload: [
      { id: 'a', name: 'x' },
      { id: 'a', name: 'y' }
    ]
  })
  t.match(dup.json(), { status: 400, detail: /item 1 repeats the id 'a' of item 0/ })
  const notObject = await app.inject({ method: 'POST', url: '/api/categories', payload: [1, 2] })
  t.match(notObject.json(), { status: 400, errors: [{ path: '/0', message: 'must be an object' }] })
  const extra = await app.inject({ method: 'POST', url: '/api/categories', payload: { name: 'x', colour: 'red' } })
  t.equal(extra.statusCode, 400, 'unknown properties are refused, not silently dropped')
  const badJson = await app.inject({
    method: 'POST',
    url: '/api/categories',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":'
  })
  t.equal(badJson.statusCode, 400)
  t.equal(badJson.headers['content-type'], 'application/problem+json; charset=utf-8')
  const proto = await app.inject({
    method: 'POST',
    url: '/api/categories',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":"x","__proto__":{"polluted":true}}'
  })
  t.equal(proto.statusCode, 400)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  const wrongType = await app.inject({
    method: 'POST',
    url: '/api/categories',
    headers: { 'content-type': 'text/csv' },
    payload: 'a,b'
  })
  t.equal(wrongType.statusCode, 415)
  t.equal(wrongType.headers['content-type'], 'application/problem+json; charset=utf-8')
})

t.test('lists page, sort and filter, with total and links', async t => {
  const app = await build(t)
  await post(app, '/api/products', [
    { id: 'p1', name: 'Pan', price: 30, categoryId: 'k' },
    { id: 'p2', name: 'Pot', price: 10, categoryId: 'k' },
    { id: 'p3', name: 'Rake', price: 20, categoryId: 'g' },
    { id: 'p4', name: 'Hoe', price: 20, categoryId: 'g' },
    { id: 'p5', name: 'Seeds', price: 2, categoryId: 'g' }
  ])
  const page1 = await app.inject('/api/products?sort=-price&size=2')
  t.same(page1.json().map((p: { id: string }) => p.id), ['p1', 'p3'])
  t.equal(page1.headers['x-total-count'], '5')
  t.equal(page1.headers.link, '</api/products?sort=-price&size=2&page=2>; rel="next"')
  const page3 = await app.inject('/api/products?sort=-price&size=2&page=3')
  t.same(page3.json().map((p: { id: string }) => p.id), ['p5'])
  t.equal(page3.headers.link, '</api/products?sort=-price&size=2&page=2>; rel="prev"')
  const filtered = await app.inject(
    `/api/products?filter=${encodeURIComponent(JSON.stringify({ categoryId: 'g', price: { $gte: 10 } }))}&sort=name`
  )
  t.same(filtered.json().map((p: { id: string }) => p.id), ['p4', 'p3'])
  const or = await app.inject(
    `/api/products?filter=${encodeURIComponent(JSON.stringify({ $or: [{ name: 'Pan' }, { price: { $lt: 5 } }] }))}`
  )
  t.same(or.json().map((p: { id: string }) => p.id), ['p1', 'p5'])
  const inList = await app.inject(
    `/api/products?filter=${encodeURIComponent(JSON.stringify({ id: { $in: ['p2', 'p4', 'zz'] } }))}`
  )
  t.same(inList.json().map((p: { id: string }) => p.id), ['p2', 'p4'])
})

t.test('bad list queries are 400 problems that say what to fix', async t => {
  const app = await build(t)
  const cases: Array<[string, RegExp]> = [
    ['/api/products?size=1001', /size/],
    ['/api/products?size=0', /size/],
    ['/api/products?page=abc', /page/],
    [
      '/api/products?sort=colour',
      /cannot sort by unknown property 'colour'; sortable properties are id, name, price, categoryId/
    ],
    [`/api/products?filter=${encodeURIComponent('{"price":{"$where":"1"}}')}`, /unsupported operator '\$where'/],
    [`/api/products?filter=${encodeURIComponent('{"$where":"1"}')}`, /unsupported operator '\$where'/],
    [`/api/products?filter=${encodeURIComponent('{"colour":"red"}')}`, /unknown property 'colour'/],
    ['/api/products?filter=%7Bnot%20json', /filter is not valid JSON/],
    [`/api/products?filter=${encodeURIComponent('{"price":{"$gt":null}}')}`, /\$gt compares with a string or a number/],
    [`/api/products?filter=${encodeURIComponent('{"price":{"$in":3}}')}`, /\$in takes an array/],
    [`/api/products?filter=${encodeURIComponent('[1]')}`, /expected a JSON object/],
    [`/api/products?filter=${encodeURIComponent(JSON.stringify({ price: { $gt: { a: 1 } } }))}`, /compares with/],
    [
      '/api/products?with=cart',
      /unknown relationship 'cart' in with; Product accepts all, categoryId, OrderItem, OrderItem.productId/
    ]
  ]
  for (const [url, detail] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, url)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', url)
    t.match(res.json().detail, detail, url)
  }
  let deep: Record<string, unknown> = { name: 'x' }
  for (let i = 0; i < 10; i++) deep = { $and: [deep] }
  const tooDeep = await app.inject(`/api/products?filter=${encodeURIComponent(JSON.stringify(deep))}`)
  t.match(tooDeep.json(), { status: 400, detail: /nested deeper than/ })
})

t.test('unknown routes and internal errors are problems too', async t => {
  const app = await build(t)
  const res = await app.inject('/api/nothing-here')
  t.equal(res.statusCode, 404)
  t.match(res.json(), {
    type: 'urn:relata:problem:no-route',
    title: 'No such route',
    detail: /no route GET \/api\/nothing-here/
  })
  app.relata.store.get = async () => { throw new Error('secret internal detail') }
  const failed = await app.inject('/api/products/p1')
  t.equal(failed.statusCode, 500)
  t.notMatch(failed.body, /secret/, 'a 5xx does not leak its message')
  t.match(failed.json(), { status: 500, requestId: String })
})
