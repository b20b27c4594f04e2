// The keyset part of the store conformance suite (run by storeConformance): continuing `after`
// a position. The property, on random data with nulls, missing keys, booleans, mixed types,
// composites and duplicates: for every document i of a store's total order, find and stream
// `after` its position return exactly the documents after i, in order, whatever happened to i.
import t from 'tap'
import { BadRequestError } from '../../src/errors.js'
import { positionOf } from '../../src/store/keyset.js'
import type { Condition } from '../../src/store/filter.js'
import type { Doc, Position, SortKey, Store } from '../../src/store/store.js'
import { openRecorded, type OpenStore } from './store-harness.js'

const asc = (field: string): SortKey => ({ field, desc: false })
const desc = (field: string): SortKey => ({ field, desc: true })

/** mulberry32: a small seeded generator, so that a failure repeats. */
function random (seed: number): () => number {
  let state = seed
  return function next () {
    state = (state + 0x6D2B79F5) | 0
    let x = Math.imul(state ^ (state >>> 15), 1 | state)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const MISSING = Symbol('missing')
// few distinct values, so that ties are common; strings that look like paths, JSON or numbers
const VALUES: unknown[] = [
  MISSING,
  null,
  true,
  false,
  0,
  1,
  1,
  -2.5,
  2 ** 60,
  1e19,
  -1e21,
  3,
  'a',
  'B',
  '',
  '1',
  '$v',
  '[1]',
  '\uFFFF',
  '😀',
  'é',
  [1],
  [],
  { a: 1 },
  { a: [true] }
]

function randomDocs (seed: number, count: number): Doc[] {
  const next = random(seed)
  const pick = (): unknown => VALUES[Math.floor(next() * VALUES.length)]
  return Array.from({ length: count }, function randomDoc (_, i) {
    const doc: Doc = { id: `d${String(i).padStart(2, '0')}` }
    for (const field of ['v', 'w']) {
      const value = pick()
      if (value !== MISSING) doc[field] = value
    }
    const nested = pick()
    // a path: an object holding the value, or something that has no `p` (a scalar, an array)
    if (next() < 0.7) doc.o = nested === MISSING ? {} : { p: nested }
    else if (nested !== MISSING) doc.o = nested
    return doc
  })
}

const SORTS: SortKey[][] = [
  [],
  [desc('id')],
  [asc('v')],
  [desc('v')],
  [asc('v'), desc('w')],
  [desc('w'), asc('v')],
  [asc('o.p'), desc('v'), asc('w')]
]

const label = (sort: readonly SortKey[]): string => sort.map(key => (key.desc ? '-' : '') + key.field).join(',') || 'id'

async function streamIds (
  store: Store,
  sort: readonly SortKey[],
  after?: Position,
  filter?: Condition
): Promise<string[]> {
  const seen: string[] = []
  for await (const batch of store.stream('row', { sort, after, filter, batchSize: 7 })) {
    seen.push(...batch.map(doc => doc.id))
  }
  return seen
}

const ROWS = [{ name: 'row', refProperties: [] }]

export function keysetConformance (name: string, open: OpenStore): void {
  t.test(`${name}: find and stream continue exactly after any position of the total order`, async t => {
    const { store } = await openRecorded(t, open, ROWS)
    for (const seed of [1, 2]) {
      const docs = randomDocs(seed, 40)
      await store.deleteMany('row', docs.map(doc => doc.id))
      await store.upsertMany('row', docs)
      for (const sort of SORTS) {
        const { items, total } = await store.find('row', { sort, page: 1, size: 1000 })
        const order = items.map(doc => doc.id)
        t.same(
          [...order].sort(),
          docs.map(doc => doc.id),
          `seed ${seed}, ${label(sort)}: the full order holds every document`
        )
        let wrong = 0
        for (const [i, doc] of items.entries()) {
          const after = positionOf(doc, sort)
          const page = await store.find('row', { sort, after, page: 1, size: 5 })
          const streamed = await streamIds(store, sort, after)
          const expected = order.slice(i + 1)
          if (
            page.total !== total ||
            page.items.map(d => d.id).join() !== expected.slice(0, 5).join() ||
            streamed.join() !== expected.join()
          ) {
            wrong++
            t.same(
              { page: page.items.map(d => d.id), total: page.total, streamed },
              { page: expected.slice(0, 5), total, streamed: expected },
              `seed ${seed}, ${label(sort)}: after ${JSON.stringify(doc)}`
            )
          }
        }
        t.equal(wrong, 0, `seed ${seed}, ${label(sort)}: after each of ${items.length} positions, exactly the rest`)
      }
    }
  })

  t.test(`${name}: a position outlives its document, and filters may change around it`, async t => {
    const { store } = await openRecorded(t, open, ROWS)
    const docs = randomDocs(3, 40)
    await store.upsertMany('row', docs)
    const sort = [desc('v'), asc('w')]
    const order = (await store.find('row', { sort, page: 1, size: 1000 })).items
    const filter: Condition = { op: 'ne', field: 'w', value: null }
    const matching = new Set((await store.find('row', { filter, page: 1, size: 1000 })).items.map(doc => doc.id))
    for (const i of [0, 9, 20, 38]) {
      const after = positionOf(order[i]!, sort)
      const rest = order.slice(i + 1).map(doc => doc.id)
      t.same(
        await streamIds(store, sort, after, filter),
        rest.filter(id => matching.has(id)),
        `after ${i}, with a filter`
      )
      const page = await store.find('row', { sort, after, filter, page: 1, size: 3 })
      t.same(
        [page.items.map(doc => doc.id), page.total],
        [rest.filter(id => matching.has(id)).slice(0, 3), matching.size],
        'find: total counts every match'
      )
    }
    const gone = order[15]!
    await store.delete('row', gone.id)
    t.same(
      await streamIds(store, sort, positionOf(gone, sort)),
      order.slice(16).map(doc => doc.id),
      'after a deleted document'
    )
    const last = positionOf(order[order.length - 1]!, sort)
    t.same(
      await store.find('row', { sort, after: last, page: 1, size: 3 }),
      { items: [], total: docs.length - 1, exact: true },
      'after the last: nothing, still the total'
    )
  })

  t.test(`${name}: positions that cannot be the sort's are refused`, async t => {
    const { store } = await openRecorded(t, open, ROWS)
    const refused = async (call: () => Promise<unknown>): Promise<string> => {
      try {
        await call()
      } catch (error) {
        if (error instanceof BadRequestError) return error.message
        throw error
      }
      return 'accepted'
    }
    const sort = [asc('v')]
    t.match(
      await refused(() => store.find('row', { sort, after: [1, 'x'], page: 2, size: 5 })),
      /page must be 1 with after/
    )
    for (const after of [
      ['x'],
      [1, 2],
      [1, 'x', 'y'],
      [Infinity, 'x'],
      [{ composite: 1 }, 'x'],
      [[1], 'x']
    ] as unknown as Position[]) {
      t.match(
        await refused(() => store.find('row', { sort, after, page: 1, size: 5 })),
        /after must hold 2 key values/,
        `find after ${JSON.stringify(after)}`
      )
      t.match(
        await refused(async () => await streamIds(store, sort, after)),
        /after must hold 2 key values/,
        `stream after ${JSON.stringify(after)}`
      )
    }
  })
}
