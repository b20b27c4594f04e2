// The naive baselines, bare Fastify routes on the same Store as the app, answering the same
// graphs the way people write them by hand:
//   /api/orders         `?with=all` N+1: the page, then per order a `get` for its customer and a
//                       `findByRefs` for its items (the page bench)
//   /sliced/orders      `?with=OrderItem&limit[OrderItem]=N(&sort[OrderItem]=-quantity)`: the page,
//                       then every item of the page's orders, sorted and cut in JS (the child
//                       limit bench)
// Store round trips are exported under the app's metric name so one reader serves both.
import Fastify, { type FastifyInstance } from 'fastify'
import { Counter, Registry } from 'prom-client'
import { childPageLink } from '../../src/graph/child-page-link.js'
import { DEFAULT_PAGE_SIZE } from '../../src/entities/query.js'
import { DEFAULT_CHILD_LIMIT, buildMetadata, storeEntities } from '../../src/relata.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { openStore } from '../../src/store/open-store.js'
import type { Doc } from '../../src/store/store.js'
import { remoteStoreOpener } from './remote-store.js'

interface PageQuery {
  page?: string
  size?: string
  'limit[OrderItem]'?: string
  'sort[OrderItem]'?: string
}

/** `-quantity` then id, as the store orders them; id order without a sort. */
function byQuantityDesc (a: Doc, b: Doc): number {
  return (b.quantity as number) - (a.quantity as number) || (a.id < b.id ? -1 : 1)
}

export async function naiveServer (url: string, latencyMs = 0): Promise<FastifyInstance> {
  const registry = new Registry()
  const queries = new Counter({
    name: 'relata_store_queries_total',
    help: 'Store round trips by entity and operation',
    labelNames: ['entity', 'op'] as const,
    registers: [registry]
  })
  const metadata = buildMetadata(sampleModel)
  const nextChildren = childPageLink(metadata, DEFAULT_PAGE_SIZE)
  const items = metadata.entity('Order').children[0]!
  const options = {
    entities: storeEntities(metadata),
    onQuery: (entity: string, op: string) => queries.inc({ entity, op })
  }
  const store = latencyMs > 0 ? await remoteStoreOpener(latencyMs)(url, options) : await openStore(url, options)
  const app = Fastify({ logger: false })
  app.addHook('onClose', async function closeStore () { await store.close() })

  app.get<{ Querystring: PageQuery }>('/api/orders', async function naivePage (request) {
    const page = Number(request.query.page ?? 1)
    const size = Number(request.query.size ?? 50)
    const { items: orders } = await store.find('Order', { page, size })
    const graphs = []
    for (const order of orders) {
      const customer = typeof order.customerId === 'string' ? await store.get('Customer', order.customerId) : undefined
      const { items, totals } = await store.findByRefs('OrderItem', 'orderId', [order.id], {
        perRefLimit: DEFAULT_CHILD_LIMIT
      })
      // the same answer as the app's, child page info included (no `next`: 3 items never fill the limit)
      const meta = { children: { 'OrderItem.orderId': { total: totals.get(order.id) ?? 0, returned: items.length } } }
      graphs.push({
        entity: order,
        parents: { customerId: customer ?? null },
        children: { OrderItem: { orderId: items as Doc[] } },
        meta
      })
    }
    return graphs
  })

  app.get<{ Querystring: PageQuery }>('/sliced/orders', async function readAllThenSlice (request) {
    const page = Number(request.query.page ?? 1)
    const size = Number(request.query.size ?? 50)
    const limit = Number(request.query['limit[OrderItem]'])
    const sorted = request.query['sort[OrderItem]'] === '-quantity'
    const { items: orders } = await store.find('Order', { page, size })
    // every item of every order on the page, in one batched query: only the cut is naive
    const all = await store.findByRefs(
      'OrderItem',
      'orderId',
      orders.map(o => o.id),
      { perRefLimit: DEFAULT_CHILD_LIMIT }
    )
    const byOrder = new Map<string, Doc[]>()
    for (const item of all.items) {
      const list = byOrder.get(item.orderId as string)
      if (list === undefined) byOrder.set(item.orderId as string, [item])
      else list.push(item)
    }
    return orders.map(function slice (order) {
      const every = byOrder.get(order.id) ?? []
      const kept = (sorted ? every.sort(byQuantityDesc) : every).slice(0, limit)
      const total = all.totals.get(order.id) ?? 0
      const next = total > kept.length
        ? nextChildren(items, order.id, {
          ...(sorted ? { sort: [{ field: 'quantity', desc: true }] } : {}),
          ...(kept.length === 0 ? {} : { last: kept[kept.length - 1]! })
        })
        : undefined
      const meta = {
        children: { 'OrderItem.orderId': { total, returned: kept.length, ...(next === undefined ? {} : { next }) } }
      }
      return { entity: order, parents: {}, children: { OrderItem: { orderId: kept } }, meta }
    })
  })

  app.get('/metrics', async function metrics (_request, reply) {
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return app
}
