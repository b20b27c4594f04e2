// Bad input to writes through key references, on every store: a key reference that is not a
// string (a number, null, an object carrying an id), and a source write whose ids are empty or too
// long, are 400 problems naming each property at its path; nothing of the write is stored. A key
// reference in a source write is a key, not a source id: it is not held to the source id rules.
import t from 'tap'
import { keyRefsModel } from '../key-refs-model.js'
import { send, stores } from './keys-apps.js'

const PROBLEM = 'application/problem+json; charset=utf-8'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: a key reference that is not a string is a 400 naming it; nothing is written`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', { id: 'p1', sku: 'A' })
    const res = await send(app, 'POST', '/api/order-lines', [
      { id: 'l1', productSku: 'A' }, { id: 'l2', productSku: 5 }, { id: 'l3', promoCode: null },
      { id: 'l4', productSku: { id: 'p1' } }
    ])
    t.equal(res.status, 400)
    t.equal(res.type, PROBLEM)
    t.equal(res.body.type, 'urn:relata:problem:validation-failed')
    t.same(res.body.errors.map((e: { path: string }) => e.path), ['/1/productSku', '/2/promoCode', '/3/productSku'])
    t.same((await send(app, 'GET', '/api/order-lines')).body, [], 'not even the valid line')
    t.equal((await send(app, 'GET', '/api/_parked/order-lines')).body.length, 0, 'nothing parked')
    const patched = await send(app, 'PATCH', '/api/products/p1', { sku: 7 })
    t.same([patched.status, patched.body.errors?.[0]?.path], [400, '/sku'], 'nor a key that is not a string')
  })

  t.test(`${name}: a source write with an empty or too long source id is a 400 naming it`, async t => {
    const app = await open(t, keyRefsModel)
    const long = 'x'.repeat(201)
    const res = await send(app, 'POST', '/api/order-lines?source=erp', [
      { id: '1', productSku: long }, { id: '', productSku: 'A' }, { id: long }
    ])
    t.equal(res.status, 400)
    t.same(res.body.errors, [
      { path: '/1/id', message: 'a source id must not be empty' },
      { path: '/2/id', message: 'a source id has at most 200 characters; this one has 201' }
    ], 'the 201-character SKU is a key, not a source id')
    t.same((await send(app, 'GET', '/api/_parked/order-lines')).body, [], 'nothing written or parked')
    const one = await send(app, 'POST', '/api/order-lines?source=erp', { id: '1', productSku: long })
    t.equal(one.status, 202, 'alone, the line parks on its SKU')
  })
}
