import t from 'tap'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { build, storeQueries } from '../helper.js'
import { get, listen } from '../support/socket.js'
import { sampleOrders } from '../../src/sample/sample-data.js'

const SIZE = { customers: 100, products: 50, orders: 0, itemsPerOrder: 2 }

async function seedOrders (app: FastifyInstance, count: number): Promise<void> {
  const store = app.relata.store
  await store.upsertMany(
    'Customer',
    Array.from({ length: SIZE.customers }, (_, i) => ({
      id: `cust-${i + 1}`,
      name: `C${i}`,
      email: `c${i}@example.com`
    }))
  )
  for (let from = 1; from <= count; from += 10_000) {
    const { orders, items } = sampleOrders({ ...SIZE, orders: count }, from, Math.min(10_000, count - from + 1))
    await store.upsertMany('Order', orders)
    await store.upsertMany('OrderItem', items)
  }
}

async function readLines (res: IncomingMessage): Promise<string[]> {
  let text = ''
  res.setEncoding('utf8')
  for await (const chunk of res) text += chunk
  t.ok(text === '' || text.endsWith('\n'), 'the body ends with a newline')
  return text === '' ? [] : text.slice(0, -1).split('\n')
}

t.test('streams 100,000 orders over a socket, each exactly once', async t => {
  const app = await build(t, { env: { STREAM_BATCH_SIZE: '1000' } })
  await seedOrders(app, 100_000)
  const base = await listen(app)
  const before = await storeQueries(app, { op: 'stream' })
  const res = await get(`${base}/api/orders/stream`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/x-ndjson')
  const lines = await readLines(res)
  t.equal(lines.length, 100_000)
  const ids = new Set(lines.map(l => (JSON.parse(l) as { id: string }).id))
  t.equal(ids.size, 100_000, 'no duplicates')
  t.ok(ids.has('ord-1') && ids.has('ord-100000'))
  const reads = await storeQueries(app, { op: 'stream' }) - before
  t.ok(reads >= 100 && reads <= 101, `read in batches of 1000 (${reads} reads)`)
})

// batched: 3 batches × (read + customers + items); SQLite building the graphs itself: one read per batch
for (const [inStore, perBatch] of [['false', 3], ['true', 1]] as const) {
  t.test(`with=all streams graphs in ${perBatch} round trips per batch (GRAPHS_IN_STORE=${inStore})`, async t => {
    const app = await build(t, { env: { STREAM_BATCH_SIZE: '100', GRAPHS_IN_STORE: inStore } })
    await seedOrders(app, 1000)
    const base = await listen(app)
    const before = await storeQueries(app)
    const filter = encodeURIComponent(JSON.stringify({ status: 'paid' }))
    const lines = await readLines(await get(`${base}/api/orders/stream?with=all&filter=${filter}`))
    const graphs = lines.map(
      l =>
        JSON.parse(l) as {
          entity: { status: string, customerId: string, id: string }
          parents: { customerId: { id: string } }
          children: { OrderItem: { orderId: Array<{ orderId: string }> } }
        }
    )
    t.equal(graphs.length, 250, 'the filter is honoured')
    t.ok(graphs.every(g => g.entity.status === 'paid'))
    t.ok(graphs.every(g => g.parents.customerId.id === g.entity.customerId))
    t.ok(
      graphs.every(
        g => g.children.OrderItem.orderId.length === 2 &&
          g.children.OrderItem.orderId.every(i => i.orderId === g.entity.id)
      )
    )
    const queries = await storeQueries(app) - before
    t.ok(queries >= 3 * perBatch && queries <= 3 * perBatch + 1, `3 batches of ${perBatch} (${queries})`)
  })
}

t.test('a bad filter is a problem, not a broken stream', async t => {
  const app = await build(t)
  const res = await app.inject('/api/orders/stream?filter=%7B')
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  const empty = await app.inject('/api/orders/stream')
  t.equal(empty.statusCode, 200)
  t.equal(empty.body, '')
})

t.test('a paused client holds back the reads; a client that leaves stops them', async t => {
  const app = await build(t, { env: { STREAM_BATCH_SIZE: '100' } })
  await seedOrders(app, 30_000)
  const base = await listen(app)
  const before = await storeQueries(app, { op: 'stream' })
  const res = await get(`${base}/api/orders/stream?with=all`)
  res.pause()
  await new Promise(resolve => setTimeout(resolve, 500))
  const whilePaused = await storeQueries(app, { op: 'stream' }) - before
  t.ok(whilePaused < 150, `back-pressure: ${whilePaused} of 300 batches read while the client reads nothing`)
  res.destroy()
  await new Promise(resolve => setTimeout(resolve, 300))
  const afterLeaving = await storeQueries(app, { op: 'stream' }) - before
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal(await storeQueries(app, { op: 'stream' }) - before, afterLeaving, 'no reads after the client left')
  t.ok(afterLeaving < 300, 'the stream did not run to the end')
})
