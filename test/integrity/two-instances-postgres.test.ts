// Two server instances on one PostgreSQL database: they start (and migrate) at once, both
// write, both stream, and when both heal at the same time every parked record is healed
// exactly once (the compare-and-move holds across connections) and none is lost.
import t from 'tap'
import { build, post, storeQueries } from '../helper.js'
import { integrityModel } from '../integrity-model.js'
import { openStore } from '../../src/store/open-store.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'

t.test('two apps on one PostgreSQL database write, stream and heal each record once', async t => {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  const env = {
    DATABASE_URL: schemaUrl(schema), HEAL_INTERVAL_MS: '0', HEAL_BATCH_SIZE: '50', STORE_TIMEOUT_MS: '10000'
  }
  const [a, b] = await Promise.all([build(t, { model: integrityModel, env }), build(t, { model: integrityModel, env })])
  await post(a, '/api/customers', { id: 'c1', name: 'Ann' })
  const items = Array.from({ length: 2000 }, (_, i) => ({ id: `item-${i}`, orderId: `ord-${i % 500}` }))
  const halves = [items.slice(0, 1000), items.slice(1000)]
  const written = await Promise.all([a, b].map(async (app, i) =>
    await app.inject({ method: 'POST', url: '/api/order-items', payload: halves[i] })))
  t.same(written.map(res => res.statusCode), [202, 202], 'both park their half')
  await Promise.all([a.healer!.run(), b.healer!.run()])
  // the orders go in behind the apps' backs, so that no poke starts a pass before both race
  const orders = Array.from({ length: 500 }, (_, i) => ({ id: `ord-${i}`, customerId: 'c1' }))
  await a.relata.store.upsertMany('Order', orders)
  const [healedByA, healedByB] = await Promise.all([a.healer!.run(), b.healer!.run()])
  t.equal(healedByA! + healedByB!, items.length, `healed ${healedByA} + ${healedByB}: each record once`)
  t.ok(await storeQueries(a, { op: 'moveMany' }) >= 40, 'A tried every batch')
  t.ok(await storeQueries(b, { op: 'moveMany' }) >= 40, 'B tried every batch too')
  const streams = await Promise.all([a, b].map(async app => await app.inject('/api/order-items/stream')))
  for (const res of streams) t.equal(res.body.trim().split('\n').length, items.length, 'each streams every item')
  t.equal(Number((await b.inject('/api/order-items')).headers['x-total-count']), items.length, 'none lost')
  t.equal(Number((await a.inject('/api/_parked/order-items')).headers['x-total-count']), 0)
})

t.test('two stores moving overlapping batches in opposite orders move each record once, without deadlock', async t => {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  const options = { entities: [{ name: 'Parked', refProperties: [] }, { name: 'Done', refProperties: [] }] }
  const stores = [await openStore(schemaUrl(schema), options), await openStore(schemaUrl(schema), options)]
  t.teardown(() => Promise.all(stores.map(async store => await store.close())))
  const records = Array.from({ length: 400 }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}`, rev: '1' }))
  await stores[0]!.upsertMany('Parked', records)
  const moves = records.map(record => ({ id: record.id, rev: '1', doc: { id: record.id, healed: true } }))
  const batches = [moves.slice(0, 300), moves.slice(100).reverse()]
  const moved = await Promise.all(stores.map(async (store, i) => await store.moveMany('Parked', 'Done', batches[i]!)))
  t.equal(moved[0]!.length + moved[1]!.length, 400, `moved ${moved[0]!.length} + ${moved[1]!.length}`)
  t.equal(new Set(moved.flat()).size, 400, 'no record twice')
  t.equal((await stores[1]!.find('Done', { page: 1, size: 0 })).total, 400)
  t.equal((await stores[1]!.find('Parked', { page: 1, size: 0 })).total, 0)
})
