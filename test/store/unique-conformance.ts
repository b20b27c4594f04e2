// Unique keys (StoreEntity.uniqueKeys), the same on every store: a write that gives a key a value
// another document holds throws KeyConflictError naming the key and the holder and stores none of
// its batch; missing, null and non-scalar parts leave a document out of a key; and a store opened
// on documents that already break a key refuses to open, naming an example.
import t from 'tap'
import { CancelledError, ExistingDuplicatesError, KeyConflictError } from '../../src/errors.js'
import type { Doc, Store, StoreOptions } from '../../src/store/store.js'
import { openRecorded, type OpenStore, type Recorded, type Teardown } from './store-harness.js'

const ENTITIES: StoreOptions['entities'] = [
  { name: 'product', refProperties: [], uniqueKeys: [['sku'], ['region', 'code']] },
  { name: 'Parked_product', refProperties: [] }
]

/** Opens stores that share one database, so a second open sees what the first wrote; per test. */
export type SameStorage = () => Promise<OpenStore>

async function opened (t: Teardown, open: OpenStore): Promise<Recorded> {
  return await openRecorded(t, open, ENTITIES)
}

async function conflict (promise: Promise<unknown>): Promise<KeyConflictError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  if (!(error instanceof KeyConflictError)) throw new Error(`expected a KeyConflictError, got ${String(error)}`)
  return error
}

async function all (store: Store): Promise<Doc[]> {
  return (await store.find('product', { page: 1, size: 100, sort: [{ field: 'id', desc: false }] })).items
}

export function uniqueConformance (name: string, open: OpenStore, sameStorage?: SameStorage): void {
  t.test(`${name}: a write taking a held key value is refused, naming the key and the holder`, async t => {
    const { store, calls } = await opened(t, open)
    await store.upsertMany('product', [{ id: 'p1', sku: 'A' }, { id: 'p2', sku: 'B' }])
    const before = calls.length
    const error = await conflict(store.upsertMany('product', [{ id: 'p3', sku: 'C' }, { id: 'p4', sku: 'A' }]))
    t.same([error.entity, error.key, error.value, error.existingId, error.index, error.id],
      ['product', ['sku'], ['A'], 'p1', 1, 'p4'])
    t.match(error.message, /product 'p4' cannot take sku "A": product 'p1' holds it/)
    t.same(error.errors, [{ path: '/1/sku', message: 'sku "A" is held by product \'p1\'' }])
    t.ok(calls.length > before, 'the refused write was a round trip')
    t.same((await all(store)).map(doc => doc.id), ['p1', 'p2'], 'nothing of the batch was stored')
  })

  t.test(`${name}: two documents of one batch with one value: the second is refused, nothing stored`, async t => {
    const { store } = await opened(t, open)
    const error = await conflict(store.upsertMany('product', [
      { id: 'a', sku: 'X' }, { id: 'b', sku: 'Y' }, { id: 'c', sku: 'X' }
    ]))
    t.same([error.existingId, error.index, error.id], ['a', 2, 'c'])
    t.same(await all(store), [])
  })

  t.test(`${name}: a document keeps its own value; a value let go is free again`, async t => {
    const { store } = await opened(t, open)
    await store.upsertMany('product', [{ id: 'p1', sku: 'A', n: 1 }, { id: 'p2', sku: 'B' }])
    await store.upsertMany('product', [{ id: 'p1', sku: 'A', n: 2 }])
    await store.upsertMany('product', [{ id: 'p1', sku: 'A2' }])
    await store.upsertMany('product', [{ id: 'p3', sku: 'A' }])
    await store.delete('product', 'p2')
    await store.upsertMany('product', [{ id: 'p4', sku: 'B' }])
    // the batch is checked in order: p1 lets A2 go before p5 takes it
    await store.upsertMany('product', [{ id: 'p1', sku: 'A3' }, { id: 'p5', sku: 'A2' }])
    t.same((await all(store)).map(doc => [doc.id, doc.sku]), [['p1', 'A3'], ['p3', 'A'], ['p4', 'B'], ['p5', 'A2']])
    // a swap within one batch meets the value before it is let go
    const swap = await conflict(store.upsertMany('product', [{ id: 'p3', sku: 'B' }, { id: 'p4', sku: 'A' }]))
    t.same([swap.existingId, swap.index], ['p4', 0])
  })

  t.test(`${name}: only strings and numbers take part; "1" and 1 differ`, async t => {
    const { store } = await opened(t, open)
    await store.upsertMany('product', [
      { id: 'a' }, { id: 'b' }, { id: 'c', sku: null }, { id: 'd', sku: null }, { id: 'e', sku: true },
      { id: 'f', sku: true }, { id: 'g', sku: ['A'] }, { id: 'h', sku: ['A'] }, { id: 'i', sku: { v: 1 } },
      { id: 'j', sku: { v: 1 } }, { id: 'k', sku: '1' }, { id: 'l', sku: 1 }
    ])
    t.equal((await all(store)).length, 12)
    const error = await conflict(store.upsertMany('product', [{ id: 'm', sku: 1 }]))
    t.same([error.value, error.existingId], [[1], 'l'])
    t.same((await conflict(store.upsertMany('product', [{ id: 'n', sku: '1' }]))).existingId, 'k')
  })

  t.test(`${name}: a compound key holds the combination; a missing part leaves a document out`, async t => {
    const { store } = await opened(t, open)
    await store.upsertMany('product', [
      { id: 'a', region: 'eu', code: 7 }, { id: 'b', region: 'us', code: 7 }, { id: 'c', region: 'eu', code: 8 },
      { id: 'd', region: 'eu' }, { id: 'e', region: 'eu' }, { id: 'f', region: 'eu', code: null }
    ])
    const error = await conflict(store.upsertMany('product', [{ id: 'g', region: 'eu', code: 8, sku: 'S' }]))
    t.same([error.key, error.value, error.existingId, error.id], [['region', 'code'], ['eu', 8], 'c', 'g'])
    t.match(error.message, /\(region, code\) \("eu", 8\)/)
    t.equal(await store.get('product', 'g'), undefined)
  })

  t.test(`${name}: moveMany into an entity with a unique key moves nothing on a conflict`, async t => {
    const { store } = await opened(t, open)
    await store.upsertMany('product', [{ id: 'held', sku: 'A' }])
    await store.upsertMany('Parked_product', [{ id: 'p1', rev: 'r1' }, { id: 'p2', rev: 'r1' }])
    const error = await conflict(store.moveMany('Parked_product', 'product', [
      { id: 'p1', rev: 'r1', doc: { id: 'p1', sku: 'B' } }, { id: 'p2', rev: 'r1', doc: { id: 'p2', sku: 'A' } }
    ]))
    t.same([error.existingId, error.id], ['held', 'p2'])
    t.same((await all(store)).map(doc => doc.id), ['held'])
    t.equal((await store.getMany('Parked_product', ['p1', 'p2'])).length, 2, 'both records still wait')
  })

  t.test(`${name}: getManyByKey resolves key values to documents in one round trip`, async t => {
    const { store, calls } = await opened(t, open)
    await store.upsertMany('product', [
      { id: 'p1', sku: 'A' }, { id: 'p2', sku: 'B' }, { id: 'p3', sku: 1 }, { id: 'p4', sku: '1' }, { id: 'p5' },
      { id: 'p6', sku: 'C\u00e9' }
    ])
    const before = calls.length
    const found = await store.getManyByKey('product', 'sku', ['B', 'A', 'A', 'nobody', 1, 'C\u00e9', '\u0000'])
    t.same(calls.slice(before), ['product.getManyByKey'], 'one round trip')
    t.same(found.map(doc => doc.id).sort(), ['p1', 'p2', 'p3', 'p6'], '1 finds the number only, duplicates once')
    t.same(found.find(doc => doc.id === 'p1'), { id: 'p1', sku: 'A' })
    t.same((await store.getManyByKey('product', 'sku', ['1'])).map(doc => doc.id), ['p4'])
    t.same(await store.getManyByKey('product', 'sku', []), [])
    await store.upsertMany('product', [{ id: 'p1', sku: 'Z' }])
    t.same(await store.getManyByKey('product', 'sku', ['A']), [], 'a value let go is found no more')
    await t.rejects(store.getManyByKey('product', 'region', ['eu']), /'region' is not a declared single-property unique key/)
  })

  t.test(`${name}: getManyByKey reads as text and stops for a caller gone, as the other reads`, async t => {
    const { store, calls } = await opened(t, open)
    const stored = [{ id: 'p1', sku: 'A', region: 'eu', code: 7, name: 'An "odd" \u00e9' }, { id: 'p2', sku: 'B' }]
    await store.upsertMany('product', stored)
    // a store keeping text hands it out with the id and the single-property keys references join on
    const [text] = await store.getManyByKey('product', 'sku', ['A'], { text: true })
    t.same(JSON.parse(JSON.stringify(text)), stored[0], 'the stored document')
    t.same([text!.id, text!.sku], ['p1', 'A'], 'its id and sku as properties')
    const page = await store.find('product', { page: 1, size: 10, sort: [{ field: 'id', desc: false }], text: true })
    t.same(page.items.map(doc => [doc.id, doc.sku]), [['p1', 'A'], ['p2', 'B']], 'every read as text carries them')
    const before = calls.length
    const error = await store.getManyByKey('product', 'sku', ['A'], { signal: AbortSignal.abort() })
      .then(() => undefined, (e: unknown) => e)
    t.ok(error instanceof CancelledError, 'a caller gone: CancelledError')
    t.equal(calls.length, before, 'and no round trip')
  })

  if (sameStorage === undefined) return
  t.test(`${name}: opening on documents that break a newly declared key fails, naming them`, async t => {
    const reopen = await sameStorage()
    const plain = await reopen({ entities: [{ name: 'product', refProperties: [] }] })
    await plain.upsertMany('product', [
      { id: 'p1', sku: 'A', region: 'eu', code: 1 }, { id: 'p2', sku: 'B', region: 'eu', code: 1 },
      { id: 'p3', sku: 'A' }
    ])
    await plain.close()
    const error = await reopen({ entities: [{ name: 'product', refProperties: [], uniqueKeys: [['sku']] }] })
      .then(() => undefined, (e: unknown) => e)
    t.ok(error instanceof ExistingDuplicatesError, String(error))
    t.match((error as Error).message,
      /entity 'product' unique key sku: stored documents 'p1' and 'p3' both have sku "A"; change or delete/)
    const pairs = { name: 'product', refProperties: [], uniqueKeys: [['region', 'code']] }
    const compound = await reopen({ entities: [pairs] }).then(() => undefined, (e: unknown) => e)
    t.match((compound as Error).message, /'p1' and 'p2' both have \(region, code\) \("eu", 1\)/)
    const fixed = await reopen({ entities: [{ name: 'product', refProperties: [] }] })
    await fixed.delete('product', 'p3')
    await fixed.close()
    const keyed = await reopen({ entities: [{ name: 'product', refProperties: [], uniqueKeys: [['sku']] }] })
    await keyed.close()
  })
}
