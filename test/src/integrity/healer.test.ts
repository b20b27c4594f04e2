// The healer on its own: coalesced runs, overdue reporting, stopping, and failures that leave
// every record parked for the next pass.
import t from 'tap'
import { StoreUnavailableError } from '../../../src/errors.js'
import { Healer, type PassReport } from '../../../src/integrity/healer.js'
import { buildMetadata, storeEntities } from '../../../src/relata.js'
import { createMemoryStore } from '../../../src/store/memory/memory-store.js'
import type { Store } from '../../../src/store/store.js'
import { integrityModel } from '../../integrity-model.js'

const metadata = buildMetadata(integrityModel)
const parkedItem = (id: string, orderId: string, parkedAt: string) =>
  ({ id, rev: `r-${id}`, doc: { id, orderId }, missing: [{ property: 'orderId', target: 'Order', id: orderId }], parkedAt })

function setup (store: Store = createMemoryStore({ entities: storeEntities(metadata) }), now = Date.now) {
  const reports: PassReport[] = []
  const healer = new Healer(metadata, store, { batchSize: 2, maxAgeMs: 60_000, now, observer: { pass: report => reports.push(report) } })
  return { store, healer, reports }
}

t.test('runs asked for during a pass are coalesced into one more pass', async t => {
  const { store, healer, reports } = setup()
  await store.upsertMany('Parked_OrderItem', [parkedItem('i1', 'o1', new Date().toISOString())])
  await store.upsertMany('Order', [{ id: 'o1', customerId: 'c' }])
  const first = healer.run()
  const second = healer.run()
  const third = healer.poke('Order')
  t.equal(await first, 1)
  t.equal(await second, 1, 'the same run')
  t.equal(await third, 1)
  t.equal(reports.length, 2, 'one pass, then one more for the calls made while it ran')
  t.equal(healer.poke('Customer'), undefined, 'nothing waits for customers')
  t.equal(healer.poke('Order'), undefined, 'nothing is parked any more')
  healer.parked('OrderItem', 1)
  t.ok(healer.poke('Order') instanceof Promise, 'a park makes pokes look again')
  await healer.run()
})

t.test('records parked too long are reported, never dropped', async t => {
  const now = Date.parse('2026-01-01T12:00:00Z')
  const { store, healer, reports } = setup(undefined, () => now)
  await store.upsertMany('Parked_OrderItem', [
    parkedItem('old', 'o1', '2026-01-01T10:00:00Z'),
    parkedItem('new', 'o1', '2026-01-01T11:59:30Z'),
    parkedItem('older', 'o2', '2026-01-01T09:00:00Z')
  ])
  t.equal(await healer.run(), 0)
  t.same(reports[0]!.waiting.get('OrderItem'), 3)
  t.same(reports[0]!.overdue.get('OrderItem'), 2)
  t.equal((await store.find('Parked_OrderItem', { page: 1, size: 10 })).total, 3)
})

t.test('a failing store fails the run and leaves every record parked; stop ends the passes', async t => {
  const store = createMemoryStore({ entities: storeEntities(metadata) })
  await store.upsertMany('Parked_OrderItem', [parkedItem('i1', 'o1', new Date().toISOString())])
  await store.upsertMany('Order', [{ id: 'o1', customerId: 'c' }])
  const failing: Store = Object.create(store, { moveMany: { value: async () => { throw new StoreUnavailableError('down') } } })
  const { healer } = setup(failing)
  await t.rejects(healer.run(), StoreUnavailableError)
  t.equal((await store.find('Parked_OrderItem', { page: 1, size: 10 })).total, 1)
  const running = healer.run()
  await healer.stop()
  await t.rejects(running, StoreUnavailableError)
  t.equal(await healer.run(), 0, 'a stopped healer heals nothing')
})
