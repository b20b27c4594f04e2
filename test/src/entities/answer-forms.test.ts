// The library's reads in each answer form, on every store: objects (the default), JSON text
// spliced from stored text, and JSON.stringify of parsed documents are the same answers (the
// same page counts and cursors too), hidden properties in none; on PostgreSQL and SQLite the
// spliced text of a graph is the one the store builds in a single round trip.
import t from 'tap'
import { Type } from 'typebox'
import { OBJECTS, SPLICED_TEXT, STRINGIFIED_TEXT } from '../../../src/graph/answer-form.js'
import type { ReadQuery } from '../../../src/entities/read-query.js'
import { defineModel, Parent } from '../../../src/model/model.js'
import { countQueries } from '../../helper.js'
import { appOn } from '../../support/shop.js'

const model = defineModel({
  entities: {
    Customer: {
      schema: Type.Object({ id: Type.String(), name: Type.String(), secret: Type.String({ writeOnly: true }) })
    },
    Order: {
      schema: Type.Object({ id: Type.String(), customerId: Parent('Customer', Type.String()), total: Type.Number() })
    },
    OrderItem: {
      schema: Type.Object({
        id: Type.String(),
        orderId: Parent('Order', Type.String()),
        quantity: Type.Integer(),
        cost: Type.Number({ 'x-internal': true })
      })
    }
  }
})

const READS: Array<Record<string, string>> = [
  {},
  { with: 'all' },
  { with: 'OrderItem', 'limit[OrderItem]': '1', 'sort[OrderItem]': '-quantity', fields: 'total' },
  { with: 'customerId', 'fields[customerId]': 'name', count: 'OrderItem', sort: '-total' },
  { count: 'OrderItem', filter: '{"total":{"$gte":2}}' }
]

for (const url of ['memory:', 'sqlite::memory:', 'mongodb://stand-in/relata', 'postgres'] as const) {
  t.test(`objects, spliced text and stringified text are the same answers on ${url}`, async t => {
    const app = await appOn(t, url, model, { GRAPHS_IN_STORE: 'true' })
    const api = app.relata.entity('Order')
    await app.relata.entity('Customer').upsert([
      { id: 'c1', name: 'Ann', secret: 's1' }, { id: 'c2', name: 'Bo', secret: 's2' }
    ])
    await api.upsert(Array.from({ length: 7 }, (_, i) => ({ id: `o${i}`, customerId: `c${1 + i % 2}`, total: i })))
    await app.relata.entity('OrderItem').upsert(Array.from({ length: 20 }, (_, i) => ({
      id: `i${String(i).padStart(2, '0')}`, orderId: `o${i % 6}`, quantity: i % 4, cost: i
    })))
    for (const raw of READS) {
      const request: ReadQuery = api.parse(raw)
      const label = JSON.stringify(raw)
      const object = JSON.stringify(await api.get('o1', request))
      t.equal(await api.get('o1', request, SPLICED_TEXT), object, `get ${label}: spliced`)
      t.equal(await api.get('o1', request, STRINGIFIED_TEXT), object, `get ${label}: stringified`)
      t.notMatch(object, /secret|cost/, 'hidden properties never leave')

      const paged = { ...request, page: 1, size: 3 }
      const { items, ...counts } = await api.list(paged)
      t.ok(counts.next, 'a next cursor')
      for (const form of [SPLICED_TEXT, STRINGIFIED_TEXT]) {
        const page = await api.list(paged, form)
        t.same({ ...page, items: `[${page.items.join(',')}]` }, { ...counts, items: JSON.stringify(items) },
          `list ${label}`)
      }

      const lines = async <T>(batches: AsyncIterable<T[]>): Promise<string[]> => {
        const out: string[] = []
        for await (const batch of batches) {
          out.push(...batch.map(item => typeof item === 'string' ? item : JSON.stringify(item)))
        }
        return out
      }
      const streamed = { ...request, batchSize: 2 }
      const objects = await lines(api.stream(streamed))
      t.equal(objects.length, raw.filter === undefined ? 7 : 5)
      t.same(await lines(api.stream(streamed, SPLICED_TEXT)), objects, `stream ${label}: spliced`)
      t.same(await lines(api.stream(streamed, STRINGIFIED_TEXT)), objects, `stream ${label}: stringified`)
      await t.rejects(api.get('nope', request, SPLICED_TEXT), { name: 'NotFoundError' })
    }
    if (url === 'postgres' || url === 'sqlite::memory:') {
      const graphs = api.parse({ with: 'all' })
      t.equal(await countQueries(app, () => api.get('o1', graphs, SPLICED_TEXT)), 1, 'one statement builds the graph')
      t.equal(await countQueries(app, () => api.get('o1', graphs, OBJECTS)), 3, 'objects: one read per relationship')
    }
  })
}
