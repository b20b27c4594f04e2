// Identity links on every store: links stored with the documents of a write (all or nothing),
// resolved in one round trip with whether their documents are stored, paged and deleted.
import t from 'tap'
import { LinkConflictError } from '../../src/errors.js'
import { openRecorded, type OpenStore, type Recorded, type Teardown } from './store-harness.js'

const ENTITIES = [
  { name: 'customer', refProperties: [] },
  { name: 'order', refProperties: ['customerId'] }
]

async function opened (t: Teardown, open: OpenStore): Promise<Recorded> {
  return await openRecorded(t, open, ENTITIES)
}

export function linkConformance (name: string, open: OpenStore): void {
  t.test(`${name}: links are written with their documents and resolved in one round trip`, async t => {
    const { store, calls } = await opened(t, open)
    await store.upsertMany('customer', [{ id: 'c1', name: 'A' }], [
      { source: 'crm', sourceId: '42', id: 'c1' },
      { source: 'shop', sourceId: 'x-9', id: 'c1' },
      { source: 'crm', sourceId: '43', id: 'c2' }
    ])
    calls.length = 0
    const found = await store.resolveLinks('customer', [
      { source: 'crm', sourceId: '42' }, { source: 'shop', sourceId: 'x-9' }, { source: 'crm', sourceId: '43' },
      { source: 'crm', sourceId: 'nope' }, { source: 'shop', sourceId: '42' }
    ])
    t.strictSame(calls, ['customer.resolveLinks'], 'one round trip for any number of keys')
    const sorted = found.sort((a, b) => (a.source + a.sourceId).localeCompare(b.source + b.sourceId))
    t.strictSame(sorted, [
      { source: 'crm', sourceId: '42', id: 'c1', exists: true },
      { source: 'crm', sourceId: '43', id: 'c2', exists: false },
      { source: 'shop', sourceId: 'x-9', id: 'c1', exists: true }
    ], 'known keys only; a link to a document not stored says so')
    t.strictSame(await store.resolveLinks('order', [{ source: 'crm', sourceId: '42' }]), [], 'entities are separate')
    t.strictSame(await store.resolveLinks('customer', []), [], 'no keys, no links')
  })

  t.test(`${name}: a link is added once; a key linked elsewhere refuses the whole write`, async t => {
    const { store } = await opened(t, open)
    await store.upsertMany('customer', [{ id: 'c1' }], [{ source: 'crm', sourceId: '42', id: 'c1' }])
    await store.upsertMany('customer', [{ id: 'c1', v: 2 }], [{ source: 'crm', sourceId: '42', id: 'c1' }])
    const error = await store.upsertMany('customer', [{ id: 'c9' }, { id: 'c1', v: 3 }], [
      { source: 'crm', sourceId: '7', id: 'c9' }, { source: 'crm', sourceId: '42', id: 'c9' }
    ]).catch((e: unknown) => e)
    t.type(error, LinkConflictError)
    t.match((error as Error).message, /source 'crm' id '42' is already linked to 'c1', not 'c9'/)
    t.equal(await store.get('customer', 'c9'), undefined, 'no document of the write is stored')
    t.strictSame(await store.get('customer', 'c1'), { id: 'c1', v: 2 })
    t.strictSame(await store.resolveLinks('customer', [{ source: 'crm', sourceId: '7' }]), [], 'nor any link of it')
    const twice = await store.upsertMany('customer', [{ id: 'c8' }], [
      { source: 'crm', sourceId: '8', id: 'c8' }, { source: 'crm', sourceId: '8', id: 'c7' }
    ]).catch((e: unknown) => e)
    t.type(twice, LinkConflictError, 'one key linked to two ids in one write')
  })

  t.test(`${name}: links are paged by source and source id, per document or source, and deleted`, async t => {
    const { store } = await opened(t, open)
    await store.upsertMany('customer', [{ id: 'c1' }, { id: 'c2' }], [
      { source: 'shop', sourceId: 'b', id: 'c1' }, { source: 'crm', sourceId: '2', id: 'c2' },
      { source: 'crm', sourceId: '10', id: 'c1' }, { source: 'shop', sourceId: 'a', id: 'c2' }
    ])
    const all = await store.findLinks('customer', { page: 1, size: 3 })
    t.equal(all.total, 4)
    t.strictSame(all.items, [
      { source: 'crm', sourceId: '10', id: 'c1' }, { source: 'crm', sourceId: '2', id: 'c2' },
      { source: 'shop', sourceId: 'a', id: 'c2' }
    ])
    t.strictSame((await store.findLinks('customer', { page: 2, size: 3 })).items, [
      { source: 'shop', sourceId: 'b', id: 'c1' }
    ])
    t.strictSame(await store.findLinks('customer', { id: 'c1', page: 1, size: 10 }), {
      items: [{ source: 'crm', sourceId: '10', id: 'c1' }, { source: 'shop', sourceId: 'b', id: 'c1' }], total: 2
    })
    t.strictSame(await store.findLinks('customer', { id: 'c2', source: 'shop', page: 1, size: 10 }), {
      items: [{ source: 'shop', sourceId: 'a', id: 'c2' }], total: 1
    })
    t.equal(await store.deleteLinks('customer', [{ source: 'shop', sourceId: 'b' }, { source: 'shop', sourceId: 'z' }]),
      1, 'counts the links that existed')
    t.strictSame((await store.findLinks('customer', { id: 'c1', page: 1, size: 10 })).items, [
      { source: 'crm', sourceId: '10', id: 'c1' }
    ])
    t.strictSame(await store.findLinks('order', { page: 1, size: 10 }), { items: [], total: 0 })
  })

  t.test(`${name}: deleting a document keeps its links; they resolve as not stored`, async t => {
    const { store } = await opened(t, open)
    await store.upsertMany('customer', [{ id: 'c1' }], [{ source: 'crm', sourceId: '1', id: 'c1' }])
    await store.delete('customer', 'c1')
    t.strictSame(await store.resolveLinks('customer', [{ source: 'crm', sourceId: '1' }]), [
      { source: 'crm', sourceId: '1', id: 'c1', exists: false }
    ])
  })
}
