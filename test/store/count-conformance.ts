// The bounded count of find (FindQuery.countLimit), part of the store conformance suite (run by
// storeConformance): exact while the matches stay within the limit, otherwise the lower bound
// `countLimit + 1` marked inexact; never a number that could be taken for the exact total.
import t from 'tap'
import { BadRequestError } from '../../src/errors.js'
import type { Condition } from '../../src/store/filter.js'
import type { Doc, FindQuery, Store } from '../../src/store/store.js'
import { openRecorded, type OpenStore, type Teardown } from './store-harness.js'

const ENTITIES = [{ name: 'row', refProperties: [] }, { name: 'item', refProperties: ['owner'] }]
const byV: FindQuery['sort'] = [{ field: 'v', desc: false }]
const rows: Doc[] = Array.from({ length: 25 }, (_, i) => ({ id: `r${String(i).padStart(2, '0')}`, v: i }))
// rows r00 … r11 own an item: 12 rows match the relation filter
const items: Doc[] = Array.from({ length: 12 }, (_, i) => ({ id: `i${i}`, owner: rows[i]!.id }))
const high: Condition = { op: 'gte', field: 'v', value: 15 }
const owning: Condition = { op: 'some', child: 'item', refProperty: 'owner' }

export function countConformance (name: string, open: OpenStore): void {
  const opened = async (t: Teardown): Promise<{ store: Store, finds: () => number }> => {
    const { store, calls } = await openRecorded(t, open, ENTITIES, { row: rows, item: items })
    return { store, finds: () => calls.filter(call => call.endsWith('.find')).length }
  }
  const total = async (store: Store, query: Omit<FindQuery, 'sort'>): Promise<[number, boolean, string[]]> => {
    const found = await store.find('row', { sort: byV, ...query })
    return [found.total, found.exact, found.items.map(doc => doc.id)]
  }

  t.test(`${name}: a bounded count is exact up to its limit, then a lower bound marked inexact`, async t => {
    const { store, finds } = await opened(t)
    const ids = rows.map(doc => doc.id)
    t.same(await total(store, { page: 1, size: 5 }), [25, true, ids.slice(0, 5)], 'no limit: every match')
    t.same(await total(store, { page: 1, size: 5, countLimit: 25 }), [25, true, ids.slice(0, 5)], 'at the limit')
    t.same(await total(store, { page: 1, size: 5, countLimit: 100 }), [25, true, ids.slice(0, 5)], 'under it')
    t.same(await total(store, { page: 2, size: 5, countLimit: 24 }), [25, false, ids.slice(5, 10)], 'one over it')
    t.same(await total(store, { page: 2, size: 5, countLimit: 10 }), [11, false, ids.slice(5, 10)], 'far over it')
    t.same(await total(store, { page: 1, size: 5, countLimit: 0 }), [1, false, ids.slice(0, 5)], 'a limit of 0')
    t.equal(finds(), 6, 'still one round trip per find')
  })

  t.test(`${name}: a bounded count follows filters, relation filters, empty pages and positions`, async t => {
    const { store } = await opened(t)
    t.same((await total(store, { filter: high, page: 1, size: 3, countLimit: 10 })).slice(0, 2), [10, true])
    t.same((await total(store, { filter: high, page: 1, size: 3, countLimit: 9 })).slice(0, 2), [10, false])
    t.same((await total(store, { filter: high, page: 1, size: 3, countLimit: 4 })).slice(0, 2), [5, false])
    t.same((await total(store, { filter: owning, page: 1, size: 3, countLimit: 12 })).slice(0, 2), [12, true])
    t.same((await total(store, { filter: owning, page: 1, size: 3, countLimit: 5 })).slice(0, 2), [6, false])
    const none: Condition = { op: 'eq', field: 'v', value: -1 }
    t.same(await total(store, { filter: none, page: 1, size: 3, countLimit: 0 }), [0, true, []], 'no match is exact')
    t.same(await total(store, { page: 9, size: 5, countLimit: 7 }), [8, false, []], 'a page past the end')
    t.same(await total(store, { page: 9, size: 5, countLimit: 70 }), [25, true, []], 'a page past the end, exact')
    t.same(await total(store, { page: 1, size: 0, countLimit: 3 }), [4, false, []], 'size 0 only counts')
    const after = await total(store, { after: [20, 'r20'], page: 1, size: 2, countLimit: 6 })
    t.same(after, [7, false, ['r21', 'r22']], 'after a position the count still starts at the first match')
  })

  t.test(`${name}: an estimate comes only with an inexact count, never below it`, async t => {
    const { store } = await opened(t)
    const exact = await store.find('row', { page: 1, size: 1, countLimit: 30, estimate: true })
    t.same([exact.total, exact.exact, exact.estimate], [25, true, undefined])
    const bounded = await store.find('row', { page: 1, size: 1, countLimit: 3, estimate: true })
    t.same([bounded.total, bounded.exact], [4, false])
    if (bounded.estimate !== undefined) t.ok(bounded.estimate >= 4, `estimate ${bounded.estimate}`)
    const unasked = await store.find('row', { page: 1, size: 1, countLimit: 3 })
    t.equal(unasked.estimate, undefined, 'no estimate unless asked')
  })

  t.test(`${name}: a count limit must be a whole number`, async t => {
    const { store } = await opened(t)
    for (const countLimit of [-1, 1.5, Number.NaN]) {
      await t.rejects(store.find('row', { page: 1, size: 1, countLimit }), BadRequestError, `countLimit ${countLimit}`)
    }
  })
}
