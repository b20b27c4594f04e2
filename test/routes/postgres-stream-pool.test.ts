// Streams with graphs on a small PostgreSQL pool: each stream holds a connection while it runs
// and its batches' graphs need more of the same pool, so streams take at most half the pool
// (stream-slots.ts); more streams than that wait their turn instead of starving the graph reads
// of connections until every one of them times out.
import t from 'tap'
import { writeShop } from '../../src/sample/seed.js'
import { build } from '../helper.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'

t.test('six streams with=all at once on a pool of two all answer every order', async t => {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  const env = { DATABASE_URL: schemaUrl(schema), PG_POOL_SIZE: '2', STORE_TIMEOUT_MS: '4000', STREAM_BATCH_SIZE: '20' }
  const app = await build(t, { env })
  await writeShop(app.relata.store, { customers: 10, products: 10, orders: 200, itemsPerOrder: 2 })
  const streams = await Promise.all(Array.from({ length: 6 }, async () =>
    await app.inject('/api/orders/stream?with=all')))
  t.same(streams.map(res => res.statusCode), [200, 200, 200, 200, 200, 200])
  for (const res of streams) {
    const lines = res.body.split('\n').filter(line => line !== '')
    t.equal(lines.length, 200, 'every order')
    t.ok(res.body.endsWith('\n'), 'the stream was not cut')
    t.equal((JSON.parse(lines[0]!) as { children: { OrderItem: { orderId: unknown[] } } })
      .children.OrderItem.orderId.length, 2, 'with its items')
  }
})
