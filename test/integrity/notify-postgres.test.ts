// HEAL_NOTIFY on PostgreSQL: two instances on one database, records parked on one, their
// parents written on the other, whose own healer is stopped: only the message through
// LISTEN/NOTIFY can start the healing, and it does, also after the server ended the listening
// connection. Without HEAL_NOTIFY the records stay parked until a sweep.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { build, post, storeQueries } from '../helper.js'
import { integrityModel } from '../integrity-model.js'
import { createSchema, dropSchema, schemaUrl, terminateConnections } from '../support/postgres.js'
import { payloads } from '../../src/store/postgres/notifications.js'

let apps = 0

interface TwoApps { a: FastifyInstance, b: FastifyInstance, names: string[] }

async function twoApps (t: Test, notify: boolean): Promise<TwoApps> {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  const names = [`relata-notify-${process.pid}-${++apps}`, `relata-notify-${process.pid}-${++apps}`]
  const env = { HEAL_INTERVAL_MS: '0', STORE_TIMEOUT_MS: '10000', HEAL_NOTIFY: String(notify) }
  const [a, b] = await Promise.all(names.map(async name =>
    await build(t, { model: integrityModel, env: { ...env, DATABASE_URL: schemaUrl(schema, name) } })))
  await Promise.all([a!.ready(), b!.ready()])
  await post(a!, '/api/customers', { id: 'c1', name: 'Ann' })
  return { a: a!, b: b!, names }
}

/** Parks `count` items on `b` waiting for orders `prefix-0…`, then writes the orders on `a`. */
async function parkThenWrite (t: Test, a: FastifyInstance, b: FastifyInstance, prefix: string,
  count: number): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => ({ id: `${prefix}-item-${i}`, orderId: `${prefix}-${i}` }))
  const parked = await b.inject({ method: 'POST', url: '/api/order-items', payload: items })
  t.equal(parked.statusCode, 202, 'parked on B')
  const orders = Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, customerId: 'c1' }))
  const written = await a.inject({ method: 'POST', url: '/api/orders', payload: orders })
  t.equal(written.statusCode, 201, 'the orders written on A')
}

async function parkedCount (app: FastifyInstance): Promise<number> {
  return Number((await app.inject('/api/_parked/order-items')).headers['x-total-count'])
}

async function healedWithin (app: FastifyInstance, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await parkedCount(app) === 0) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return false
}

t.test('a parent written on one instance pokes the healer of the other', async t => {
  const { a, b, names } = await twoApps(t, true)
  await a.healer!.stop()
  await parkThenWrite(t, a, b, 'ord', 300)
  t.ok(await healedWithin(b, 10_000), 'B healed what A wrote the parents of')
  t.equal(Number((await b.inject('/api/order-items')).headers['x-total-count']), 300, 'every item stored')
  t.ok(await storeQueries(a, { op: 'notify' }) >= 1, 'A told the others')
  const metrics = (await b.inject('/metrics')).body
  t.match(metrics, /relata_healed_total\{entity="OrderItem"\} 300/, 'B healed them all')

  // the server ends every connection, the listening one too: it is opened again
  await terminateConnections(names[1]!)
  await new Promise(resolve => setTimeout(resolve, 1500))
  let healed = false
  for (let attempt = 0; attempt < 5 && !healed; attempt++) {
    await parkThenWrite(t, a, b, `again${attempt}`, 5)
    healed = await healedWithin(b, 3000)
  }
  t.ok(healed, 'B hears again after its connection was ended')
})

t.test('without HEAL_NOTIFY the records wait for a sweep', async t => {
  const { a, b } = await twoApps(t, false)
  await a.healer!.stop()
  await parkThenWrite(t, a, b, 'ord', 50)
  t.notOk(await healedWithin(b, 1500), 'still parked')
  t.equal(await parkedCount(b), 50)
  t.equal(await b.healer!.run(), 50, 'a sweep heals them')
})

t.test('ids are sent in messages under the size NOTIFY takes', async t => {
  const ids = Array.from({ length: 3000 }, (_, i) => `order-${i}-${'x'.repeat(i % 40)}`)
  const texts = payloads('me', 'Order', ids)
  t.ok(texts.length > 1, `${texts.length} messages`)
  t.ok(texts.every(text => Buffer.byteLength(text) < 8000), 'each under 8,000 bytes')
  t.same(texts.flatMap(text => (JSON.parse(text) as { ids: string[] }).ids), ids, 'every id once, in order')
  t.same(payloads('me', 'Order', []), [], 'nothing to tell, no message')
})
