// Records parked on keys no parent held, on every store: keys arriving in any order across three
// levels (Region <- Shop by code <- Sale by shop code) all heal; a poke reads only the records
// waiting on the written keys and resolves a batch with one getManyByKey per relationship; a
// pending write reads, patches and deletes as for ids; two apps healing the same parked records
// move each exactly once.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { storeQueries } from '../helper.js'
import { keyRefsModel } from '../key-refs-model.js'
import { send, shared, stores } from './keys-apps.js'

const LEVELS = {
  regions: [{ id: 'r1', code: 'NORTH' }, { id: 'r2', code: 'SOUTH' }],
  shops: [
    { id: 's1', code: 'OSL', regionCode: 'NORTH' }, { id: 's2', code: 'BGO', regionCode: 'SOUTH' },
    { id: 's3', code: 'TRD', regionCode: 'NORTH' }
  ],
  sales: Array.from({ length: 6 }, (_, i) => ({ id: `x${i}`, shopCode: ['OSL', 'BGO', 'TRD'][i % 3] }))
}
type Level = keyof typeof LEVELS

function permutations (levels: Level[]): Level[][] {
  if (levels.length <= 1) return [levels]
  return levels.flatMap(level => permutations(levels.filter(l => l !== level)).map(rest => [level, ...rest]))
}

async function ids (app: FastifyInstance, route: string): Promise<string[]> {
  return (await send(app, 'GET', `/api/${route}?sort=id&size=1000`)).body.map((doc: { id: string }) => doc.id)
}

async function parkedTotal (app: FastifyInstance, route: string): Promise<number> {
  return Number((await app.inject(`/api/_parked/${route}`)).headers['x-total-count'])
}

/** Parked records the healer has read so far (the sum of its batch sizes). */
async function recordsRead (app: FastifyInstance): Promise<number> {
  const text = await app.metrics.registry.getSingleMetricAsString('relata_heal_batch_size')
  return Number(/relata_heal_batch_size_sum (\d+)/.exec(text)![1])
}

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: three levels of keys arriving in any order all heal`, async t => {
    for (const order of permutations(['regions', 'shops', 'sales'])) {
      const app = await open(t, keyRefsModel)
      for (const level of order) {
        const { status } = await send(app, 'POST', `/api/${level}`, LEVELS[level])
        t.ok(status === 201 || status === 202, `${order.join(' → ')}: ${level} ${status}`)
        await app.healer!.settled()
      }
      t.same(await ids(app, 'sales'), LEVELS.sales.map(s => s.id), order.join(' → '))
      t.same(await ids(app, 'shops'), ['s1', 's2', 's3'])
      t.same((await send(app, 'GET', '/api/sales/x1')).body, { id: 'x1', shopCode: 'BGO' }, 'keys kept as written')
      t.equal(await parkedTotal(app, 'sales') + await parkedTotal(app, 'shops'), 0)
      await app.close()
    }
  })

  t.test(`${name}: a poke reads only the records waiting on the written keys, one lookup per batch`, async t => {
    const app = await open(t, keyRefsModel)
    const sales = Array.from({ length: 300 }, (_, i) => ({ id: `x${i}`, shopCode: `S${i % 100}` }))
    const others = Array.from({ length: 50 }, (_, i) => ({ id: `y${i}`, shopCode: `OTHER${i}` }))
    t.equal((await send(app, 'POST', '/api/sales', [...sales, ...others])).status, 202)
    await app.healer!.settled()
    const [read, lookups] = [await recordsRead(app), await storeQueries(app, { entity: 'Shop', op: 'getManyByKey' })]
    const shops = Array.from({ length: 100 }, (_, i) => ({ id: `s${i}`, code: `S${i}` }))
    t.equal((await send(app, 'POST', '/api/shops', shops)).status, 201)
    await app.healer!.settled()
    t.equal(await recordsRead(app) - read, 300, 'the 300 waiting on the shops written, not the 50 others')
    // HEAL_BATCH_SIZE is 500: the 300 records are one batch
    t.equal(await storeQueries(app, { entity: 'Shop', op: 'getManyByKey' }) - lookups, 1, 'one lookup for the batch')
    t.equal((await send(app, 'GET', '/api/sales?size=1000')).body.length, 300)
    t.equal(await parkedTotal(app, 'sales'), 50)
  })

  t.test(`${name}: pending writes parked on a key read, patch and delete as for ids`, async t => {
    const app = await open(t, keyRefsModel)
    t.equal((await send(app, 'PUT', '/api/order-lines/l9', { productSku: 'Z' })).status, 202)
    const pending = await send(app, 'GET', '/api/order-lines/l9')
    t.same([pending.status, pending.body.status], [404, 404])
    t.match(pending.body.detail, /parked until Product with sku "Z" \(productSku\) exists/)
    const deleted = await app.inject({ method: 'DELETE', url: '/api/order-lines/l9' })
    t.same([deleted.statusCode, deleted.headers['relata-deleted']], [204, 'parked'])
    await send(app, 'POST', '/api/products', { id: 'pz', sku: 'Z' })
    await app.healer!.settled()
    t.equal((await send(app, 'GET', '/api/order-lines/l9')).status, 404, 'a cancelled write never heals')

    t.equal((await send(app, 'PUT', '/api/order-lines/l1', { productSku: 'Z', quantity: 1 })).status, 201)
    t.equal((await send(app, 'PATCH', '/api/order-lines/l1', { productSku: 'Y' })).status, 202)
    const stale = await app.inject('/api/order-lines/l1')
    t.same([stale.statusCode, stale.headers['relata-pending'], stale.json().productSku], [200, 'parked', 'Z'])
    t.equal((await send(app, 'PATCH', '/api/order-lines/l1', { quantity: 5 })).status, 202,
      'a patch goes on top of the parked version')
    await send(app, 'POST', '/api/products', { id: 'py', sku: 'Y' })
    await app.healer!.settled()
    t.same((await send(app, 'GET', '/api/order-lines/l1')).body, { id: 'l1', productSku: 'Y', quantity: 5 })
  })
}

const N = 200
for (const [name, open] of Object.entries(shared)) {
  t.test(`${name}: two apps heal the same records parked on keys exactly once`, async t => {
    const [a, b] = await open(t, keyRefsModel)
    const sales = Array.from({ length: N }, (_, i) => ({ id: `x${i}`, shopCode: `S${i % 40}` }))
    t.equal((await send(a, 'POST', '/api/sales', sales)).status, 202)
    await Promise.all([a.healer!.settled(), b.healer!.settled()])
    // behind the apps' backs, so that no poke heals before both healers race over the same batches
    await a.relata.store.upsertMany('Shop', Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, code: `S${i}` })))
    const [byA, byB] = await Promise.all([a.healer!.run(), b.healer!.run()])
    t.equal(byA + byB, N, `healed ${byA} + ${byB}: each once`)
    t.equal(await parkedTotal(b, 'sales'), 0)
    const stored = (await send(b, 'GET', '/api/sales?size=1000')).body as Array<{ id: string, shopCode: string }>
    t.equal(stored.length, N)
    t.ok(stored.every(doc => doc.shopCode === `S${Number(doc.id.slice(1)) % 40}`), 'each with its key')
  })
}
