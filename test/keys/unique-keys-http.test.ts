// Unique keys over HTTP on every store: a conflicting write is a 409 problem naming the key and
// the document holding the value, at the item's path, and nothing of the request is stored;
// PUT and PATCH answer the same; the NDJSON import rejects the line and stores the rest.
import t from 'tap'
import { keysModel } from '../keys-model.js'
import { send, stores } from './keys-apps.js'

const PROBLEM = 'application/problem+json; charset=utf-8'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: a conflicting POST, PUT or PATCH is a 409 naming the key and the holder`, async t => {
    const app = await open(t, keysModel)
    const first = await send(app, 'POST', '/api/products', [{ id: 'p1', sku: 'A' }, { id: 'p2', sku: 'B' }])
    t.equal(first.status, 201)
    const one = await send(app, 'POST', '/api/products', { id: 'p3', sku: 'A' })
    t.equal(one.status, 409)
    t.equal(one.type, PROBLEM)
    t.match(one.body, {
      type: 'urn:relata:problem:key-conflict',
      title: 'Key conflict',
      status: 409,
      detail: "Product 'p3' cannot take sku \"A\": Product 'p1' holds it (unique key sku); nothing was written",
      errors: [{ path: '/sku', message: "sku \"A\" is held by Product 'p1'" }]
    })
    const bulk = await send(app, 'POST', '/api/products', [{ id: 'p4', sku: 'D' }, { id: 'p5', sku: 'B' }])
    t.equal(bulk.status, 409)
    t.same(bulk.body.errors, [{ path: '/1/sku', message: "sku \"B\" is held by Product 'p2'" }])
    t.equal((await send(app, 'GET', '/api/products/p4')).status, 404, 'nothing of the bulk write was stored')
    const put = await send(app, 'PUT', '/api/products/p2', { sku: 'A' })
    t.match(put.body, { status: 409, errors: [{ path: '/sku' }] })
    const patch = await send(app, 'PATCH', '/api/products/p1', { sku: 'B' })
    t.match(patch.body, { status: 409, detail: /Product 'p2' holds it/ })
    t.same((await send(app, 'GET', '/api/products?sort=id')).body.map((p: { sku: string }) => p.sku), ['A', 'B'])
    t.equal((await send(app, 'PATCH', '/api/products/p1', { sku: 'C' })).status, 200, 'a free value is taken')
    t.equal((await send(app, 'POST', '/api/products', { id: 'p3', sku: 'A' })).status, 201, 'and A is free again')
  })

  t.test(`${name}: a compound key, and a write that also parks`, async t => {
    const app = await open(t, keysModel)
    await send(app, 'POST', '/api/warehouses', [
      { id: 'w1', region: 'eu', code: 1 }, { id: 'w2', region: 'us', code: 1 }
    ])
    const clash = await send(app, 'POST', '/api/warehouses', { id: 'w3', region: 'eu', code: 1 })
    t.match(clash.body, {
      status: 409,
      detail: /cannot take \(region, code\) \("eu", 1\): Warehouse 'w1' holds it \(unique key region, code\)/,
      errors: [{ path: '/region' }]
    })
    await send(app, 'POST', '/api/orders', { id: 'o1' })
    await send(app, 'POST', '/api/order-lines', { id: 'l1', orderId: 'o1', lineNo: 'n1' })
    // item 0 parks (its order is missing), item 2 conflicts: the path is the caller's
    const mixed = await send(app, 'POST', '/api/order-lines', [
      { id: 'l2', orderId: 'later', lineNo: 'n2' }, { id: 'l3', orderId: 'o1', lineNo: 'n3' },
      { id: 'l4', orderId: 'o1', lineNo: 'n1' }
    ])
    const held = "lineNo \"n1\" is held by OrderLine 'l1'"
    t.match(mixed.body, { status: 409, errors: [{ path: '/2/lineNo', message: held }] })
    t.equal((await send(app, 'GET', '/api/order-lines/l3')).status, 404, 'the complete part was not stored')
  })

  t.test(`${name}: the NDJSON import rejects the conflicting line and stores the rest`, async t => {
    const app = await open(t, keysModel)
    await send(app, 'POST', '/api/products', { id: 'p1', sku: 'A' })
    const body = ['{"id":"p2","sku":"B"}', '{"id":"p3","sku":"A"}', '{"id":"p4","sku":"B"}', '{"id":"p5","sku":"E"}']
      .join('\n')
    const res = await app.inject({
      method: 'POST', url: '/api/products/import', payload: body, headers: { 'content-type': 'application/x-ndjson' }
    })
    t.equal(res.statusCode, 200)
    t.match(res.json(), {
      lines: 4,
      stored: 2,
      rejected: 2,
      rejections: [
        { line: 2, reason: "key conflict: sku \"A\" is held by Product 'p1'", errors: [{ path: '/sku' }] },
        { line: 3, reason: "key conflict: sku \"B\" is held by Product 'p2'" }
      ]
    })
    const ids = (await send(app, 'GET', '/api/products?sort=id')).body.map((p: { id: string }) => p.id)
    t.same(ids, ['p1', 'p2', 'p5'])
  })
}

t.test('start-up stops on stored documents that break a newly declared key, naming the key and them', async t => {
  const { mkdtempSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { build } = await import('../helper.js')
  const dir = mkdtempSync(join(tmpdir(), 'relata-keys-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env = { DATABASE_URL: `sqlite:${join(dir, 'keys.db')}` }
  const unkeyed = structuredClone(keysModel)
  const schema = unkeyed.entities.Product!.schema as { properties: { sku: Record<string, unknown> } }
  delete schema.properties.sku['x-unique']
  const before = await build(t, { model: unkeyed, env })
  await send(before, 'POST', '/api/products', [{ id: 'p1', sku: 'A' }, { id: 'p2', sku: 'A' }])
  await before.close()
  const error = await build(t, { model: keysModel, env }).then(() => undefined, (e: unknown) => e)
  t.match(error, {
    name: 'ExistingDuplicatesError',
    message: "entity 'Product' unique key sku: stored documents 'p1' and 'p2' both have sku \"A\"; change or delete " +
      'the duplicates, or drop the key from the model, then start again'
  })
})
