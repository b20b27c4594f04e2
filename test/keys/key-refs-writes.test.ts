// Write-time integrity through references that hold a parent's unique key (`x-parent-key`), on
// every store: reject, park and allow apply to a key no parent holds exactly as to a missing id,
// with one getManyByKey per relationship per write whatever its size; a parked record remembers
// the key and heals when a parent with that key is written.
import t from 'tap'
import { countQueries, storeQueries } from '../helper.js'
import { keyRefsModel } from '../key-refs-model.js'
import { send, stores } from './keys-apps.js'

const PROBLEM = 'application/problem+json; charset=utf-8'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: reject refuses a key no parent holds, naming item, property, key and value`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', { id: 'p1', sku: 'A-1' })
    await send(app, 'POST', '/api/promos', { id: 'x1', code: 'SUMMER' })
    const bulk = [
      { id: 'l1', productSku: 'A-1', promoCode: 'SUMMER' },
      { id: 'l2', productSku: 'A-1', promoCode: 'WINTER' },
      { id: 'l3', productSku: 'A-1', promoCode: 'x1' }
    ]
    await app.healer!.settled() // the start-up sweep's reads are not the write's
    let res!: Awaited<ReturnType<typeof send>>
    const lookups = await storeQueries(app, { op: 'getManyByKey' })
    const queries = await countQueries(app, async () => { res = await send(app, 'POST', '/api/order-lines', bulk) })
    t.equal(res.status, 422)
    t.equal(res.type, PROBLEM)
    t.match(res.body, { type: 'urn:relata:problem:missing-parent', status: 422, detail: /nothing was written/ })
    t.same(res.body.errors, [
      { path: '/1/promoCode', message: 'Promo with code "WINTER" does not exist' },
      { path: '/2/promoCode', message: 'Promo with code "x1" does not exist' }
    ], 'a key that happens to be an id is not a key')
    t.equal(await storeQueries(app, { op: 'getManyByKey' }) - lookups, 2, 'one lookup per key relationship')
    t.equal(queries, 2, 'nothing but the lookups, nothing written')
    t.equal((await send(app, 'GET', '/api/order-lines')).body.length, 0)
    const patched = await send(app, 'PUT', '/api/order-lines/l9', { promoCode: 'WINTER' })
    t.same([patched.status, patched.body.errors],
      [422, [{ path: '/promoCode', message: 'Promo with code "WINTER" does not exist' }]])
  })

  t.test(`${name}: one lookup per relationship per write, whatever its size`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, sku: `S-${i}` })))
    await send(app, 'POST', '/api/promos', { id: 'x1', code: 'SUMMER' })
    const lines = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({
      id: `l${from + i}`, productSku: `S-${i % 20}`, promoCode: 'SUMMER', replacementSku: 'nobody'
    }))
    await app.healer!.settled()
    const few = await countQueries(app, () => send(app, 'POST', '/api/order-lines', lines(3, 0)))
    const many = await countQueries(app, () => send(app, 'POST', '/api/order-lines', lines(300, 100)))
    t.equal(few, 4, 'a lookup for productSku and promoCode (allow looks nothing up), the drop of parked ' +
      'versions, the write')
    t.equal(many, few, 'the same round trips for 3 lines and for 300')
    t.equal((await send(app, 'GET', '/api/order-lines?size=1')).body[0].replacementSku, 'nobody',
      'allow keeps a key no parent holds')
  })

  t.test(`${name}: park remembers the key; a parent with that key heals it`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', { id: 'p1', sku: 'A-1' })
    const res = await send(app, 'POST', '/api/order-lines', [
      { id: 'l1', productSku: 'A-1' }, { id: 'l2', productSku: 'B-2', quantity: 2 }, { id: 'l3', productSku: 'p1' }
    ])
    t.equal(res.status, 202)
    t.same(res.body.stored.map((d: { id: string }) => d.id), ['l1'])
    const waits = (value: string) => [{ property: 'productSku', target: 'Product', key: 'sku', value }]
    t.same(res.body.parked,
      [{ index: 1, id: 'l2', missing: waits('B-2') }, { index: 2, id: 'l3', missing: waits('p1') }])
    t.same((await send(app, 'GET', '/api/_parked/order-lines/l2')).body.missing, waits('B-2'))
    const pending = await send(app, 'GET', '/api/order-lines/l2')
    t.equal(pending.status, 404)
    t.match(pending.body.detail, /a write of it is parked until Product with sku "B-2" \(productSku\) exists/)

    await send(app, 'POST', '/api/products', { id: 'p2', sku: 'B-2', name: 'Pen' })
    await app.healer!.settled()
    const healed = await send(app, 'GET', '/api/order-lines/l2')
    t.same([healed.status, healed.body], [200, { id: 'l2', productSku: 'B-2', quantity: 2 }], 'the key is kept')
    t.equal((await send(app, 'GET', '/api/_parked/order-lines')).body.length, 1, 'l3 waits for sku "p1"')
  })

  t.test(`${name}: a parent with the key in the same write exists (a self-reference)`, async t => {
    const app = await open(t, keyRefsModel)
    const res = await send(app, 'POST', '/api/categories', [
      { id: 'c2', code: 'PENS', parentCode: 'OFFICE' }, { id: 'c1', code: 'OFFICE' }
    ])
    t.equal(res.status, 201)
    t.equal((await send(app, 'POST', '/api/categories', { id: 'c3', code: 'INK', parentCode: 'c2' })).status, 202,
      'an id is no code')
  })

  t.test(`${name}: a write from a source takes key references as keys, not source ids`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products?source=erp', { id: '7', sku: 'A-1' })
    const res = await send(app, 'POST', '/api/order-lines?source=erp', { id: '1', productSku: 'A-1' })
    t.equal(res.status, 201)
    t.same(res.body, { id: 'erp:1', productSku: 'A-1' }, 'the SKU is kept as it is')
    const parked = await send(app, 'POST', '/api/order-lines?source=erp', { id: '2', productSku: '7' })
    const missing = [{ property: 'productSku', target: 'Product', key: 'sku', value: '7' }]
    t.same(parked.body.parked, [{ index: 0, id: 'erp:2', missing }], 'the ERP\'s product id is no SKU')
  })
}
