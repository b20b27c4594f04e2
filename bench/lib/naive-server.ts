// The N+1 baseline for the page bench: a bare Fastify route answering the same graphs as
// `GET /api/orders?with=all`, built the naive way on the same Store: one query for the page,
// then one `get` per order for its customer and one `findByRefs` per order for its items.
// Store round trips are exported under the app's metric name so one reader serves both.
import Fastify, { type FastifyInstance } from 'fastify'
import { Counter, Registry } from 'prom-client'
import { DEFAULT_CHILD_LIMIT, buildMetadata, storeEntities } from '../../src/relata.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { openStore } from '../../src/store/open-store.js'
import type { Doc } from '../../src/store/store.js'
import { remoteStoreOpener } from './remote-store.js'

interface PageQuery {
  page?: string
  size?: string
}

export async function naiveServer (url: string, latencyMs = 0): Promise<FastifyInstance> {
  const registry = new Registry()
  const queries = new Counter({
    name: 'relata_store_queries_total',
    help: 'Store round trips by entity and operation',
    labelNames: ['entity', 'op'] as const,
    registers: [registry]
  })
  const options = {
    entities: storeEntities(buildMetadata(sampleModel)),
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
      const { items, totals } = await store.findByRefs('OrderItem', 'orderId', [order.id], { perRefLimit: DEFAULT_CHILD_LIMIT })
      // the same answer as the app's, child page info included (no `next`: 3 items never fill the limit)
      const meta = { children: { 'OrderItem.orderId': { total: totals.get(order.id) ?? 0, returned: items.length } } }
      graphs.push({ entity: order, parents: { customerId: customer ?? null }, children: { OrderItem: { orderId: items as Doc[] } }, meta })
    }
    return graphs
  })

  app.get('/metrics', async function metrics (_request, reply) {
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return app
}
