// Relation filters ($some/$none) through references that hold a parent's key (`x-parent-key`)
// over HTTP on every store: each Line references its Product twice, by id and by SKU, and each
// Product its Shelf by code, so every filter through the key reference must answer exactly what
// the same filter through the id reference answers, in lists, totals and streams, nested too.
import t from 'tap'
import type { ModelDefinition } from '../../src/model/model.js'
import { send, stores } from './keys-apps.js'

const str = { type: 'string', minLength: 1 }

const model: ModelDefinition = {
  entities: {
    Shelf: { schema: { type: 'object', properties: { id: str, code: { ...str, 'x-unique': true } } } },
    Product: {
      schema: {
        type: 'object',
        properties: {
          id: str,
          sku: { ...str, 'x-unique': true },
          shelfCode: { ...str, 'x-parent': 'Shelf', 'x-parent-key': 'code' },
          shelfId: { ...str, 'x-parent': 'Shelf' }
        }
      }
    },
    Line: {
      schema: {
        type: 'object',
        properties: {
          id: str,
          productSku: { ...str, 'x-parent': 'Product', 'x-parent-key': 'sku' },
          productId: { ...str, 'x-parent': 'Product' },
          qty: { type: 'integer' }
        }
      }
    }
  }
}

const shelves = Array.from({ length: 4 }, (_, i) => ({ id: `sh${i}`, code: `C-${i}` }))
// sku and id differ, so a join on the wrong one finds nothing; p7 has no SKU and no lines
const products = Array.from({ length: 8 }, (_, i) => ({
  id: `p${i}`,
  ...(i === 7 ? {} : { sku: `S-${i}` }),
  shelfId: `sh${i % 3}`,
  shelfCode: `C-${i % 3}`
}))
const lines = Array.from({ length: 20 }, (_, i) =>
  ({ id: `l${i}`, productId: `p${i % 5}`, productSku: `S-${i % 5}`, qty: i % 7 }))

function q (filter: unknown): string {
  return encodeURIComponent(JSON.stringify(filter))
}

/** The filter through the id references (`productId`, `shelfId`): what the key references must match. */
function byId (filter: unknown): unknown {
  const text = JSON.stringify(filter)
  return JSON.parse(text.replaceAll('.productSku"', '.productId"').replaceAll('.shelfCode"', '.shelfId"'))
}

const FILTERS: Array<[string, unknown, string[]]> = [
  ['products with a line', { 'Line.productSku': { $some: {} } }, ['p0', 'p1', 'p2', 'p3', 'p4']],
  ['products without a line', { 'Line.productSku': { $none: {} } }, ['p5', 'p6', 'p7']],
  ['products with a line of 6', { 'Line.productSku': { $some: { qty: 6 } } }, ['p1', 'p3']],
  ['a semi-join through a pinned child id', { 'Line.productSku': { $some: { id: { $in: ['l3', 'l19'] } } } },
    ['p3', 'p4']],
  ['or with a plain field', { $or: [{ id: 'p6' }, { 'Line.productSku': { $some: { qty: 6 } } }] }, ['p1', 'p3', 'p6']],
  [
    'nested: shelves holding a product with a line of 6',
    { 'Product.shelfCode': { $some: { 'Line.productSku': { $some: { qty: 6 } } } } },
    ['sh0', 'sh1']
  ],
  ['nested none', { 'Product.shelfCode': { $none: { 'Line.productSku': { $some: {} } } } }, ['sh3']]
]

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: relation filters through key references answer as through id references`, async t => {
    const app = await open(t, model)
    t.equal((await send(app, 'POST', '/api/shelves', shelves)).status, 201)
    t.equal((await send(app, 'POST', '/api/products', products)).status, 201)
    t.equal((await send(app, 'POST', '/api/lines', lines)).status, 201)
    for (const [label, filter, ids] of FILTERS) {
      const route = JSON.stringify(filter).includes('Product.shelfCode') ? 'shelves' : 'products'
      const keyed = await app.inject(`/api/${route}?sort=id&filter=${q(filter)}`)
      const plain = await app.inject(`/api/${route}?sort=id&filter=${q(byId(filter))}`)
      t.equal(keyed.statusCode, 200, label)
      t.same(keyed.json().map((doc: { id: string }) => doc.id).sort(), ids, label)
      t.same(keyed.json(), plain.json(), `${label}: as through the id reference`)
      t.equal(keyed.headers['x-total-count'], String(ids.length), `${label}: the total`)
      const stream = await app.inject(`/api/${route}/stream?sort=id&filter=${q(filter)}`)
      const streamed = stream.body.split('\n').filter(line => line !== '').map(line => JSON.parse(line).id as string)
      t.same(streamed.sort(), ids, `${label}: the stream`)
    }
    const both = await send(app, 'GET', `/api/products?sort=id&filter=${q({ Line: { $some: { qty: 6 } } })}`)
    t.same(both.body.map((doc: { id: string }) => doc.id), ['p1', 'p3'], 'the child entity stands for both references')
  })
}
