// json-server 0.17 on the same sample shop (held in memory, as json-server does), for a
// comparison row: GET /orders/:id?_expand=customer&_embed=orderItems is its answer to
// `GET /api/orders/:id?with=all`. Only its router is mounted: no logger, CORS or gzip.
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { sampleCustomers, sampleOrders, sampleProducts, sampleCategories } from '../../src/sample/sample-data.js'
import { sampleSize } from './dataset.js'

interface JsonServer {
  create: () => ((req: unknown, res: unknown) => void) & { use: (handler: unknown) => void }
  router: (db: object) => unknown
}

export function jsonServerApp (orders: number): Server {
  const jsonServer = createRequire(import.meta.url)('json-server') as JsonServer
  const size = sampleSize(orders)
  const { orders: orderDocs, items } = sampleOrders(size)
  const app = jsonServer.create()
  app.use(jsonServer.router({
    categories: sampleCategories(),
    customers: sampleCustomers(size.customers),
    products: sampleProducts(size.products),
    orders: orderDocs,
    orderItems: items
  }))
  return createServer(app)
}
