// Writes from source systems on every store: ids assigned or reused through identity links, two
// systems' ids for one customer making one document, references carrying source ids reaching
// their documents, one lookup per relationship per write, and the 400s and 409s that say what
// to fix.
import t from 'tap'
import { countQueries } from '../helper.js'
import { send } from '../integrity/integrity-apps.js'
import { stores } from './source-apps.js'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: the first write creates, later writes from any linked source update`, async t => {
    const app = await open(t)
    const first = await send(app, 'POST', '/api/customers?source=crm', { id: '42', name: 'Ann' })
    t.equal(first.status, 201)
    t.same(first.body, { id: 'crm:42', name: 'Ann' }, 'the assigned id is the source and its id')
    t.equal(first.headers.location, '/api/customers/crm%3A42')
    t.same((await send(app, 'POST', '/api/customers?source=crm', { id: '42', name: 'Anne' })).body,
      { id: 'crm:42', name: 'Anne' }, 'the same source id updates')

    const linked = await send(app, 'POST', '/api/_links/customers', { source: 'shop', sourceId: 'u-7', id: 'crm:42' })
    t.equal(linked.status, 201)
    t.same((await send(app, 'POST', '/api/customers?source=shop', { id: 'u-7', name: 'Ann B.' })).body,
      { id: 'crm:42', name: 'Ann B.' }, 'the other system updates the same document')
    t.same((await send(app, 'GET', '/api/customers')).body, [{ id: 'crm:42', name: 'Ann B.' }], 'one document')
    const links = await send(app, 'GET', '/api/_links/customers?id=crm:42')
    t.same(links.body, [
      { source: 'crm', sourceId: '42', id: 'crm:42' }, { source: 'shop', sourceId: 'u-7', id: 'crm:42' }
    ], 'two links')
    t.equal(links.headers['x-total-count'], '2')
  })

  t.test(`${name}: references carrying source ids reach their documents`, async t => {
    const app = await open(t)
    await send(app, 'POST', '/api/channels', { id: 'web', name: 'Web' })
    await send(app, 'POST', '/api/customers?source=crm', { id: '42', name: 'Ann' })
    await send(app, 'POST', '/api/_links/customers', { source: 'shop', sourceId: 'u-7', id: 'crm:42' })
    const order = await send(app, 'POST', '/api/orders?source=shop', { id: 'o1', customerId: 'u-7', channelId: 'web' })
    t.equal(order.status, 201)
    t.same(order.body, { id: 'shop:o1', customerId: 'crm:42', channelId: 'web' },
      'a source id to an entity taking the source is resolved; a Relata id to one that does not is kept')
    const items = await send(app, 'POST', '/api/order-items?source=shop', [
      { id: 'l1', orderId: 'o1', productId: 'p1', quantity: 2 }, { id: 'l2', orderId: 'o1', productId: 'p2' }
    ])
    t.equal(items.status, 201)
    t.same(items.body.map((d: { orderId: string, productId: string }) => [d.orderId, d.productId]),
      [['shop:o1', 'shop:p1'], ['shop:o1', 'shop:p2']], 'an unlinked product (allow) holds the id it will get')
    await send(app, 'POST', '/api/products?source=shop', { id: 'p1', name: 'Pen' })
    const graph = await send(app, 'GET', '/api/order-items/shop:l1?with=productId,orderId.customerId')
    t.equal(graph.body.parents.productId.name, 'Pen', 'the product sent later is the one referenced')
    t.equal(graph.body.parents.orderId.parents.customerId.name, 'Ann')
  })

  t.test(`${name}: one lookup per relationship per write, whatever its size`, async t => {
    const app = await open(t)
    await send(app, 'POST', '/api/orders?source=shop', Array.from({ length: 50 }, (_, i) => ({ id: `o${i}` })))
    const lines = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({
      id: `l${from + i}`, orderId: `o${(from + i) % 50}`, productId: `p${i % 7}`
    }))
    const few = await countQueries(app, () => send(app, 'POST', '/api/order-items?source=shop', lines(3, 0)))
    const many = await countQueries(app, () => send(app, 'POST', '/api/order-items?source=shop', lines(300, 100)))
    // own ids, orders, products (one resolveLinks each), the parked versions dropped, the upsert
    t.equal(few, name === 'mongodb' ? 6 : 5, 'MongoDB reads the links a write adds before writing them')
    t.equal(many, few, 'the same round trips for 3 lines and for 300')
  })

  t.test(`${name}: bad sources and source ids are 400s naming them; nothing is written`, async t => {
    const app = await open(t)
    const unknown = await send(app, 'POST', '/api/customers?source=erp', { id: '1' })
    t.equal(unknown.status, 400)
    t.match(unknown.body.detail, /source 'erp' is unknown: Customer takes ids from crm, shop/)
    const none = await send(app, 'POST', '/api/channels?source=crm', { id: '1' })
    t.equal(none.status, 400)
    t.match(none.body.detail, /source 'crm' is unknown: Channel declares no sources/)
    const bad = await send(app, 'POST', '/api/order-items?source=shop', [
      { id: 'ok', orderId: 'o1' }, { orderId: 'o1' }, { id: '', orderId: 'x'.repeat(201) }
    ])
    t.equal(bad.status, 400)
    t.equal(bad.body.type, 'urn:relata:problem:validation-failed')
    t.same(bad.body.errors, [
      { path: '/1/id', message: 'a source id is a string' },
      { path: '/2/id', message: 'a source id must not be empty' },
      { path: '/2/orderId', message: 'a source id has at most 200 characters; this one has 201' }
    ])
    t.same((await send(app, 'GET', '/api/order-items')).body, [], 'nothing written')
  })

  t.test(`${name}: links are listed, added once, refused when taken, and deleted`, async t => {
    const app = await open(t)
    await send(app, 'POST', '/api/customers?source=crm', [{ id: '1', name: 'A' }, { id: '2', name: 'B' }])
    const taken = await send(app, 'POST', '/api/_links/customers', { source: 'crm', sourceId: '1', id: 'crm:2' })
    t.equal(taken.status, 409)
    t.equal(taken.body.type, 'urn:relata:problem:link-conflict')
    t.match(taken.body.detail, /source 'crm' id '1' is already linked to 'crm:1', not 'crm:2'/)
    t.equal((await send(app, 'POST', '/api/_links/customers', { source: 'crm', sourceId: '1', id: 'crm:1' })).status,
      201, 'the same link again changes nothing')
    const missing = await send(app, 'POST', '/api/_links/customers', { source: 'shop', sourceId: 'x', id: 'nope' })
    t.equal(missing.status, 404)
    t.match(missing.body.detail, /Customer 'nope' does not exist/)
    const page = await send(app, 'GET', '/api/_links/customers?source=crm&size=1')
    t.same(page.body, [{ source: 'crm', sourceId: '1', id: 'crm:1' }])
    t.equal(page.headers['x-total-count'], '2')
    t.match(page.headers.link, /page=2/)
    t.equal((await send(app, 'DELETE', '/api/_links/customers/crm/1')).status, 204)
    t.equal((await send(app, 'DELETE', '/api/_links/customers/crm/1')).status, 404)
    t.same((await send(app, 'POST', '/api/customers?source=crm', { id: '1', name: 'A2' })).body,
      { id: 'crm:1', name: 'A2' }, 'unlinked, the source id gets its assigned id again')
    t.equal((await send(app, 'GET', '/api/_links/orders')).status, 200)
    t.equal((await send(app, 'GET', '/api/_links/channels')).status, 404, 'no links route without sources')
  })

  t.test(`${name}: the NDJSON import takes a source`, async t => {
    const app = await open(t)
    const ndjson = async (url: string, payload: string) =>
      await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/x-ndjson' } })
    await ndjson('/api/orders/import?source=shop', '{"id":"o1"}')
    const res = await ndjson('/api/order-items/import?source=shop', '{"id":"l1","orderId":"o1"}\n{"orderId":"o1"}\n')
    t.equal(res.statusCode, 200)
    t.match(res.json(), { stored: 1, rejected: 1, rejections: [{ line: 2, reason: /a source id is a string/ }] })
    t.same((await send(app, 'GET', '/api/order-items/shop:l1')).body, { id: 'shop:l1', orderId: 'shop:o1' })
    const unknown = await ndjson('/api/orders/import?source=crm', '{"id":"1"}')
    t.equal(unknown.statusCode, 400)
    t.match(unknown.json().detail, /source must be one of shop/)
  })
}
