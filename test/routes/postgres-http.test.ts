// The HTTP API on the PostgreSQL store (a real server, PG_TEST_URL), side by side with the same
// requests on `sqlite::memory:`: same status, same body, same store round trips. Then what is
// PostgreSQL's own over HTTP: 503 while its connections are ended and recovery without a
// restart, a stream's cursor closed when its client leaves, start-up errors.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../plugins/app.js'
import { loadConfig } from '../../src/config.js'
import { sampleOrders } from '../../src/sample/sample-data.js'
import { writeShop } from '../../src/sample/seed.js'
import { build } from '../helper.js'
import {
  busyStates, createSchema, dropSchema, PG_TEST_URL, schemaUrl, terminateConnections
} from '../support/postgres.js'
import { q, same, SHOP_SIZE, type Pair } from '../support/side-by-side.js'
import { get, listen, pollUntil } from '../support/socket.js'
const ENV = {
  LOG_LEVEL: 'silent',
  SEED: 'false',
  STREAM_BATCH_SIZE: '50',
  STORE_TIMEOUT_MS: '10000',
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
  // the batched path, round trip for round trip as on SQLite; graphs in one statement: postgres-graphs.test.ts
  GRAPHS_IN_STORE: 'false'
}
let apps = 0

interface PostgresApp { app: FastifyInstance, application: string }

async function postgresApp (t: Test): Promise<PostgresApp> {
  const schema = await createSchema()
  const application = `relata-http-${process.pid}-${++apps}`
  const app = await build(t, { env: { ...ENV, DATABASE_URL: schemaUrl(schema, application) } })
  t.teardown(() => dropSchema(schema))
  return { app, application }
}

async function bothApps (t: Test): Promise<Pair> {
  const sqlite = await build(t, { env: ENV })
  const { app: tested } = await postgresApp(t)
  await writeShop(sqlite.relata.store, SHOP_SIZE)
  await writeShop(tested.relata.store, SHOP_SIZE)
  return { sqlite, tested }
}

t.test('graphs: get, list and stream with=all answer alike with equal round trips', async t => {
  const apps = await bothApps(t)
  const one = await same(t, apps, 'GET', '/api/orders/ord-7?with=all')
  t.equal(one.status, 200)
  t.equal(one.queries, 3, 'the order, its customer, its items')
  await same(t, apps, 'GET', '/api/customers/cust-3?with=all')
  await same(t, apps, 'GET', '/api/orders/none?with=all')
  const page = await same(t, apps, 'GET', '/api/orders?with=all&size=200&sort=-total')
  t.equal((page.body as unknown[]).length, 200)
  t.equal(page.queries, 3, 'a page of 200 graphs: page, customers, items')
  await same(t, apps, 'GET', '/api/orders?with=all&size=200&page=2&sort=status,-createdAt')
  await same(t, apps, 'GET', '/api/customers?with=all&size=20&sort=city&limit[Order]=2&sort[Order]=-total')
  await same(t, apps, 'GET', '/api/categories?with=all')
  const deep = await same(t, apps, 'GET', '/api/orders?with=all&depth=2&size=20&limit[OrderItem]=2')
  t.equal(deep.status, 200)
  const stream = await same(t, apps, 'GET', '/api/orders/stream?with=all')
  t.equal((stream.body as unknown[]).length, 300)
  await same(t, apps, 'GET', `/api/orders/stream?with=all&sort=-total&filter=${q({ status: 'paid' })}`)
  const first = await same(t, apps, 'GET', '/api/orders?size=7&sort=-total,status')
  const links = (await apps.tested.inject('/api/orders?size=7&sort=-total,status')).headers.link
  const link = /<([^>]+)>; rel="next"/.exec(String(links))
  if (link !== null) await same(t, apps, 'GET', link[1]!.replace(/^https?:\/\/[^/]+/, ''))
  t.equal(first.status, 200)
})

t.test('filters and relation filters answer alike; refused ones are 400 before the store', async t => {
  const apps = await bothApps(t)
  const filters: unknown[] = [
    { status: 'paid' },
    { total: { $gte: 100, $lt: 300 } },
    { $or: [{ status: 'open' }, { customerId: { $in: ['cust-1', 'cust-2'] } }] },
    { status: { $nin: ['paid', 'open'] }, customerId: { $ne: 'cust-4' } },
    { createdAt: { $gt: '2026-01-05' } },
    { status: { $exists: true }, customerId: { $in: ['cust-3', null] } },
    { status: null },
    { OrderItem: { $some: { quantity: { $gte: 3 } } } },
    { OrderItem: { $none: {} } }
  ]
  for (const filter of filters) await same(t, apps, 'GET', `/api/orders?size=500&filter=${q(filter)}`)
  for (const filter of [{ $where: 'sleep(1000)' }, { "status'; DROP TABLE \"Order\"; --": 1 }, { 'status.$x': 1 }]) {
    const res = await same(t, apps, 'GET', `/api/orders?filter=${q(filter)}`)
    t.equal(res.status, 400, JSON.stringify(filter))
    t.equal(res.queries, 0, 'refused before the store')
    t.match(res.type, /problem\+json/)
  }
})

t.test('bulk writes are all or nothing on both', async t => {
  const apps = await bothApps(t)
  const batch = [{ id: 'n1', name: 'New', email: 'n1@example.com' }, { id: 'n2', name: 'Bad', email: 42 }]
  t.equal((await same(t, apps, 'POST', '/api/customers', batch)).status, 400)
  const good = await same(t, apps, 'POST', '/api/customers', [batch[0], { ...batch[1], email: 'n2@example.com' }])
  t.equal(good.status, 201)
  t.equal(good.queries, 1, 'one upsertMany')
  await same(t, apps, 'GET', '/api/customers/n2?with=all')
  await same(t, apps, 'DELETE', '/api/customers/n2')
  await same(t, apps, 'GET', '/api/customers?size=100')
})

t.test('a write of a string jsonb cannot hold is a 400 naming the property', async t => {
  const { app } = await postgresApp(t)
  const payload = [{ id: 'c1', name: 'ok', parentId: null }, { id: 'c2', name: 'a\u0000b', parentId: null }]
  const res = await app.inject({ method: 'POST', url: '/api/categories', payload })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /problem\+json/)
  t.match(res.json(), { errors: [{ path: '/1/name', message: /U\+0000/ }] })
  t.equal((await app.inject('/api/categories/c1')).statusCode, 404, 'nothing of the batch')
})

t.test('connections ended by the server: 503 with Retry-After at worst, then answers without a restart', async t => {
  const { app, application } = await postgresApp(t)
  await writeShop(app.relata.store, SHOP_SIZE)
  t.equal((await app.inject('/api/orders/ord-1?with=all')).statusCode, 200)
  t.ok(await terminateConnections(application) >= 1, 'the pool\'s idle connections')
  // the pool drops connections it sees end; a request may still meet one that has not been noticed
  const during = await app.inject('/api/orders/ord-1?with=all')
  if (during.statusCode !== 200) {
    t.equal(during.statusCode, 503)
    t.equal(during.headers['retry-after'], '5')
    t.match(during.headers['content-type'], /^application\/problem\+json/)
  }
  t.equal((await app.inject('/api/orders/ord-1?with=all')).json().entity.id, 'ord-1', 'answers again')
  const health = await app.inject('/health')
  t.equal(health.statusCode, 200)
  t.match(health.json(), { store: { kind: 'postgres', read: 'ok' } })
})

t.test('a client that leaves a stream closes its cursor and frees its connection', async t => {
  const { app, application } = await postgresApp(t)
  // enough that socket buffers cannot take the whole stream while the client reads nothing
  await app.relata.store.upsertMany('Order', sampleOrders({ ...SHOP_SIZE, orders: 30_000 }).orders)
  const res = await get(`${await listen(app)}/api/orders/stream?with=all`)
  t.equal(res.statusCode, 200)
  res.pause()
  await new Promise(resolve => setTimeout(resolve, 200))
  t.same(await busyStates(application), ['idle in transaction'], 'the paused stream holds its cursor open')
  res.destroy()
  const state = await pollUntil(() => busyStates(application), states => states.length === 0, 100, 20)
  t.same(state, [], 'the cursor is closed once the client went away')
})

t.test('DATABASE_URL selects the PostgreSQL store; start-up stops with one line without the password', async t => {
  const url = new URL(PG_TEST_URL)
  url.password = 'not-the-password'
  const error = await buildApp(loadConfig({ ...ENV, DATABASE_URL: url.toString() }), { logger: false })
    .then(() => undefined, (e: unknown) => e)
  t.match((error as Error).message, /^postgres store: cannot open postgres:\/\/relata_test@\S+ \(28P01: password/)
  t.notMatch((error as Error).message, /not-the-password/)
})
