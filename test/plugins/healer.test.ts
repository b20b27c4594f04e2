// The healer plugin: periodic passes heal what no write poked, records parked too long show in
// the metrics and the log, and a failing pass is logged and retried by the next one.
import { setTimeout as sleep } from 'node:timers/promises'
import { Writable } from 'node:stream'
import t from 'tap'
import { createMemoryStore } from '../../src/store/memory/memory-store.js'
import { build } from '../helper.js'
import { integrityModel } from '../integrity-model.js'

async function until (check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !await check(); i++) await sleep(10)
}

t.test('a periodic pass heals records whose parent arrived behind the app\'s back', async t => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(chunk.toString()); done() } })
  const app = await build(t, {
    model: integrityModel,
    env: { HEAL_INTERVAL_MS: '20', PARKED_MAX_AGE_MS: '1' },
    logger: { level: 'info', stream }
  })
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/order-items', payload: { id: 'i1', orderId: 'o1' } })).statusCode,
    202
  )
  await until(async () =>
    /relata_parked_overdue_records\{entity="OrderItem"\} 1/.test((await app.inject('/metrics')).body)
  )
  t.match(
    (await app.inject('/metrics')).body,
    /relata_parked_overdue_records\{entity="OrderItem"\} 1/,
    'overdue, still parked'
  )
  t.ok(lines.some(line => line.includes('parked records have waited longer than 1 ms')), 'and logged')
  await app.relata.store.upsertMany('Order', [{ id: 'o1', customerId: 'c1' }])
  await until(async () => (await app.inject('/api/order-items/i1')).statusCode === 200)
  t.equal((await app.inject('/api/order-items/i1')).statusCode, 200)
  t.ok(lines.some(line => line.includes('healed parked records')))
})

t.test('a failing background pass is logged, and the next one heals', async t => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(chunk.toString()); done() } })
  let failures = 1
  const app = await build(t, {
    model: integrityModel,
    env: { HEAL_INTERVAL_MS: '20', DATABASE_URL: 'memory:' },
    logger: { level: 'warn', stream },
    openStore: async (_url, options) => {
      const store = createMemoryStore(options)
      const moveMany = store.moveMany.bind(store)
      store.moveMany = async (from, to, moves) => {
        if (failures-- > 0) throw new Error('disk full')
        return await moveMany(from, to, moves)
      }
      return store
    }
  })
  const store = app.relata.store
  await store.upsertMany('Order', [{ id: 'o1', customerId: 'c1' }])
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/order-items', payload: { id: 'i1', orderId: 'o2' } })).statusCode,
    202
  )
  await store.upsertMany('Order', [{ id: 'o2', customerId: 'c1' }])
  await until(async () => (await app.inject('/api/order-items/i1')).statusCode === 200)
  t.equal((await app.inject('/api/order-items/i1')).statusCode, 200)
  t.ok(lines.some(line => line.includes('healing parked records failed')))
})
