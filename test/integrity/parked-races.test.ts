// Writes racing the healer over the same id keep every guarantee, on every store: a healer that
// read a parked record before a DELETE, PATCH or PUT of its id moves nothing (its revision is
// gone), so a deleted document never comes back and no write is lost or applied twice; and two
// apps sharing one store, healing while clients write through both, leave each id exactly once.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { createMemoryStore } from '../../src/store/memory/memory-store.js'
import type { Move, Store } from '../../src/store/store.js'
import { build, post } from '../helper.js'
import { integrityModel } from '../integrity-model.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { onStandIn } from '../support/mongo-stores.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'
import { ENV, send, stores, total } from './integrity-apps.js'

/** A store whose moveMany waits, once it has been called, until the test lets it go on. */
function gated (store: Store) {
  let reached!: () => void
  let release!: () => void
  const moving = new Promise<void>(resolve => { reached = resolve })
  const released = new Promise<void>(resolve => { release = resolve })
  const wrapped = new Proxy(store, {
    get (target, property) {
      if (property === 'moveMany') {
        return async (from: string, to: string, moves: readonly Move[]) => {
          reached()
          await released
          return await target.moveMany(from, to, moves)
        }
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { wrapped, moving, release }
}

type Write = (app: FastifyInstance) => Promise<{ status: number }>

/** Parks i1 (waiting for o1), lets o1 in behind the app, and runs `write` while the healer is about to move i1. */
async function raceHeal (
  t: Test, open: typeof stores[string], write: Write
): Promise<{ app: FastifyInstance, healed: number, status: number }> {
  let gate!: ReturnType<typeof gated>
  const app = await open(t, store => (gate = gated(store)).wrapped)
  await app.healer!.run().catch(() => 0) // the start-up pass finds nothing to move
  await post(app, '/api/customers', { id: 'c1', name: 'Ann' })
  t.equal((await send(app, 'PUT', '/api/order-items/i1', { orderId: 'o1', productId: 'parked' })).status, 202)
  await app.relata.store.upsertMany('Order', [{ id: 'o1', customerId: 'c1' }])
  const healing = app.healer!.run()
  await gate.moving
  const { status } = await write(app)
  gate.release()
  return { app, healed: await healing, status }
}

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: a DELETE while the healer moves the record: it never comes back`, async t => {
    const { app, healed, status } = await raceHeal(t, open, app => send(app, 'DELETE', '/api/order-items/i1'))
    t.equal(status, 204)
    t.equal(healed, 0, 'the healer\'s revision was gone')
    t.equal((await send(app, 'GET', '/api/order-items/i1')).status, 404)
    t.equal(await total(app, '/api/_parked/order-items'), 0)
  })

  t.test(`${name}: a PATCH while the healer moves the record is applied once, on the parked version`, async t => {
    const patch = { secret: 's' }
    const { app, healed, status } = await raceHeal(t, open, app => send(app, 'PATCH', '/api/order-items/i1', patch))
    t.equal(status, 200, 'complete now: stored')
    t.equal(healed, 0)
    t.same((await send(app, 'GET', '/api/order-items/i1')).body, { id: 'i1', orderId: 'o1', productId: 'parked' })
    t.equal((await app.relata.store.get('OrderItem', 'i1'))?.secret, 's', 'the patch is in the stored version')
    t.equal(await total(app, '/api/_parked/order-items'), 0)
  })

  t.test(`${name}: a PATCH that parks again while the healer moves the old version: the new one waits`, async t => {
    const patch = { orderId: 'o2' }
    const { app, healed, status } = await raceHeal(t, open, app => send(app, 'PATCH', '/api/order-items/i1', patch))
    t.equal(status, 202)
    t.equal(healed, 0, 'the old version is not stored over the new write')
    t.equal((await send(app, 'GET', '/api/order-items/i1')).status, 404)
    const parked = await send(app, 'GET', '/api/_parked/order-items/i1')
    t.match(parked.body, { doc: { orderId: 'o2', productId: 'parked' } })
  })

  t.test(`${name}: a PUT while the healer moves the record wins`, async t => {
    const doc = { orderId: 'o1', productId: 'put' }
    const { app, healed, status } = await raceHeal(t, open, app => send(app, 'PUT', '/api/order-items/i1', doc))
    t.equal(status, 201, 'created: only the parked version existed')
    t.equal(healed, 0)
    t.same((await send(app, 'GET', '/api/order-items/i1')).body, { id: 'i1', orderId: 'o1', productId: 'put' })
  })
}

/** Two apps on one store: the same memory store, one SQLite file, or one MongoDB (stand-in). */
const shared: Record<string, (t: Test) => Promise<[FastifyInstance, FastifyInstance]>> = {
  memory: async t => {
    let store: Store | undefined
    const open = {
      model: integrityModel,
      env: { ...ENV, DATABASE_URL: 'memory:' },
      openStore: async (_url: string, options: Parameters<typeof createMemoryStore>[0]) => {
        store ??= createMemoryStore(options)
        return store
      }
    }
    return [await build(t, open), await build(t, open)]
  },
  sqlite: async t => {
    const dir = await mkdtemp(join(tmpdir(), 'relata-race-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const env = { ...ENV, DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`, STORE_TIMEOUT_MS: '10000' }
    return [await build(t, { model: integrityModel, env }), await build(t, { model: integrityModel, env })]
  },
  mongodb: async t => {
    const standIn = new MongoStandIn()
    const open = {
      model: integrityModel,
      env: { ...ENV, DATABASE_URL: 'mongodb://stand-in/relata' },
      openStore: onStandIn(standIn)
    }
    return [await build(t, open), await build(t, open)]
  },
  postgres: async t => {
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    const env = { ...ENV, DATABASE_URL: schemaUrl(schema), STORE_TIMEOUT_MS: '10000' }
    return [await build(t, { model: integrityModel, env }), await build(t, { model: integrityModel, env })]
  }
}

const N = 200
const ids = Array.from({ length: N }, (_, i) => `item-${String(i).padStart(3, '0')}`)
const orderOf = (i: number) => `ord-${i % 40}`

for (const [name, open] of Object.entries(shared)) {
  t.test(`${name}: two apps heal while clients delete, patch and replace the same ids through both`, async t => {
    const [a, b] = await open(t)
    await post(a, '/api/customers', { id: 'c1', name: 'Ann' })
    await post(a, '/api/orders', { id: 'here', customerId: 'c1' })
    t.equal((await send(a, 'POST', '/api/order-items', ids.map((id, i) => ({ id, orderId: orderOf(i) })))).status, 202)
    await Promise.all([a.healer!.run(), b.healer!.run()])
    // behind the apps' backs, so that both healers race over the same batches
    const orders = Array.from({ length: 40 }, (_, i) => ({ id: `ord-${i}`, customerId: 'c1' }))
    await a.relata.store.upsertMany('Order', orders)
    const writes = ids.map((id, i) => {
      const app = i % 2 === 0 ? a : b
      if (i % 4 === 0) return send(app, 'DELETE', `/api/order-items/${id}`)
      if (i % 4 === 1) return send(app, 'PATCH', `/api/order-items/${id}`, { productId: 'patched' })
      if (i % 4 === 2) return send(app, 'PUT', `/api/order-items/${id}`, { orderId: 'here', productId: 'put' })
      return undefined
    })
    const [healedByA, healedByB, ...answers] = await Promise.all([a.healer!.run(), b.healer!.run(), ...writes])
    t.ok(answers.every(answer => answer === undefined || answer.status < 300), 'every write succeeded')
    t.ok(healedByA! + healedByB! <= N, `healed ${healedByA} + ${healedByB}: none twice`)
    t.ok(healedByA! + healedByB! >= N / 4, 'at least the ids nobody wrote')

    const stored = await b.relata.store.getMany('OrderItem', ids)
    const byId = new Map(stored.map(doc => [doc.id, doc]))
    t.equal(await total(b, '/api/_parked/order-items'), 0, 'nothing left parked')
    ids.forEach((id, i) => {
      const doc = byId.get(id)
      if (i % 4 === 0) t.equal(doc, undefined, `${id} deleted stays deleted`)
      else if (i % 4 === 1) t.same(doc, { id, orderId: orderOf(i), productId: 'patched' }, `${id}: patched on top`)
      else if (i % 4 === 2) t.same(doc, { id, orderId: 'here', productId: 'put' }, `${id}: the PUT`)
      else t.same(doc, { id, orderId: orderOf(i) }, `${id}: healed`)
    })
  })
}
