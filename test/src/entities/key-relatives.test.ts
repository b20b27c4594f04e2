// The library API through references by key: relatives (one, many, an async iterable),
// getParent, getParents and getChildren find parents by their key and children by the parent's
// key value, in one round trip per relationship, on every store.
import t from 'tap'
import type { Graph } from '../../../src/graph/graph.js'
import type { Doc } from '../../../src/store/store.js'
import { countQueries } from '../../helper.js'
import { KEY_STORES, shopApp } from '../../support/key-shop.js'

for (const store of KEY_STORES.filter(s => s !== 'sqlite-file')) {
  t.test(`${store}: relatives through keys`, async t => {
    const app = await shopApp(t, store, true, store === 'postgres' ? { GRAPHS_IN_STORE: 'false' } : {})
    const items = app.relata.entity('OrderItem')
    const products = app.relata.entity('Product')
    const customers = app.relata.entity('Customer')
    const item = await items.get('item-1-1') as Doc
    const product = await items.getParent(item, 'product')
    t.equal(product?.sku, item.product, 'getParent: the product holding the item\'s SKU')
    t.match(await items.getParents(item), { product: { sku: item.product }, orderId: { id: 'ord-1' } })
    const children = await products.getChildren(product!, 'OrderItem')
    t.ok(children.length > 0 && children.every(child => child.product === product!.sku), 'getChildren by SKU')
    t.ok(children.some(child => child.id === 'item-1-1'))

    const page = (await app.relata.store.find('Customer', { page: 1, size: 10 })).items
    let graphs: Graph[] = []
    const trips = await countQueries(app, async () => {
      graphs = await customers.relatives(page, { with: 'Order', children: { Order: { limit: 100 } } })
    })
    t.equal(trips, 1, 'every customer\'s orders in one round trip')
    for (const graph of graphs) {
      const orders = graph.children.Order!.customer as Doc[]
      const email = graph.entity.email
      if (email === undefined) t.same(orders, [], `${graph.entity.id}: no e-mail, no orders`)
      else t.ok(orders.length > 0 && orders.every(o => o.customer === email), `${graph.entity.id}: its orders`)
    }
    async function * all (): AsyncGenerator<Doc> { yield * page }
    const streamed: string[] = []
    for await (const graph of customers.relatives(all(), { with: 'Order', batchSize: 2 })) {
      streamed.push(`${graph.entity.id}:${graph.meta!.children['Order.customer']!.total}`)
    }
    t.same(streamed, graphs.map(g => `${g.entity.id}:${g.meta!.children['Order.customer']!.total}`),
      'an async iterable in batches answers the same')
  })
}
