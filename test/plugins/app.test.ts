import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, MEASURED_PARTS } from '../../plugins/app.js'
import { loadConfig } from '../../src/config.js'
import { ModelError, StoreUnavailableError } from '../../src/errors.js'
import { build } from '../helper.js'

const quiet = { DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' as const }

t.test('serves a JSON model from MODEL_PATH', async t => {
  const app = await build(t, {
    env: { MODEL_PATH: new URL('../../examples/library-model.json', import.meta.url).pathname }
  })
  const created = await app.inject({ method: 'POST', url: '/api/book-reviews', payload: { bookId: 'b1', stars: 4 } })
  t.equal(created.statusCode, 201)
  const graph = (await app.inject(`/api/book-reviews/${created.json().id}?with=all`)).json()
  t.same(graph.parents, { bookId: null })
  t.equal((await app.inject('/api/customers')).statusCode, 404, 'the sample model is not served')
})

t.test('refuses to start on a broken model, naming the culprit', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-model-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'model.json')
  await writeFile(
    path,
    JSON.stringify({
      entities: {
        Order: { schema: { type: 'object', properties: { customerId: { type: 'string', 'x-parent': 'Customer' } } } }
      }
    })
  )
  await t.rejects(buildApp(loadConfig({ ...quiet, MODEL_PATH: path }), { logger: false }),
    { name: ModelError.name, message: /entity 'Order' property 'customerId' references unknown entity 'Customer'/ })
  await writeFile(path, '{ "entities": ')
  await t.rejects(buildApp(loadConfig({ ...quiet, MODEL_PATH: path }), { logger: false }), {
    name: ModelError.name,
    message: /cannot load model from .*model\.json/
  })
  await t.rejects(buildApp(loadConfig({ ...quiet, MODEL_PATH: join(dir, 'missing.json') }), { logger: false }), {
    name: ModelError.name,
    message: /missing\.json/
  })
  await writeFile(path, JSON.stringify({ entities: { A: { schema: 'object' } } }))
  await t.rejects(buildApp(loadConfig({ ...quiet, MODEL_PATH: path }), { logger: false }), {
    message: /entity 'A' has no "schema" object/
  })
})

t.test('refuses to start on an unusable store', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-store-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'a-file')
  await writeFile(file, 'not a directory')
  await t.rejects(buildApp(loadConfig({ ...quiet, DATABASE_URL: `sqlite:${file}/x.db` }), { logger: false }), {
    message: /sqlite store: cannot create the directory of/
  })
  await writeFile(join(dir, 'garbage.db'), 'this is not an SQLite database, just text '.repeat(100))
  await t.rejects(
    buildApp(loadConfig({ ...quiet, DATABASE_URL: `sqlite:${join(dir, 'garbage.db')}` }), { logger: false }),
    { message: /sqlite/ }
  )
  await t.rejects(
    buildApp(loadConfig({ ...quiet, DATABASE_URL: 'mongodb://localhost:1/x?serverSelectionTimeoutMS=200' }), {
      logger: false
    }),
    { message: /mongodb store: cannot connect to the server/ }
  )
})

t.test('a database directory that cannot exist fails start-up at once with one line naming it', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-store-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  // fs.mkdir's recursive mode loops forever on both: mkdir there says ENOENT though the parent exists
  await symlink(join(dir, 'missing'), join(dir, 'dangling'))
  const paths = [join(dir, 'dangling', 'data', 'x.db'), ...(existsSync('/proc/self') ? ['/proc/forbidden/x.db'] : [])]
  for (const path of paths) {
    const start = performance.now()
    const error = await buildApp(loadConfig({ ...quiet, DATABASE_URL: `sqlite:${path}` }), { logger: false })
      .then(() => undefined, (e: unknown) => e)
    const ms = performance.now() - start
    t.ok(error instanceof StoreUnavailableError, `${path}: a store error, not Fastify's plugin timeout`)
    t.match((error as Error).message, `sqlite store: cannot create the directory of '${path}' (ENOENT: `)
    t.notMatch((error as Error).message, /\n/, 'one line')
    t.ok(ms < 3000, `${path}: refused after ${ms.toFixed(0)} ms, long before the 10 s plugin timeout`)
  }
})

t.test('seeds the sample shop into an empty store, once', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-seed-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const env = { ...quiet, DATABASE_URL: `sqlite:${join(dir, 'shop.db')}` }
  const first = await buildApp(loadConfig(env), { logger: false })
  const graph = (await first.inject('/api/orders/ord-1?with=all')).json()
  t.equal(graph.entity.id, 'ord-1')
  t.equal(graph.parents.customerId.id, graph.entity.customerId)
  t.equal(graph.children.OrderItem.orderId.length, 3)
  await first.inject({ method: 'DELETE', url: '/api/orders/ord-2' })
  await first.close()
  const second = await buildApp(loadConfig(env), { logger: false })
  t.teardown(() => second.close())
  t.equal((await second.inject('/api/orders/ord-2')).statusCode, 404, 'a store with data is not seeded again')
  t.equal((await second.inject('/api/orders?size=1')).headers['x-total-count'], '99')
})

t.test('bench/hooks.ts can leave parts of the request path out; every part is there by default', async t => {
  const full = await build(t)
  const bare = await build(t, { without: new Set(MEASURED_PARTS) })
  for (const app of [full, bare]) {
    await app.inject({ method: 'POST', url: '/api/customers', payload: { id: 'c1', name: 'Ada', email: 'a@x.org' } })
  }
  const served = await full.inject('/api/customers/c1?typo=1')
  t.equal(served.statusCode, 400, 'the query names are checked')
  const answer = await full.inject('/api/customers/c1')
  t.equal(answer.headers['x-content-type-options'], 'nosniff', 'with the security headers')
  t.match(await full.metrics.registry.getSingleMetricAsString('relata_store_queries_total'), /op="get"/,
    'and the round trips counted')
  const stripped = await bare.inject('/api/customers/c1')
  t.equal(stripped.statusCode, 200)
  t.same(stripped.json(), answer.json(), 'without them, the same document')
  t.equal(stripped.headers['x-content-type-options'], undefined, 'without the security headers')
  t.equal((await bare.inject('/api/customers/c1?typo=1')).statusCode, 400,
    'the query names are still checked: once per query string, with its values, it is no part to leave out')
  t.notMatch(await bare.metrics.registry.getSingleMetricAsString('relata_store_queries_total'), /op="get"/,
    'without counting round trips')
})
