// Changing a parent's key value that children reference through it (x-parent-key), on every
// store: refused with a 409 naming the key, the value and a referencing child, nothing written,
// whether the key changes or goes (POST, PUT, PATCH, bulk, NDJSON import); allowed once no child
// holds it, or when another document of the same write takes the value. Deleting a parent
// referenced by key behaves as deleting one referenced by id: its children stay, dangling.
import t from 'tap'
import { countQueries } from '../helper.js'
import { keyRefsModel } from '../key-refs-model.js'
import { send, stores } from './keys-apps.js'

const PROBLEM = 'application/problem+json; charset=utf-8'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: a referenced key value cannot change or go; an unreferenced one can`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', [{ id: 'p1', sku: 'A', name: 'Pen' }, { id: 'p2', sku: 'B' }])
    await send(app, 'POST', '/api/order-lines', [{ id: 'l1', productSku: 'A' }, { id: 'l2', replacementSku: 'A' }])
    const patched = await send(app, 'PATCH', '/api/products/p1', { sku: 'A2' })
    t.equal(patched.status, 409)
    t.equal(patched.type, PROBLEM)
    t.match(patched.body, {
      type: 'urn:relata:problem:key-in-use',
      title: 'Key in use',
      detail: /^Product 'p1' cannot change sku "A": OrderLine 'l[12]' references it \(OrderLine\.(productSku|replacementSku)\); .*nothing was written$/,
      errors: [{ path: '/sku', message: /^sku "A" is referenced by OrderLine 'l[12]' \((productSku|replacementSku)\)$/ }]
    })
    t.match((await send(app, 'PUT', '/api/products/p1', { name: 'Pen' })).body,
      { status: 409, errors: [{ path: '/sku' }] }, 'dropping the key takes the value away too')
    const bulk = await send(app, 'POST', '/api/products', [{ id: 'p0', sku: 'Z' }, { id: 'p1', sku: 'A3' }])
    t.match(bulk.body, { status: 409, errors: [{ path: '/1/sku' }] })
    t.equal((await send(app, 'GET', '/api/products/p0')).status, 404, 'nothing of the write was stored')
    t.equal((await send(app, 'GET', '/api/products/p1')).body.sku, 'A')

    t.equal((await send(app, 'PATCH', '/api/products/p1', { name: 'Ink' })).status, 200, 'the key kept')
    t.equal((await send(app, 'PATCH', '/api/products/p2', { sku: 'B2' })).status, 200, 'nobody references B')
    const moved = await send(app, 'POST', '/api/products', [{ id: 'p1', sku: 'A9' }, { id: 'p3', sku: 'A' }])
    t.equal(moved.status, 201, 'a value another document of the write takes is still held: the lines follow it')

    await send(app, 'DELETE', '/api/order-lines/l1')
    await send(app, 'DELETE', '/api/order-lines/l2')
    t.equal((await send(app, 'PATCH', '/api/products/p3', { sku: 'C' })).status, 200, 'free once unreferenced')
  })

  t.test(`${name}: the check costs one read of the documents written, more only when a key changes`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', { id: 'p1', sku: 'A' })
    await send(app, 'POST', '/api/order-lines', { id: 'l1', productSku: 'A' })
    await app.healer!.settled()
    t.equal(await countQueries(app, () => send(app, 'PATCH', '/api/products/p1', { name: 'Pen' })), 3,
      'the patch\'s read, the read of the documents replaced, the write')
    const products = Array.from({ length: 200 }, (_, i) => ({ id: `q${i}`, sku: `Q${i}` }))
    t.equal(await countQueries(app, () => send(app, 'POST', '/api/products', products)), 2,
      'one getMany for 200 documents, then the write')
    const renamed = products.map(p => ({ ...p, sku: `${p.sku}-2` }))
    t.equal(await countQueries(app, () => send(app, 'POST', '/api/products', renamed)), 4,
      'keys changed: one findByRefs per relationship through sku (two), whatever their number')
  })

  t.test(`${name}: the NDJSON import rejects the line taking a referenced value away, stores the rest`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', [{ id: 'p1', sku: 'A' }, { id: 'p2', sku: 'B' }])
    await send(app, 'POST', '/api/order-lines', { id: 'l1', productSku: 'B' })
    const res = await app.inject({
      method: 'POST',
      url: '/api/products/import',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: '{"id":"p1","sku":"A1"}\n{"id":"p2","sku":"B1"}\n{"id":"p3","sku":"C"}\n'
    })
    t.equal(res.statusCode, 200, 'an entity with x-sources imports Relata ids without ?source=')
    t.match(res.json(), {
      stored: 2,
      rejected: 1,
      rejections: [{ line: 2, reason: "key in use: sku \"B\" is referenced by OrderLine 'l1' (productSku)" }]
    })
    t.same((await send(app, 'GET', '/api/products?sort=id')).body.map((p: { sku: string }) => p.sku), ['A1', 'B', 'C'])
  })

  t.test(`${name}: deleting a parent referenced by key leaves its children, as for ids`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', { id: 'p1', sku: 'A' })
    await send(app, 'POST', '/api/order-lines', { id: 'l1', productSku: 'A' })
    t.equal((await send(app, 'DELETE', '/api/products/p1')).status, 204)
    t.same((await send(app, 'GET', '/api/order-lines/l1')).body, { id: 'l1', productSku: 'A' })
    t.equal((await send(app, 'POST', '/api/products', { id: 'p9', sku: 'A' })).status, 201,
      'a new product with the SKU is the one the line names')
  })
}
