// Two server instances share one SQLite file and heal at the same time: every parked record is
// healed exactly once (the healed counts add up to the number parked) and none is lost.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { build, post, storeQueries } from '../helper.js'
import { integrityModel } from '../integrity-model.js'

t.test('two apps on one SQLite file heal each record once', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-heal-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`,
    HEAL_INTERVAL_MS: '0',
    HEAL_BATCH_SIZE: '50',
    STORE_TIMEOUT_MS: '10000'
  }
  const a = await build(t, { model: integrityModel, env })
  const b = await build(t, { model: integrityModel, env })
  await post(a, '/api/customers', { id: 'c1', name: 'Ann' })
  const items = Array.from({ length: 2000 }, (_, i) => ({ id: `item-${i}`, orderId: `ord-${i % 500}` }))
  t.equal((await a.inject({ method: 'POST', url: '/api/order-items', payload: items })).statusCode, 202)
  await Promise.all([a.healer!.run(), b.healer!.run()])
  // the orders go in behind the apps' backs, so that no poke starts a pass before both race
  await a.relata.store.upsertMany(
    'Order',
    Array.from({ length: 500 }, (_, i) => ({ id: `ord-${i}`, customerId: 'c1' }))
  )
  const [healedByA, healedByB] = await Promise.all([a.healer!.run(), b.healer!.run()])
  t.equal(healedByA! + healedByB!, items.length, `healed ${healedByA} + ${healedByB}: each record once`)
  // the sweeps interleave on the shared file (each reads what is still parked, batch by batch),
  // so both apps move records and the rev guard keeps each move single
  t.ok(healedByA! > 0 && healedByB! > 0, `both apps healed records: ${healedByA} and ${healedByB}`)
  t.ok(await storeQueries(a, { op: 'moveMany' }) > 0, 'A tried to move batches')
  t.ok(await storeQueries(b, { op: 'moveMany' }) > 0, 'B tried to move batches')
  t.equal(Number((await b.inject('/api/order-items')).headers['x-total-count']), items.length, 'none lost')
  t.equal(Number((await b.inject('/api/_parked/order-items')).headers['x-total-count']), 0)
})
