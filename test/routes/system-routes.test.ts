import t from 'tap'
import { readFile } from 'node:fs/promises'
import { StoreUnavailableError } from '../../src/errors.js'
import { build, storeQueries } from '../helper.js'

t.test('health reports the store, reads and writes apart', async t => {
  const app = await build(t)
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok', store: { kind: 'sqlite', read: 'ok', write: 'ok' } })
  const writeStatus = app.relata.store.writeStatus
  app.relata.store.writeStatus = async () => 'locked'
  const locked = await app.inject('/health')
  t.equal(locked.statusCode, 200, 'locked writes: still 200')
  t.same(locked.json().store, { kind: 'sqlite', read: 'ok', write: 'locked' })
  app.relata.store.writeStatus = async () => { throw new StoreUnavailableError('sqlite: disk I/O error') }
  const writesDown = await app.inject('/health')
  t.equal(writesDown.statusCode, 200, 'reads work: 200')
  t.same(writesDown.json().store, { kind: 'sqlite', read: 'ok', write: 'unavailable' })
  app.relata.store.writeStatus = writeStatus
  app.relata.store.ping = async () => {
    const { StoreUnavailableError } = await import('../../src/errors.js')
    throw new StoreUnavailableError('sqlite: database is locked')
  }
  const down = await app.inject('/health')
  t.equal(down.statusCode, 503)
  t.equal(down.headers['retry-after'], '5')
  t.match(down.json(), { title: 'Store unavailable', detail: 'sqlite: database is locked' })
})

t.test('metrics count store round trips by entity and op', async t => {
  const app = await build(t)
  await app.inject('/api/orders/none')
  t.equal(await storeQueries(app, { entity: 'Order', op: 'get' }), 1)
  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain/)
  t.match(res.body, /relata_store_queries_total\{entity="Order",op="get"\} 1/)
  t.match(res.body, /process_cpu_user_seconds_total/, 'default process metrics')
})

t.test('the OpenAPI document covers every model route and matches openapi/openapi.json', async t => {
  const app = await build(t)
  const res = await app.inject('/openapi.json')
  t.equal(res.statusCode, 200)
  const spec = res.json()
  t.equal(spec.openapi, '3.1.0')
  for (const route of ['categories', 'customers', 'products', 'orders', 'order-items']) {
    t.ok(spec.paths[`/api/${route}/`] ?? spec.paths[`/api/${route}`], `${route} list`)
    t.ok(spec.paths[`/api/${route}/stream`], `${route} stream`)
    const byId = spec.paths[`/api/${route}/{id}`]
    t.ok(
      byId.get.parameters.some((p: { name: string, in: string }) => p.name === 'with' && p.in === 'query'),
      `${route} get has with`
    )
  }
  t.ok(spec.components.schemas.OrderGraph, 'graph schemas are components')
  t.same(Object.keys(spec.components.schemas.OrderGraph.properties.parents.properties), ['customerId'])
  const committed = JSON.parse(await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
  t.same(spec, committed, 'openapi/openapi.json is up to date: run `npm run openapi`')
})

t.test('Swagger UI is served', async t => {
  const app = await build(t)
  const res = await app.inject('/docs/')
  t.equal(res.statusCode, 200)
  t.match(res.body, /swagger/i)
})
