// The healer on its own: coalesced runs, overdue reporting, stopping, failures that leave every
// record parked for the next pass, and pokes that read only the records waiting on the written ids.
import t from 'tap'
import { StoreUnavailableError } from '../../../src/errors.js'
import { Healer, type PassReport } from '../../../src/integrity/healer.js'
import { parkedRecord } from '../../../src/integrity/parked.js'
import { buildMetadata, storeEntities } from '../../../src/relata.js'
import { createMemoryStore } from '../../../src/store/memory/memory-store.js'
import type { Store } from '../../../src/store/store.js'
import { rowCounter } from '../../support/row-counter.js'
import { integrityModel } from '../../integrity-model.js'

const metadata = buildMetadata(integrityModel)
const parkedItem = (id: string, orderId: string, parkedAt: string) =>
  parkedRecord({ id, orderId }, [{ property: 'orderId', target: 'Order', id: orderId }], `r-${id}`, parkedAt)

function setup (store: Store = createMemoryStore({ entities: storeEntities(metadata) }), now = Date.now) {
  const reports: PassReport[] = []
  const observer = { pass: (report: PassReport) => reports.push(report) }
  const healer = new Healer(metadata, store, { batchSize: 2, maxAgeMs: 60_000, now, observer })
  return { store, healer, reports }
}

t.test('runs asked for during a pass are coalesced into one more pass', async t => {
  const { store, healer, reports } = setup()
  await store.upsertMany('Parked_OrderItem', [parkedItem('i1', 'o1', new Date().toISOString())])
  await store.upsertMany('Order', [{ id: 'o1', customerId: 'c' }])
  const first = healer.run()
  const second = healer.run()
  const third = healer.poke('Order', ['o1'])
  t.equal(await first, 1)
  t.equal(await second, 1, 'the same run')
  t.equal(await third, 1)
  t.equal(reports.length, 2, 'one sweep, then one more for the runs asked for while it ran')
  t.equal(healer.poke('Customer', ['c']), undefined, 'nothing waits for customers')
  t.equal(healer.poke('Order', ['o1']), undefined, 'nothing is parked any more')
  healer.parked('OrderItem', 1)
  t.ok(healer.poke('Order', ['o2']) instanceof Promise, 'a park makes pokes look again')
  t.equal(healer.poke('Order', []), undefined, 'no ids, nothing to look up')
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
  const down = async () => { throw new StoreUnavailableError('down') }
  // a proxy whose methods run on the store itself: the framed store keeps its state in private fields
  const failing: Store = new Proxy(store, {
    get (target, property) {
      if (property === 'moveMany') return down
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  const { healer } = setup(failing)
  await t.rejects(healer.run(), StoreUnavailableError)
  t.equal((await store.find('Parked_OrderItem', { page: 1, size: 10 })).total, 1)
  const running = healer.run()
  await healer.stop()
  await t.rejects(running, StoreUnavailableError)
  t.equal(await healer.run(), 0, 'a stopped healer heals nothing')
})

t.test('a poke reads only the records waiting on the written ids, then those waiting on healed ones', async t => {
  const counter = rowCounter()
  const store = createMemoryStore({ entities: storeEntities(metadata) })
  const healer = new Healer(metadata, counter.wrap(store), { batchSize: 2, maxAgeMs: 60_000 })
  const at = new Date().toISOString()
  const items = Array.from({ length: 300 }, (_, i) => parkedItem(`i${i}`, `o${i % 100}`, at))
  await store.upsertMany('Parked_OrderItem', items)
  const category = (id: string, parentId: string) =>
    parkedRecord({ id, parentId }, [{ property: 'parentId', target: 'Category', id: parentId }], `r-${id}`, at)
  await store.upsertMany('Parked_Category', [category('b', 'a'), category('c', 'b'), category('x', 'y')])
  await store.upsertMany('Order', [{ id: 'o7', customerId: 'c' }])

  t.equal(await healer.poke('Order', ['o7']), 3)
  t.same(counter.rows(), { Parked_OrderItem: 3, Order: 2 },
    'the 3 records waiting of 300, and their order once per batch of 2')
  const stored = await store.find('OrderItem', { page: 1, size: 10 })
  t.same(stored.items.map(doc => doc.id).sort(), ['i107', 'i207', 'i7'])
  t.equal((await store.find('Parked_OrderItem', { page: 1, size: 1 })).total, 297)

  counter.reset()
  await store.upsertMany('Category', [{ id: 'a' }])
  t.equal(await healer.poke('Category', ['a']), 2, 'b, then c that waited on b')
  t.same(counter.rows(), { Parked_Category: 2, Category: 2 }, 'b then c, and their parents a then b')
  t.equal((await store.find('Parked_Category', { page: 1, size: 10 })).total, 1, 'x still waits for y')
})

t.test('a sweep finds records no poke can (parked before the index) and heals what waits on them', async t => {
  const { store, healer, reports } = setup()
  const at = new Date().toISOString()
  // a record written by an earlier version: no waitsOn_ property to find it by
  const categoryA = { property: 'parentId', target: 'Category', id: 'a' }
  await store.upsertMany('Parked_Category', [
    { id: 'b', rev: '1', doc: { id: 'b', parentId: 'a' }, missing: [categoryA], parkedAt: at },
    parkedRecord({ id: 'c', parentId: 'b' }, [{ property: 'parentId', target: 'Category', id: 'b' }], '1', at)
  ])
  await store.upsertMany('Category', [{ id: 'a' }])
  t.equal(await healer.run(), 2)
  t.equal(reports.length, 1, 'one sweep; c was found through the index after b healed')
  t.same((await store.find('Category', { page: 1, size: 10 })).items.map(doc => doc.id), ['a', 'b', 'c'])
})
