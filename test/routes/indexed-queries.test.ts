// REQUIRE_INDEXED_QUERIES=true on every store: a list or stream whose filter or sort no index
// serves is a 400 problem naming the property and how to declare its index; filters and sorts
// on `id`, references, unique keys and declared indexes answer as without the setting, which
// is off by default.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { shop, STORES } from '../support/shop.js'

const ON = { REQUIRE_INDEXED_QUERIES: 'true' }
const list = (entity: string, query: Record<string, unknown>): string => {
  const params = Object.entries(query)
    .map(([key, value]) => `${key}=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`)
  return `/api/${entity}?${params.join('&')}`
}

/** Indexed: declared (status, total, createdAt, status,-createdAt), references, id; relation filters on a ref. */
const SERVED = [
  list('orders', { filter: { status: 'paid' }, sort: '-total' }),
  list('orders', { filter: { $or: [{ status: 'paid' }, { customerId: 'cust-1' }] }, sort: '-createdAt,total' }),
  list('orders', { filter: { OrderItem: { $some: { productId: 'prod-5' } } } }),
  list('orders', { filter: { total: { $gte: 100 }, OrderItem: { $none: {} } } }),
  list('customers', { sort: 'id,name' }),
  list('orders', { sort: 'customerId,-total', filter: { status: 'paid' } }),
  list('orders/stream', { filter: { status: 'open' }, sort: 'status' })
]

/** [url, the path of the error, the property named, its entity] */
const REFUSED: Array<[string, string, string, string]> = [
  [list('customers', { filter: { city: 'Oslo' } }), '/filter', 'city', 'Customer'],
  [list('customers', { sort: '-name' }), '/sort', 'name', 'Customer'],
  [list('orders', { filter: { $or: [{ status: 'paid' }, { OrderItem: { $some: { quantity: { $gt: 3 } } } }] } }),
    '/filter', 'quantity', 'OrderItem'],
  [list('customers/stream', { filter: { email: { $exists: true } } }), '/filter', 'email', 'Customer']
]

/** A page's items, a stream's line count. */
function body (res: LightMyRequestResponse): unknown {
  const ndjson = String(res.headers['content-type']).includes('ndjson')
  return ndjson ? res.body.split('\n').filter(Boolean).length : res.json()
}

for (const url of STORES) {
  t.test(`${url}: REQUIRE_INDEXED_QUERIES refuses a scan with a 400 naming the index to declare`, async t => {
    const strict = await shop(t, url, ON)
    const open = await shop(t, url)
    for (const path of SERVED) {
      const [on, off] = [await strict.inject(path), await open.inject(path)]
      t.equal(on.statusCode, 200, `${path}: ${on.body.slice(0, 300)}`)
      t.same(body(on), body(off), `${path}: answered as without the setting`)
    }
    for (const [path, pointer, property, entity] of REFUSED) {
      const res = await strict.inject(path)
      t.equal(res.statusCode, 400, path)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      const use = pointer.slice(1)
      t.match(res.json(), {
        type: 'urn:relata:problem:bad-request',
        detail: new RegExp(`^${use} on '${property}' of '${entity}' is refused: no index serves it and ` +
          `REQUIRE_INDEXED_QUERIES is on; declare one with "x-index": true on property '${property}' of ` +
          `'${entity}', or an "x-indexes" entry that begins with '${property}' \\(indexed now: id[,)]`),
        errors: [{ path: pointer, message: `'${property}' of '${entity}' has no index` }]
      }, path)
      t.equal((await open.inject(path)).statusCode, 200, `${path}: answered without the setting (the default)`)
    }
  })
}
