// The HTTP API on the MongoDB store (run on the in-process driver stand-in), side by side with
// the same requests on `sqlite::memory:`: same status, same body, same store round trips.
// Then what is MongoDB's own over HTTP: health and 503s while the server is unreachable, and
// recovery without a restart, and a stream's cursor closed when its client leaves.
import type { FastifyInstance } from 'fastify'
import { MongoNetworkError } from 'mongodb'
import t, { type Test } from 'tap'
import { buildApp } from '../../plugins/app.js'
import { loadConfig } from '../../src/config.js'
import { sampleOrders } from '../../src/sample/sample-data.js'
import { writeShop } from '../../src/sample/seed.js'
import type { Store } from '../../src/store/store.js'
import { build } from '../helper.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { onStandIn } from '../support/mongo-stores.js'
import { checkContract } from '../support/contract.js'
import { q, same, SHOP_SIZE, type Pair } from '../support/side-by-side.js'
import { get, listen } from '../support/socket.js'
// the stand-in's speed says nothing about MongoDB's: no call timeout or load shedding here; SQLite
// builds graphs in batches too (GRAPHS_IN_STORE=false), so that the round trips compare
const ENV = {
  LOG_LEVEL: 'silent',
  SEED: 'false',
  STREAM_BATCH_SIZE: '50',
  STORE_TIMEOUT_MS: '60000',
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
  GRAPHS_IN_STORE: 'false'
}

async function seed (store: Store): Promise<void> {
  await writeShop(store, SHOP_SIZE)
}

async function mongoApp (t: Test, standIn = new MongoStandIn(), env = {}): Promise<FastifyInstance> {
  const config = loadConfig({ DATABASE_URL: 'mongodb://stand-in/relata', ...ENV, ...env })
  const app = await buildApp(config, {
    logger: false,
    openStore: onStandIn(standIn)
  })
  t.teardown(() => app.close())
  checkContract(t, app)
  return app
}

interface Apps extends Pair { standIn: MongoStandIn }

async function bothApps (t: Test): Promise<Apps> {
  const standIn = new MongoStandIn()
  const sqlite = await build(t, { env: ENV })
  const tested = await mongoApp(t, standIn)
  await seed(sqlite.relata.store)
  await seed(tested.relata.store)
  return { sqlite, tested, standIn }
}

t.test('graphs: get, list and stream with=all answer alike with equal round trips', async t => {
  const apps = await bothApps(t)
  const one = await same(t, apps, 'GET', '/api/orders/ord-7?with=all')
  t.equal(one.status, 200)
  t.equal(one.queries, 3, 'the order, its customer, its items')
  await same(t, apps, 'GET', '/api/customers/cust-3?with=all')
  await same(t, apps, 'GET', '/api/orders/none?with=all')
  const ten = await same(t, apps, 'GET', '/api/orders?with=all&size=10')
  t.equal((ten.body as unknown[]).length, 10)
  const page = await same(t, apps, 'GET', '/api/orders?with=all&size=200&sort=-total')
  t.equal((page.body as unknown[]).length, 200)
  t.equal(page.queries, 3, 'a page of 200 graphs: page, customers, items')
  await same(t, apps, 'GET', '/api/orders?with=all&size=200&page=2&sort=status,-createdAt')
  await same(t, apps, 'GET', '/api/customers?with=all&size=20&sort=city')
  await same(t, apps, 'GET', '/api/categories?with=all')
  const stream = await same(t, apps, 'GET', '/api/orders/stream?with=all')
  t.equal((stream.body as unknown[]).length, 300)
  t.ok(stream.queries >= 18 && stream.queries <= 19, `6 batches × (read + customers + items) (${stream.queries})`)
  await same(t, apps, 'GET', `/api/orders/stream?with=all&sort=-total&filter=${q({ status: 'paid' })}`)
})

t.test('filters answer alike; operators outside the whitelist are 400 on both', async t => {
  const apps = await bothApps(t)
  const filters: unknown[] = [
    { status: 'paid' },
    { total: { $gte: 100, $lt: 300 } },
    { $or: [{ status: 'open' }, { customerId: { $in: ['cust-1', 'cust-2'] } }] },
    { status: { $nin: ['paid', 'open'] }, customerId: { $ne: 'cust-4' } },
    { createdAt: { $gt: '2026-01-05' } },
    { status: { $exists: true }, customerId: { $in: ['cust-3', null] } },
    { status: null }
  ]
  for (const filter of filters) await same(t, apps, 'GET', `/api/orders?size=500&filter=${q(filter)}`)
  const refused: unknown[] = [
    { $where: 'sleep(1000)' },
    { status: { $regex: '^p' } },
    { $expr: { $gt: ['$total', 0] } },
    { total: { $function: { body: 'return true', args: [], lang: 'js' } } },
    { 'status.$x': 1 },
    { missing: { $exists: false } }
  ]
  for (const filter of refused) {
    const res = await same(t, apps, 'GET', `/api/orders?filter=${q(filter)}`)
    t.equal(res.status, 400, JSON.stringify(filter))
    t.equal(res.queries, 0, 'refused before the store')
    t.match(res.type, /problem\+json/)
  }
})

t.test('bulk writes are all or nothing on both', async t => {
  const apps = await bothApps(t)
  const batch = [
    { id: 'n1', name: 'New', email: 'n1@example.com' },
    { id: 'n2', name: 'Bad', email: 42 },
    { id: 'n3', name: 'Three', email: 'n3@example.com' }
  ]
  const refused = await same(t, apps, 'POST', '/api/customers', batch)
  t.equal(refused.status, 400)
  await same(t, apps, 'GET', `/api/customers?filter=${q({ id: { $in: ['n1', 'n2', 'n3'] } })}`)
  const good = await same(t, apps, 'POST', '/api/customers', [batch[0], { ...batch[1], email: 'n2@example.com' }])
  t.equal(good.status, 201)
  t.equal(good.queries, 1, 'one upsertMany')
  await same(t, apps, 'GET', '/api/customers/n2?with=all')
  await same(t, apps, 'DELETE', '/api/customers/n2')
  await same(t, apps, 'GET', '/api/customers?size=100')
})

t.test('while the server is unreachable: health and requests are 503, and both recover', async t => {
  const standIn = new MongoStandIn()
  const app = await mongoApp(t, standIn)
  await seed(app.relata.store)
  const up = await app.inject('/health')
  t.same([up.statusCode, up.json()], [200, { status: 'ok', store: { kind: 'mongodb', read: 'ok', write: 'ok' } }])
  standIn.fault(new MongoNetworkError('connect ECONNREFUSED 10.0.0.5:27017'))
  const down = await app.inject('/health')
  t.equal(down.statusCode, 503)
  t.equal(down.headers['retry-after'], '5')
  t.match(down.headers['content-type'], /^application\/problem\+json/)
  t.match(down.json(), { title: 'Store unavailable', detail: 'mongodb store: ping failed' })
  t.notMatch(down.body, /ECONNREFUSED|10\.0\.0\.5/, 'the driver\'s text stays in the log')
  for (const url of ['/api/orders/ord-1?with=all', '/api/orders?with=all', '/api/orders/stream']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 503, url)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  const write = await app.inject({
    method: 'POST',
    url: '/api/categories',
    payload: { id: 'cat-9', name: 'Nine', parentId: null }
  })
  t.equal(write.statusCode, 503)
  standIn.fault(undefined)
  // the connection drops after two of four writes: the transaction leaves none behind
  standIn.failWritesAfter(2, new MongoNetworkError('connection reset'))
  const batch = ['a', 'b', 'c', 'd'].map(id => ({ id: `cat-${id}`, name: id, parentId: null }))
  t.equal((await app.inject({ method: 'POST', url: '/api/categories', payload: batch })).statusCode, 503)
  t.equal(
    (await app.inject('/api/categories?size=100')).headers['x-total-count'],
    '6',
    'only the six seeded categories'
  )
  t.equal((await app.inject('/health')).statusCode, 200, 'back without a restart')
  t.equal((await app.inject('/api/orders/ord-1?with=all')).json().entity.id, 'ord-1')
})

t.test('requests writing one record at once all answer 201: a write conflict is retried', async t => {
  const standIn = new MongoStandIn()
  const app = await mongoApp(t, standIn)
  const writes = ['a', 'b', 'c'].map(name => app.inject({
    method: 'POST',
    url: '/api/categories',
    payload: [{ id: 'cat-x', name, parentId: null }, { id: `cat-${name}`, name, parentId: null }]
  }))
  const answers = await Promise.all(writes)
  t.same(answers.map(res => res.statusCode), [201, 201, 201], 'all written')
  t.ok(standIn.roundTrips.filter(command => command === 'bulkWrite').length > 3, 'the conflicts happened')
})

t.test('a read past STORE_TIMEOUT_MS answers 503, and the server stops it too (maxTimeMS)', async t => {
  const standIn = new MongoStandIn()
  const app = await mongoApp(t, standIn, { STORE_TIMEOUT_MS: '200' })
  standIn.slowReads(2000)
  const res = await app.inject('/api/orders?size=5')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.match(res.json(), { title: 'Store unavailable', detail: /did not answer within STORE_TIMEOUT_MS|time limit/ })
  await new Promise(resolve => setTimeout(resolve, 100))
  t.equal(standIn.running, 0, 'nothing still runs on the server for the request given up')
})

t.test('a client that leaves a stream closes its cursor', async t => {
  const standIn = new MongoStandIn()
  const app = await mongoApp(t, standIn)
  // enough that socket buffers cannot take the whole stream while the client reads nothing
  await app.relata.store.upsertMany('Order', sampleOrders({ ...SHOP_SIZE, orders: 30_000 }).orders)
  const res = await get(`${await listen(app)}/api/orders/stream?with=all`)
  t.equal(res.statusCode, 200)
  res.pause()
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(standIn.openCursors.size, 1, 'the paused stream holds one open cursor')
  res.destroy()
  for (let i = 0; i < 100 && standIn.openCursors.size > 0; i++) await new Promise(resolve => setTimeout(resolve, 10))
  t.equal(standIn.openCursors.size, 0, 'closed once the client went away')
})

t.test('DATABASE_URL selects the MongoDB store', async t => {
  const error = await buildApp(
    loadConfig({ DATABASE_URL: 'mongodb://127.0.0.1:9/relata?serverSelectionTimeoutMS=200', ...ENV }),
    { logger: false }
  ).then(
    () => undefined,
    (e: unknown) => e
  )
  t.match((error as Error).message, /mongodb store: cannot connect to the server/)
})
