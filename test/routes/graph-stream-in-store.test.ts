// NDJSON streams of graphs built by the store (GRAPHS_IN_STORE), on PostgreSQL and SQLite: each
// row's graph is read as JSON text, so a chunk is one round trip (PostgreSQL's FETCH, SQLite's
// keyset batch) where the batched path makes 1 + one per relationship; the lines are byte for
// byte the batched path's, with cut lists' next links, fields, counts, filters, sorts and
// cursors; the row budget shrinks the chunks or refuses the stream with a problem. Over a real
// socket: a client that leaves stops the reads (PostgreSQL: closes the cursor and frees the
// connection).
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { writeShop } from '../../src/sample/seed.js'
import { build, countQueries, storeQueries } from '../helper.js'
import { GRAPH_STORES, graphStoreUrl, type GraphStore } from '../support/graph-stores.js'
import { busyStates } from '../support/postgres.js'
import { get, listen, pollUntil } from '../support/socket.js'

const ORDERS = 30
const BATCH = 7
const ENV = { STREAM_BATCH_SIZE: String(BATCH), CHILD_LIMIT: '2', STORE_TIMEOUT_MS: '10000' }

interface TwoApps { statement: FastifyInstance, batched: FastifyInstance, application: string }

async function twoApps (t: Test, store: GraphStore, env: Record<string, string> = {}): Promise<TwoApps> {
  const application = `relata-graph-stream-${process.pid}-${Math.random().toString(36).slice(2)}`
  const url = await graphStoreUrl(t, store, application)
  const statement = await build(t, { env: { ...ENV, ...env, DATABASE_URL: url, GRAPHS_IN_STORE: 'true' } })
  const batched = await build(t, { env: { ...ENV, ...env, DATABASE_URL: url, GRAPHS_IN_STORE: 'false' } })
  await writeShop(statement.relata.store, { customers: 4, products: 5, orders: ORDERS, itemsPerOrder: 3 })
  return { statement, batched, application }
}

interface Streamed { status: number, body: string, queries: number }

async function streamed (app: FastifyInstance, url: string): Promise<Streamed> {
  let res!: Awaited<ReturnType<FastifyInstance['inject']>>
  const queries = await countQueries(app, async () => { res = await app.inject(url) })
  return { status: res.statusCode, body: res.body, queries }
}

const STREAMS = [
  '/api/orders/stream?with=all',
  '/api/orders/stream?with=all&depth=2',
  '/api/orders/stream?with=customerId',
  '/api/orders/stream?with=OrderItem&limit[OrderItem]=1&sort[OrderItem]=-quantity',
  '/api/orders/stream?with=all&fields=status&fields[customerId]=name&fields[OrderItem]=quantity',
  '/api/orders/stream?with=customerId&count=OrderItem',
  `/api/orders/stream?with=all&sort=-total&filter=${encodeURIComponent('{"status":{"$in":["paid","shipped"]}}')}`,
  '/api/customers/stream?with=Order&limit[Order]=2',
  '/api/orders/stream?with=all&filter=%7B%22status%22%3A%22no-such-status%22%7D'
]

for (const store of GRAPH_STORES) {
  t.test(`${store}: graph streams built by the store: the batched path's bytes, one round trip per chunk`, async t => {
    const { statement, batched } = await twoApps(t, store)
    for (const url of STREAMS) {
      const [mine, theirs] = [await streamed(statement, url), await streamed(batched, url)]
      t.equal(mine.status, 200, url)
      t.equal(mine.body, theirs.body, `${url}: the same lines`)
      const lines = mine.body.split('\n').filter(line => line !== '').length
      // one FETCH or batch per chunk; the row read ahead spares the read after the last full chunk
      const chunks = Math.max(1, Math.ceil(lines / BATCH))
      t.equal(mine.queries, chunks, `${url}: ${lines} lines in ${mine.queries} round trips`)
      if (lines > 0) t.ok(theirs.queries > mine.queries, `${url}: batched took ${theirs.queries}`)
    }
    const cut = await streamed(statement, STREAMS[3]!)
    t.match(cut.body, /"next":"\/api\/order-items\?filter=/, 'cut lists carry their next links')
    t.equal(cut.body.split('\n').filter(line => line !== '').length, ORDERS)
  })

  t.test(`${store}: the row budget shrinks a graph stream's chunks, or refuses it with a problem`, async t => {
    // with=all: 1 customer and up to 2 items per order (CHILD_LIMIT), so 3 rows per order: 9 fit in 3 orders
    const { statement, batched } = await twoApps(t, store, { ROW_BUDGET: '9' })
    const url = '/api/orders/stream?with=all'
    const [mine, theirs] = [await streamed(statement, url), await streamed(batched, url)]
    t.equal(mine.body, theirs.body)
    t.equal(mine.queries, ORDERS / 3, 'chunks of 3 orders, one round trip each')
    const refused = await statement.inject('/api/orders/stream?with=all&depth=3')
    t.equal(refused.statusCode, 422)
    t.match(refused.headers['content-type'], /application\/problem\+json/)
    t.match(refused.json(), { type: 'urn:relata:problem:row-budget-exceeded', status: 422, detail: /ROW_BUDGET/ })
  })
}

t.test('postgres: a client that leaves a graph stream closes its cursor and frees its connection', async t => {
  const { statement, application } = await twoApps(t, 'postgres', { STREAM_BATCH_SIZE: '50' })
  await writeShop(statement.relata.store, { customers: 20, products: 20, orders: 20_000, itemsPerOrder: 3 })
  const res = await get(`${await listen(statement)}/api/orders/stream?with=all`)
  t.equal(res.statusCode, 200)
  res.pause()
  // once the socket's buffers are full the stream stops fetching (it reads one batch ahead, so a
  // FETCH may still be running for a while on a loaded machine): then its cursor waits, open
  const busy = (): Promise<string[]> => busyStates(application)
  const paused = await pollUntil(busy, states => states.join() === 'idle in transaction', 250, 20)
  t.same(paused, ['idle in transaction'], 'the paused stream holds its cursor open')
  res.destroy()
  const left = await pollUntil(busy, states => states.length === 0, 150, 20)
  t.same(left, [], 'the cursor is closed once the client went away')
  const after = await statement.inject('/api/orders?with=all&size=3')
  t.equal(after.statusCode, 200, 'the pool serves the next request')
})

t.test('sqlite: a client that leaves a graph stream stops its reads', async t => {
  const { statement } = await twoApps(t, 'sqlite', { STREAM_BATCH_SIZE: '50' })
  await writeShop(statement.relata.store, { customers: 20, products: 20, orders: 20_000, itemsPerOrder: 3 })
  const res = await get(`${await listen(statement)}/api/orders/stream?with=all`)
  t.equal(res.statusCode, 200)
  await new Promise(resolve => res.once('data', resolve))
  res.destroy()
  const batches = (): Promise<number> => storeQueries(statement, { op: 'streamGraphs' })
  // the batch in flight when the client left may still be counted: wait until the count stands still
  let last = -1
  const read = await pollUntil(async () => { const before = last; last = await batches(); return before },
    before => before === last, 50, 100)
  t.ok(read < 20_000 / 50, `the stream stopped after ${read} of 400 batches`)
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal(await batches(), read, 'and reads no more')
  const after = await statement.inject('/api/orders?with=all&size=3')
  t.equal(after.statusCode, 200, 'the store serves the next request')
})
