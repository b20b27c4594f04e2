// The one behaviour suite every Store adapter passes. It talks to a store only through the
// Store interface, so a new adapter proves itself by calling storeConformance with a function
// that opens a fresh, empty instance. Expected orders come from a small oracle written here,
// independently of any adapter's comparator.
import t from 'tap'
import { BadRequestError, CancelledError, StoreUnavailableError } from '../../src/errors.js'
import type { Condition } from '../../src/store/filter.js'
import type { Doc, SortKey, Store } from '../../src/store/store.js'
import { countConformance } from './count-conformance.js'
import { keysetConformance } from './keyset-conformance.js'
import { linkConformance } from './link-conformance.js'
import {
  findIds, matchingIds, MISSING, openRecorded, readPath, type OpenStore, type Teardown
} from './store-harness.js'

const ENTITIES = [
  { name: 'item', refProperties: ['owner'] },
  { name: 'row', refProperties: [] },
  { name: 'post', refProperties: ['authorId', 'editorId'] }
]

interface Harness {
  store: Store
  calls: string[]
  count: (op: string) => number
}

async function openHarness (t: Teardown, open: OpenStore): Promise<Harness> {
  const { store, calls } = await openRecorded(t, open, ENTITIES)
  return { store, calls, count: op => calls.filter(call => call.endsWith(`.${op}`)).length }
}

async function caught (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

function ids (docs: readonly Doc[]): string[] {
  return docs.map(doc => doc.id)
}

async function collect (batches: AsyncIterable<Doc[]>): Promise<Doc[][]> {
  const all: Doc[][] = []
  for await (const batch of batches) all.push(batch)
  return all
}

const asc = (field: string): SortKey => ({ field, desc: false })
const desc = (field: string): SortKey => ({ field, desc: true })

// --- oracle: the documented sort order, written independently of the adapters -------------

type OracleValue = null | number | string

function oracleValue (doc: Doc, field: string): OracleValue {
  const value = readPath(doc, field)
  if (value === MISSING || value === null || value === undefined) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number' || typeof value === 'string') return value
  return JSON.stringify(value)
}

function oracleCompareValues (a: OracleValue, b: OracleValue): number {
  const rank = (v: OracleValue): number => v === null ? 0 : typeof v === 'number' ? 1 : 2
  if (rank(a) !== rank(b)) return rank(a) - rank(b)
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b))
  return 0
}

function oracleOrder (docs: readonly Doc[], sort: readonly SortKey[]): string[] {
  const keys = [...sort, asc('id')]
  return [...docs].sort(function byKeys (a, b) {
    for (const key of keys) {
      const result = oracleCompareValues(oracleValue(a, key.field), oracleValue(b, key.field))
      if (result !== 0) return key.desc ? -result : result
    }
    return 0
  }).map(doc => doc.id)
}

// --- data ------------------------------------------------------------------------------------

const ITEMS: Doc[] = [
  { id: 'a', n: 1, s: 'x', b: true, nul: null, nested: { c: 'deep' }, list: [1], owner: 'p1' },
  { id: 'b', n: 1.5, s: 'y', b: false, owner: 'p2' },
  { id: 'c', n: '1', s: 'X', owner: 5 },
  { id: 'd', n: null, s: 'xa', owner: null },
  { id: 'e' },
  { id: 'f', n: 10, s: '😀', nested: { c: 1 }, owner: 'p1' },
  { id: 'g', n: [1], s: { a: 1 }, nested: 'flat' },
  { id: 'h', n: true, s: '\uFFFF', b: 1 },
  { id: 'i', n: -2, s: '', nested: { c: null } }
]
const ALL_ITEMS = ids(ITEMS)

function except (...excluded: string[]): string[] {
  return ALL_ITEMS.filter(id => !excluded.includes(id))
}

const FILTER_CASES: Array<[string, Condition, string[]]> = [
  ['eq number', { op: 'eq', field: 'n', value: 1 }, ['a']],
  ['eq real', { op: 'eq', field: 'n', value: 1.5 }, ['b']],
  ['eq string never matches a number', { op: 'eq', field: 'n', value: '1' }, ['c']],
  ['eq true matches only a boolean', { op: 'eq', field: 'n', value: true }, ['h']],
  ['eq null matches null and missing', { op: 'eq', field: 'n', value: null }, ['d', 'e']],
  ['eq scalar never matches an array', { op: 'eq', field: 'list', value: 1 }, []],
  ['eq is case sensitive', { op: 'eq', field: 's', value: 'X' }, ['c']],
  ['eq false', { op: 'eq', field: 'b', value: false }, ['b']],
  ['eq number never matches a boolean', { op: 'eq', field: 'b', value: 1 }, ['h']],
  ['ne matches missing fields', { op: 'ne', field: 'n', value: 1 }, except('a')],
  ['ne null', { op: 'ne', field: 'n', value: null }, except('d', 'e')],
  ['ne true', { op: 'ne', field: 'b', value: true }, except('a')],
  ['gt number skips strings, booleans, null', { op: 'gt', field: 'n', value: 1 }, ['b', 'f']],
  ['gte number', { op: 'gte', field: 'n', value: 1 }, ['a', 'b', 'f']],
  ['lt number', { op: 'lt', field: 'n', value: 1 }, ['i']],
  ['lte number', { op: 'lte', field: 'n', value: 10 }, ['a', 'b', 'f', 'i']],
  ['gt string skips numbers', { op: 'gt', field: 'n', value: '0' }, ['c']],
  ['gt string', { op: 'gt', field: 's', value: 'x' }, ['b', 'd', 'f', 'h']],
  ['lte string is binary', { op: 'lte', field: 's', value: 'X' }, ['c', 'i']],
  ['gt string in code point order', { op: 'gt', field: 's', value: '\uFFFF' }, ['f']],
  ['lt string in code point order', { op: 'lt', field: 's', value: '😀' }, ['a', 'b', 'c', 'd', 'h', 'i']],
  ['in mixed types', { op: 'in', field: 'n', values: [1, '1', null] }, ['a', 'c', 'd', 'e']],
  ['in boolean and number', { op: 'in', field: 'n', values: [true, 10] }, ['f', 'h']],
  ['in nothing', { op: 'in', field: 'n', values: [] }, []],
  ['nin', { op: 'nin', field: 'n', values: [1, null] }, except('a', 'd', 'e')],
  ['nin nothing', { op: 'nin', field: 'n', values: [] }, ALL_ITEMS],
  ['exists true counts null as present', { op: 'exists', field: 'nul', value: true }, ['a']],
  ['exists false', { op: 'exists', field: 'nul', value: false }, except('a')],
  ['exists on a path', { op: 'exists', field: 'nested.c', value: true }, ['a', 'f', 'i']],
  ['exists false on a path', { op: 'exists', field: 'nested.c', value: false }, except('a', 'f', 'i')],
  ['eq on a path', { op: 'eq', field: 'nested.c', value: 'deep' }, ['a']],
  ['eq null on a path', { op: 'eq', field: 'nested.c', value: null }, except('a', 'f')],
  [
    'and',
    {
      op: 'and',
      conditions: [
        { op: 'gte', field: 'n', value: 1 },
        { op: 'lt', field: 'n', value: 5 }
      ]
    },
    ['a', 'b']
  ],
  [
    'or',
    {
      op: 'or',
      conditions: [
        { op: 'eq', field: 's', value: 'x' },
        { op: 'eq', field: 'n', value: null }
      ]
    },
    ['a', 'd', 'e']
  ],
  [
    'nested and/or',
    {
      op: 'and',
      conditions: [
        {
          op: 'or',
          conditions: [
            { op: 'eq', field: 'owner', value: 'p1' },
            { op: 'eq', field: 'owner', value: 'p2' }
          ]
        },
        { op: 'ne', field: 's', value: 'x' }
      ]
    },
    ['b', 'f']
  ],
  ['empty and', { op: 'and', conditions: [] }, ALL_ITEMS],
  ['empty or', { op: 'or', conditions: [] }, []],
  ['id eq', { op: 'eq', field: 'id', value: 'a' }, ['a']],
  ['id eq number', { op: 'eq', field: 'id', value: 1 }, []],
  ['id eq null', { op: 'eq', field: 'id', value: null }, []],
  ['id ne', { op: 'ne', field: 'id', value: 'a' }, except('a')],
  ['id in with duplicates and unknown', { op: 'in', field: 'id', values: ['a', 'zz', 'a', 1] }, ['a']],
  ['id nin', { op: 'nin', field: 'id', values: ['a', 'b'] }, except('a', 'b')],
  ['id gt', { op: 'gt', field: 'id', value: 'g' }, ['h', 'i']],
  ['id lt number', { op: 'lt', field: 'id', value: 100 }, []],
  ['id exists', { op: 'exists', field: 'id', value: true }, ALL_ITEMS],
  ['id exists false', { op: 'exists', field: 'id', value: false }, []],
  ['ref eq', { op: 'eq', field: 'owner', value: 'p1' }, ['a', 'f']],
  ['ref eq number', { op: 'eq', field: 'owner', value: 5 }, ['c']],
  ['ref eq string never matches a number', { op: 'eq', field: 'owner', value: '5' }, []],
  ['ref eq null', { op: 'eq', field: 'owner', value: null }, ['d', 'e', 'g', 'h', 'i']],
  ['ref ne', { op: 'ne', field: 'owner', value: 'p1' }, except('a', 'f')],
  ['ref in', { op: 'in', field: 'owner', values: ['p2', 5] }, ['b', 'c']],
  // strings only: the memory store reads these through its ref index, the others through theirs
  ['ref in strings', { op: 'in', field: 'owner', values: ['p2', 'p1', 'none', 'p1'] }, ['a', 'b', 'f']],
  ['ref eq unknown', { op: 'eq', field: 'owner', value: 'none' }, []],
  [
    'ref in within and',
    {
      op: 'and',
      conditions: [
        { op: 'gt', field: 'n', value: 1 },
        { op: 'in', field: 'owner', values: ['p1', 'p2'] }
      ]
    },
    ['b', 'f']
  ],
  ['ref nin', { op: 'nin', field: 'owner', values: ['p1'] }, except('a', 'f')],
  ['ref gt', { op: 'gt', field: 'owner', value: 'p1' }, ['b']],
  ['ref lt number', { op: 'lt', field: 'owner', value: 10 }, ['c']],
  ['ref exists', { op: 'exists', field: 'owner', value: true }, ['a', 'b', 'c', 'd', 'f']],
  ['ref exists false', { op: 'exists', field: 'owner', value: false }, ['e', 'g', 'h', 'i']]
]

const ROWS: Doc[] = [
  { id: 'r01', v: 3, g: 'odd' },
  { id: 'r02', v: 'b', g: 'even' },
  { id: 'r03', g: 'odd' },
  { id: 'r04', v: null, g: 'even' },
  { id: 'r05', v: -1.5, g: 'odd' },
  { id: 'r06', v: 'B' },
  { id: 'r07', v: true, g: 'odd' },
  { id: 'r08', v: 1, g: 'even' },
  { id: 'r09', v: 'a', g: 'odd' },
  { id: 'r10', v: false, g: 'even' },
  { id: 'r11', v: 3, g: 'odd' },
  { id: 'r12', v: '10', g: 'even' },
  { id: 'r13', v: 'é', g: 'odd' },
  { id: 'r14', v: '\uFFFF', g: 'even' },
  { id: 'r15', v: '😀', g: 'odd' }
]

// By hand: null/missing, numbers (false = 0, true = 1 ties with 1 → id), strings by bytes.
const ROWS_ASC = [
  'r03',
  'r04',
  'r05',
  'r10',
  'r07',
  'r08',
  'r01',
  'r11',
  'r12',
  'r06',
  'r09',
  'r02',
  'r13',
  'r14',
  'r15'
]
const ROWS_DESC = [
  'r15',
  'r14',
  'r13',
  'r02',
  'r09',
  'r06',
  'r12',
  'r01',
  'r11',
  'r07',
  'r08',
  'r10',
  'r05',
  'r03',
  'r04'
]

/** 1000 documents whose sort keys repeat and mix numbers, strings, booleans, null, missing. */
function streamDocs (count: number): Doc[] {
  return Array.from({ length: count }, (_, i) => {
    const doc: Doc = { id: `s${String((i * 7) % count).padStart(4, '0')}`, n: i }
    if (i % 7 === 0) doc.k = null
    else if (i % 11 !== 0) doc.k = i % 3 === 0 ? `t${i % 4}` : (i % 5) + (i % 2 === 0 ? 0.5 : 0)
    if (i % 4 !== 0) doc.k2 = i % 3 === 1 ? i % 2 === 0 : i % 6
    return doc
  })
}

const STREAM_SORTS: SortKey[][] = [
  [],
  [asc('k')],
  [desc('k')],
  [asc('k'), desc('k2')],
  [desc('k'), asc('k2')],
  [desc('k2'), desc('id')]
]

// --- the suite -------------------------------------------------------------------------------

export function storeConformance (name: string, open: OpenStore): void {
  keysetConformance(name, open)
  linkConformance(name, open)
  countConformance(name, open)
  t.test(`${name}: get, upsertMany and whole-document replacement`, async t => {
    const { store } = await openHarness(t, open)
    const stored = await store.upsertMany('item', [{ id: 'x', a: 1, b: { c: 2 } }, { id: 'y', gone: undefined }])
    t.strictSame(stored, [{ id: 'x', a: 1, b: { c: 2 } }, { id: 'y' }], 'returns the documents as stored')
    t.strictSame(await store.get('item', 'x'), { id: 'x', a: 1, b: { c: 2 } })
    t.equal(await store.get('item', 'nope'), undefined)
    await store.upsertMany('item', [{ id: 'x', a: 3 }])
    t.strictSame(await store.get('item', 'x'), { id: 'x', a: 3 }, 'replaces, never merges')
    await store.upsertMany('item', [{ id: 'd', v: 1 }, { id: 'd', v: 2 }])
    t.strictSame(await store.get('item', 'd'), { id: 'd', v: 2 }, 'the last duplicate of a batch wins')
    t.equal(await store.get('row', 'x'), undefined, 'entities are separate')
  })

  t.test(`${name}: returned documents are copies`, async t => {
    const { store } = await openHarness(t, open)
    const input: Doc = { id: 'p1', authorId: 'a', tags: ['t'], meta: { n: 1 } }
    const [stored] = await store.upsertMany('post', [input])
    input.tags = ['changed']
    ;(stored!.meta as { n: number }).n = 2
    const original = { id: 'p1', authorId: 'a', tags: ['t'], meta: { n: 1 } }
    const handedOut: Doc[] = [
      (await store.get('post', 'p1'))!,
      ...await store.getMany('post', ['p1']),
      ...(await store.find('post', { page: 1, size: 10 })).items,
      ...(await store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 5 })).items,
      ...(await collect(store.stream('post', { batchSize: 10 }))).flat()
    ]
    t.equal(handedOut.length, 5)
    for (const doc of handedOut) {
      t.strictSame(doc, original)
      ;(doc.tags as string[]).push('mutated')
      ;(doc.meta as { n: number }).n = 99
      doc.authorId = 'b'
    }
    t.strictSame(await store.get('post', 'p1'), original, 'no caller mutation reached the store')
    t.same([...(await store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 5 })).totals], [['a', 1]])
  })

  t.test(`${name}: getMany ignores unknown and duplicate ids in one round trip`, async t => {
    const { store, count } = await openHarness(t, open)
    const docs = Array.from({ length: 600 }, (_, i) => ({ id: `g${i}`, i }))
    await store.upsertMany('row', docs)
    const wanted = [...docs.slice(0, 400).map(doc => doc.id), ...docs.slice(0, 400).map(doc => doc.id),
      ...Array.from({ length: 100 }, (_, i) => `unknown${i}`)]
    const found = await store.getMany('row', wanted)
    t.equal(count('getMany'), 1)
    t.same(ids(found).sort(), docs.slice(0, 400).map(doc => doc.id).sort())
    t.same(found.find(doc => doc.id === 'g7'), { id: 'g7', i: 7 })
    t.same(await store.getMany('row', []), [])
    const many = await store.getMany('row', docs.slice(0, 500).map(doc => doc.id))
    t.equal(many.length, 500)
    t.equal(count('getMany'), 3, '500 ids are one round trip')
  })

  t.test(`${name}: upsertMany is all or nothing`, async t => {
    const { store } = await openHarness(t, open)
    await store.upsertMany('post', [{ id: 'keep', v: 1, authorId: 'a' }])
    // A circular document has no JSON form; placed after valid documents, it makes the store
    // fail half-way through the batch, and the documents before it must not survive.
    const circular: Doc = { id: 'bad' }
    circular.self = circular
    const error = await caught(
      store.upsertMany('post', [
        { id: 'keep', v: 2, authorId: 'b' },
        { id: 'new1', authorId: 'a' },
        circular,
        { id: 'new3' }
      ])
    )
    t.ok(error instanceof BadRequestError, 'a caller mistake')
    t.match((error as BadRequestError).errors, [{ path: '/2' }], 'names the position of the document')
    t.strictSame(await store.get('post', 'keep'), { id: 'keep', v: 1, authorId: 'a' })
    t.same(await store.getMany('post', ['new1', 'bad', 'new3']), [])
    const refs = await store.findByRefs('post', 'authorId', ['a', 'b'], { perRefLimit: 10 })
    t.same(ids(refs.items), ['keep'], 'the ref index is untouched too')
    const noId = await caught(store.upsertMany('post', [{ id: 'ok' }, { id: 42 } as unknown as Doc]))
    t.ok(noId instanceof BadRequestError)
    t.match((noId as BadRequestError).errors, [{ path: '/1/id' }])
    t.equal(await store.get('post', 'ok'), undefined)
  })

  t.test(`${name}: delete and deleteMany report what they removed`, async t => {
    const { store, count } = await openHarness(t, open)
    await store.upsertMany('post', ['a', 'b', 'c', 'd', 'e'].map(id => ({ id, authorId: 'x' })))
    t.equal(await store.delete('post', 'a'), true)
    t.equal(await store.delete('post', 'a'), false)
    t.equal(await store.deleteMany('post', ['b', 'c', 'b', 'zz', 'a']), 2, 'duplicates and unknown ids count nothing')
    t.equal(count('deleteMany'), 1)
    t.equal(await store.deleteMany('post', []), 0)
    t.same(ids(await store.getMany('post', ['a', 'b', 'c', 'd', 'e'])).sort(), ['d', 'e'])
    const refs = await store.findByRefs('post', 'authorId', ['x'], { perRefLimit: 10 })
    t.same(ids(refs.items), ['d', 'e'])
    t.same([...refs.totals], [['x', 2]])
  })

  t.test(`${name}: moveMany moves what is still the version read, all at once, exactly once`, async t => {
    const { store, count } = await openHarness(t, open)
    await store.upsertMany('row', [{ id: 'a', rev: '1', doc: 1 }, { id: 'b', rev: '1' }, { id: 'c', rev: '2' }])
    await store.upsertMany('post', [{ id: 'b', v: 'old', authorId: 'x' }])
    const moves = [
      { id: 'a', rev: '1', doc: { id: 'a', authorId: 'x' } },
      { id: 'b', rev: '1', doc: { id: 'b', v: 'new', authorId: 'y' } },
      { id: 'c', rev: '1', doc: { id: 'c' } }, // changed since it was read: skipped
      { id: 'gone', rev: '1', doc: { id: 'gone' } }
    ]
    t.same((await store.moveMany('row', 'post', moves)).sort(), ['a', 'b'])
    t.equal(count('moveMany'), 1, 'one round trip, whatever the number of moves')
    t.same(ids(await store.getMany('row', ['a', 'b', 'c'])), ['c'], 'the sources moved are gone')
    t.same(await store.getMany('post', ['b']), [{ id: 'b', v: 'new', authorId: 'y' }], 'the target is replaced')
    t.same(await store.getMany('post', ['c', 'gone']), [])
    const refs = await store.findByRefs('post', 'authorId', ['x', 'y'], { perRefLimit: 10 })
    t.same(ids(refs.items).sort(), ['a', 'b'], 'the target\'s ref index follows')
    t.same(await store.moveMany('row', 'post', moves), [], 'a second mover moves nothing')
    t.same(await store.moveMany('row', 'post', []), [])
    const circular: Doc = { id: 'c' }
    circular.self = circular
    const error = await caught(store.moveMany('row', 'post', [{ id: 'c', rev: '2', doc: circular }]))
    t.ok(error instanceof BadRequestError, 'a document that cannot be stored is refused')
    t.same(ids(await store.getMany('row', ['c'])), ['c'], 'and its source stays')
  })

  t.test(`${name}: filters`, async t => {
    const { store } = await openHarness(t, open)
    await store.upsertMany('item', ITEMS)
    for (const [label, filter, expected] of FILTER_CASES) {
      t.same(await matchingIds(store, 'item', filter), expected, label)
    }
  })

  t.test(`${name}: sort with mixed types, ties and direction`, async t => {
    const { store } = await openHarness(t, open)
    await store.upsertMany('row', [...ROWS].reverse())
    t.same(await findIds(store, 'row', undefined, [asc('v')]), ROWS_ASC, 'ascending')
    t.same(await findIds(store, 'row', undefined, [desc('v')]), ROWS_DESC, 'descending keeps id ascending on ties')
    t.same(oracleOrder(ROWS, [asc('v')]), ROWS_ASC, 'the oracle agrees with the hand-written order')
    const odd = new Set(ROWS.filter(row => row.g === 'odd').map(row => row.id))
    const even = new Set(ROWS.filter(row => row.g === 'even').map(row => row.id))
    t.same(await findIds(store, 'row', undefined, [desc('g'), asc('v')]),
      [...ROWS_ASC.filter(id => odd.has(id)), ...ROWS_ASC.filter(id => even.has(id)), 'r06'], 'two keys')
    t.same(await findIds(store, 'row', undefined, [desc('id')]), ids(ROWS).reverse(), 'by id descending')
    t.same(await findIds(store, 'row'), ids(ROWS), 'id order by default')
  })

  t.test(`${name}: sort on a nested path reads through objects only`, async t => {
    const { store } = await openHarness(t, open)
    // an array or a string on the way has no property: the key is null, as when missing
    const docs: Doc[] = [
      { id: 'n1', meta: { rank: 2 } },
      { id: 'n2', meta: [{ rank: 1 }] },
      { id: 'n3', meta: 'flat' },
      { id: 'n4' },
      { id: 'n5', meta: { rank: 'x' } },
      { id: 'n6', meta: { rank: true } },
      { id: 'n7', meta: { rank: -1, deeper: { rank: 3 } } },
      { id: 'n8', meta: { rank: null } },
      { id: 'n9', meta: { deeper: { rank: 0 } } }
    ]
    await store.upsertMany('row', docs)
    for (const sort of [[asc('meta.rank')], [desc('meta.rank')], [asc('meta.deeper.rank'), desc('meta.rank')]]) {
      t.same(
        await findIds(store, 'row', undefined, sort),
        oracleOrder(docs, sort),
        sort.map(key => (key.desc ? '-' : '') + key.field).join()
      )
    }
  })

  t.test(`${name}: paging and totals`, async t => {
    const { store, count } = await openHarness(t, open)
    const docs = Array.from({ length: 25 }, (_, i) => ({ id: `r${String(i).padStart(2, '0')}`, v: i % 5 }))
    await store.upsertMany('row', docs)
    const order = oracleOrder(docs, [asc('v')])
    const page = async (page: number, size: number, filter?: Condition): Promise<[string[], number]> => {
      const result = await store.find('row', { filter, sort: [asc('v')], page, size })
      return [ids(result.items), result.total]
    }
    t.same(await page(1, 10), [order.slice(0, 10), 25])
    t.same(await page(3, 10), [order.slice(20), 25])
    t.same(await page(4, 10), [[], 25], 'a page past the end still reports the total')
    t.same(await page(1, 0), [[], 25], 'size 0 only counts')
    const high = order.filter(id => docs.find(doc => doc.id === id)!.v >= 3)
    t.same(await page(2, 4, { op: 'gte', field: 'v', value: 3 }), [high.slice(4, 8), 10])
    t.same(await page(1, 10, { op: 'eq', field: 'v', value: 99 }), [[], 0])
    t.equal(count('find'), 6, 'one round trip per find')
    for (const [p, size] of [[0, 10], [1, -1], [1.5, 10]] as const) {
      t.ok(await caught(store.find('row', { page: p, size })) instanceof BadRequestError, `page ${p} size ${size}`)
    }
  })

  t.test(`${name}: findByRefs orders each parent's children by a sort, in one round trip`, async t => {
    const { store, count } = await openHarness(t, open)
    await store.upsertMany('post', [
      { id: 'q1', authorId: 'a1', score: 3 },
      { id: 'q2', authorId: 'a1', score: 9 },
      { id: 'q3', authorId: 'a1', score: null },
      { id: 'q4', authorId: 'a1', score: 9 },
      { id: 'q5', authorId: 'a1', score: 'x' },
      { id: 'q6', authorId: 'a1', score: true },
      { id: 'q7', authorId: 'a2', score: 1 },
      { id: 'q8', authorId: 'a2', score: 2 },
      { id: 'q9', authorId: 'a3' }
    ])
    const byParent = (items: Doc[]): Record<string, string[]> => {
      const groups: Record<string, string[]> = {}
      for (const item of items) (groups[item.authorId as string] ??= []).push(item.id)
      return groups
    }
    const desc = await store.findByRefs('post', 'authorId', ['a1', 'a2', 'a3'], {
      perRefLimit: 3,
      sort: [{ field: 'score', desc: true }]
    })
    t.equal(count('findByRefs'), 1)
    t.same(
      byParent(desc.items),
      { a1: ['q5', 'q2', 'q4'], a2: ['q8', 'q7'], a3: ['q9'] },
      'strings after numbers, id breaks ties'
    )
    t.same(Object.fromEntries(desc.totals), { a1: 6, a2: 2, a3: 1 })
    const asc = await store.findByRefs('post', 'authorId', ['a1'], {
      perRefLimit: 10,
      sort: [{ field: 'score', desc: false }]
    })
    t.same(
      ids(asc.items),
      ['q3', 'q6', 'q1', 'q2', 'q4', 'q5'],
      'the total order of find: null first, booleans as numbers'
    )
    const none = await store.findByRefs('post', 'authorId', ['a1', 'a2'], {
      perRefLimit: 0,
      sort: [{ field: 'score', desc: true }]
    })
    t.same([none.items, Object.fromEntries(none.totals)], [[], { a1: 6, a2: 2 }], 'a limit of 0 only counts')
    const byId = await store.findByRefs('post', 'authorId', ['a1'], {
      perRefLimit: 2,
      sort: [{ field: 'id', desc: true }]
    })
    t.same(ids(byId.items), ['q6', 'q5'])
  })

  t.test(`${name}: countByRefs counts each parent's children in one round trip`, async t => {
    const { store, count } = await openHarness(t, open)
    await store.upsertMany('post', [
      { id: 'c1', authorId: 'a1' }, { id: 'c2', authorId: 'a1' }, { id: 'c3', authorId: 'a2', editorId: 'a1' },
      { id: 'c4', authorId: null }, { id: 'c5', authorId: 5 }, { id: 'c6', authorId: ['a1'] }
    ])
    const counts = await store.countByRefs('post', 'authorId', ['a1', 'a2', 'a3', 'a1', '5'])
    t.equal(count('countByRefs'), 1)
    t.same(
      Object.fromEntries(counts),
      { a1: 2, a2: 1 },
      'only string references count; parents without children are absent'
    )
    t.same(Object.fromEntries(await store.countByRefs('post', 'editorId', ['a1'])), { a1: 1 })
    t.same(await store.countByRefs('post', 'authorId', []), new Map())
    await store.delete('post', 'c1')
    t.same(Object.fromEntries(await store.countByRefs('post', 'authorId', ['a1'])), { a1: 1 }, 'follows deletes')
    const undeclared = await caught(store.countByRefs('post', 'title', ['a1']))
    t.ok(
      undeclared instanceof Error && !(undeclared instanceof BadRequestError),
      'an undeclared ref property is a programming error'
    )
  })

  t.test(`${name}: findByRefs limits per parent and counts all`, async t => {
    const { store, count } = await openHarness(t, open)
    await store.upsertMany('post', [
      { id: 'p05', authorId: 'a1' }, { id: 'p03', authorId: 'a1' }, { id: 'p01', authorId: 'a1' },
      { id: 'p04', authorId: 'a1' }, { id: 'p02', authorId: 'a1' }, { id: 'p07', authorId: 'a2' },
      { id: 'p06', authorId: 'a2', editorId: 'a1' }, { id: 'p08', authorId: null }, { id: 'p09' },
      { id: 'p10', authorId: 5 }, { id: 'p11', authorId: ['a1'] }
    ])
    const byParent = (items: Doc[]): Record<string, string[]> => {
      const groups: Record<string, string[]> = {}
      for (const item of items) (groups[item.authorId as string] ??= []).push(item.id)
      return groups
    }
    const limited = await store.findByRefs('post', 'authorId', ['a1', 'a2', 'a3', 'a1', 'zz'], { perRefLimit: 3 })
    t.equal(count('findByRefs'), 1)
    t.same(byParent(limited.items), { a1: ['p01', 'p02', 'p03'], a2: ['p06', 'p07'] }, 'first children by id')
    t.same(limited.items.length, 5)
    t.same(Object.fromEntries(limited.totals), { a1: 5, a2: 2 }, 'parents without children are absent')
    const countsOnly = await store.findByRefs('post', 'authorId', ['a1', 'a2'], { perRefLimit: 0 })
    t.same(countsOnly.items, [])
    t.same(Object.fromEntries(countsOnly.totals), { a1: 5, a2: 2 }, 'a limit of 0 still counts')
    const all = await store.findByRefs('post', 'authorId', ['a1', 'a2'], { perRefLimit: 100 })
    t.same(byParent(all.items), { a1: ['p01', 'p02', 'p03', 'p04', 'p05'], a2: ['p06', 'p07'] })
    const typed = await store.findByRefs('post', 'authorId', ['5', '["a1"]'], { perRefLimit: 10 })
    t.same([typed.items, typed.totals.size], [[], 0], 'only string references match')
    const edited = await store.findByRefs('post', 'editorId', ['a1'], { perRefLimit: 10 })
    t.same(ids(edited.items), ['p06'])
    t.same(await store.findByRefs('post', 'authorId', [], { perRefLimit: 3 }), { items: [], totals: new Map() })

    await store.upsertMany('post', [{ id: 'p01', authorId: 'a2' }])
    await store.delete('post', 'p02')
    await store.deleteMany('post', ['p07'])
    const moved = await store.findByRefs('post', 'authorId', ['a1', 'a2'], { perRefLimit: 2 })
    t.same(byParent(moved.items), { a1: ['p03', 'p04'], a2: ['p01', 'p06'] }, 'follows updates and deletes')
    t.same(Object.fromEntries(moved.totals), { a1: 3, a2: 2 })

    t.ok(
      (await caught(store.findByRefs('post', 'authorId', ['a1'], { perRefLimit: -1 }))) instanceof BadRequestError,
      'negative limit'
    )
    const undeclared = await caught(store.findByRefs('post', 'title', ['a1'], { perRefLimit: 1 }))
    t.ok(
      undeclared instanceof Error &&
        !(undeclared instanceof BadRequestError) &&
        !(undeclared instanceof StoreUnavailableError),
      'an undeclared ref property is a programming error'
    )
  })

  t.test(`${name}: stream returns every document exactly once, in order`, async t => {
    const { store, count } = await openHarness(t, open)
    const docs = streamDocs(1000)
    await store.upsertMany('row', docs)
    for (const sort of STREAM_SORTS) {
      const label = sort.map(key => (key.desc ? '-' : '') + key.field).join(',') || 'id'
      const before = count('stream')
      const batches = await collect(store.stream('row', { sort, batchSize: 7 }))
      t.ok(batches.every(batch => batch.length > 0 && batch.length <= 7), `${label}: batches are non-empty and bounded`)
      t.same(ids(batches.flat()), oracleOrder(docs, sort), `${label}: exactly once, in sort order`)
      t.same(await findIds(store, 'row', undefined, sort), oracleOrder(docs, sort), `${label}: find agrees`)
      const reads = count('stream') - before
      t.equal(reads, 143, `${label}: one round trip per batch, none more to learn the end`)
    }
    const filter: Condition = { op: 'ne', field: 'k', value: 2 }
    const filtered = await collect(store.stream('row', { filter, sort: [desc('k'), asc('k2')], batchSize: 100 }))
    t.same(ids(filtered.flat()), await findIds(store, 'row', filter, [desc('k'), asc('k2')]), 'with a filter')
    const before = count('stream')
    const hundreds = await collect(store.stream('row', { sort: [asc('k')], batchSize: 100 }))
    t.same(hundreds.map(batch => batch.length), Array(10).fill(100))
    t.equal(count('stream') - before, 10, '1000 documents in batches of 100: 10 round trips')
    t.same(await collect(store.stream('item', { batchSize: 10 })), [], 'an empty entity yields no batch')
  })

  t.test(`${name}: stream reads lazily and stops when the consumer stops`, async t => {
    const { store, count } = await openHarness(t, open)
    await store.upsertMany('row', streamDocs(1000))
    const iterator = store.stream('row', { sort: [asc('k')], batchSize: 100 })[Symbol.asyncIterator]()
    t.equal(count('stream'), 0, 'nothing is read before the first next()')
    const first = await iterator.next()
    t.equal(first.value.length, 100)
    t.equal(count('stream'), 1)
    await iterator.return?.()
    t.equal(count('stream'), 1, 'return() reads nothing more')
    let seen = 0
    // eslint-disable-next-line no-unreachable-loop -- leaving after the first batch is what is tested
    for await (const batch of store.stream('row', { batchSize: 100 })) {
      seen += batch.length
      break
    }
    await new Promise(resolve => setImmediate(resolve))
    t.equal(seen, 100)
    t.equal(count('stream'), 2, 'break after one batch: one round trip')
    t.ok(
      (await caught(collect(store.stream('row', { batchSize: 0 })))) instanceof BadRequestError,
      'batchSize 0 is refused'
    )
  })

  t.test(`${name}: stream stays exact while the store is used and written between batches`, async t => {
    const { store } = await openHarness(t, open)
    const docs = Array.from({ length: 100 }, (_, i) => ({
      id: `w${String(i).padStart(3, '0')}`,
      k: i % 9 === 0 ? null : i % 6
    }))
    await store.upsertMany('row', docs)
    const order = oracleOrder(docs, [asc('k')])
    const removed = order[order.length - 1]!
    const seen: string[] = []
    let round = 0
    for await (const batch of store.stream('row', { sort: [asc('k')], batchSize: 10 })) {
      seen.push(...ids(batch))
      round++
      // queries and writes between batches must not disturb the stream or be blocked by it
      t.ok(await store.get('row', batch[0]!.id))
      await store.find('row', { page: 1, size: 5 })
      if (round === 1) {
        await store.upsertMany('row', [{ id: 'w-before', k: null }, { id: 'w-after', k: 100 }])
        await store.delete('row', removed)
      }
      if (round === 5) await store.upsertMany('row', [{ id: 'zzz-later', k: 5 }])
    }
    t.equal(new Set(seen).size, seen.length, 'no document twice')
    const unchanged = order.filter(id => id !== removed)
    t.same(seen.filter(id => unchanged.includes(id)), unchanged, 'every unchanged document once, in order')
  })

  t.test(`${name}: every call is one reported round trip`, async t => {
    const { store, calls } = await openHarness(t, open)
    await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }, { id: 'p2', authorId: 'a' }])
    calls.length = 0
    await store.get('post', 'p1')
    await store.getMany('post', ['p1', 'p2'])
    await store.find('post', { page: 5, size: 10, filter: { op: 'eq', field: 'authorId', value: 'a' } })
    await store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 })
    await store.countByRefs('post', 'authorId', ['a'])
    await store.upsertMany('post', [{ id: 'p3' }])
    await store.delete('post', 'p3')
    await store.deleteMany('post', ['p2'])
    await store.moveMany('post', 'row', [{ id: 'p1', rev: 'none', doc: { id: 'p1' } }])
    await store.moveMany('post', 'row', [])
    t.same(ids((await collect(store.stream('post', { batchSize: 10 }))).flat()), ['p1'])
    t.same((await collect(store.stream('post', { batchSize: 10, filter: { op: 'eq', field: 'id', value: 'x' } }))), [])
    await store.ping()
    t.equal(await store.writeStatus(), 'ok', 'an idle store takes writes')
    t.same(
      calls,
      [
        'post.get',
        'post.getMany',
        'post.find',
        'post.findByRefs',
        'post.countByRefs',
        'post.upsertMany',
        'post.delete',
        'post.deleteMany',
        'row.moveMany',
        'row.moveMany',
        'post.stream',
        'post.stream'
      ],
      'ping and writeStatus are not counted'
    )
    await store.upsertMany('post', [{ id: 'p2' }, { id: 'p3' }, { id: 'p4', rev: '1' }])
    calls.length = 0
    t.same((await collect(store.stream('post', { batchSize: 2 }))).map(ids), [['p1', 'p2'], ['p3', 'p4']])
    t.same(await store.moveMany('post', 'row', [{ id: 'p4', rev: '1', doc: { id: 'p4' } }]), ['p4'])
    t.same(calls, ['post.stream', 'post.stream', 'row.moveMany'], 'a stream: one per batch; a move: one')
  })

  t.test(`${name}: a read whose caller went away rejects with CancelledError and leaves the store usable`, async t => {
    const { store, calls } = await openHarness(t, open)
    await store.upsertMany('post', Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, authorId: 'a' })))
    calls.length = 0
    const reads: Array<[string, (signal: AbortSignal) => Promise<unknown>]> = [
      ['get', signal => store.get('post', 'p1', { signal })],
      ['getMany', signal => store.getMany('post', ['p1'], { signal })],
      ['find', signal => store.find('post', { page: 1, size: 5 }, { signal })],
      ['findByRefs', signal => store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 }, { signal })],
      ['countByRefs', signal => store.countByRefs('post', 'authorId', ['a'], { signal })],
      ['stream', signal => collect(store.stream('post', { batchSize: 10 }, { signal }))]
    ]
    for (const [op, read] of reads) {
      const error = await caught(read(AbortSignal.abort()))
      t.ok(error instanceof CancelledError, `${op}, already aborted: ${(error as Error).message}`)
    }
    t.same(calls, [], 'a call whose caller is gone costs no round trip')
    for (const [op, read] of reads) {
      const controller = new AbortController()
      const pending = read(controller.signal)
      controller.abort()
      t.ok(await caught(pending) instanceof CancelledError, `${op}, aborted while it runs`)
    }
    const controller = new AbortController()
    const seen: string[] = []
    const error = await caught((async () => {
      for await (const batch of store.stream('post', { batchSize: 10 }, { signal: controller.signal })) {
        seen.push(...ids(batch))
        controller.abort()
      }
    })())
    t.ok(error instanceof CancelledError, 'a stream whose caller leaves between batches stops with CancelledError')
    t.equal(seen.length, 10, 'after the batch it had read')
    t.equal((await store.find('post', { page: 1, size: 100 })).total, 30, 'the store answers the next read')
    t.equal((await collect(store.stream('post', { batchSize: 10 }))).flat().length, 30, 'and the next stream')
  })

  t.test(`${name}: unknown entities are programming errors`, async t => {
    const { store } = await openHarness(t, open)
    const error = await caught(store.get('nope', 'x'))
    t.ok(error instanceof Error && !(error instanceof StoreUnavailableError) && !(error instanceof BadRequestError))
  })

  t.test(`${name}: close makes every later call unavailable`, async t => {
    const { store } = await openHarness(t, open)
    await store.upsertMany('row', Array.from({ length: 30 }, (_, i) => ({ id: `c${i}` })))
    await store.ping()
    const iterator = store.stream('row', { batchSize: 10 })[Symbol.asyncIterator]()
    t.equal((await iterator.next()).value.length, 10)
    await store.close()
    t.ok(await caught(iterator.next()) instanceof StoreUnavailableError, 'a stream in progress')
    const calls = [
      () => store.ping(),
      () => store.writeStatus(),
      () => store.get('row', 'c1'),
      () => store.getMany('row', ['c1']),
      () => store.find('row', { page: 1, size: 1 }),
      () => store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 }),
      () => store.countByRefs('post', 'authorId', ['a']),
      () => store.upsertMany('row', [{ id: 'n' }]),
      () => store.delete('row', 'c1'),
      () => store.deleteMany('row', ['c1']),
      () => store.moveMany('row', 'post', [{ id: 'c1', rev: '1', doc: { id: 'c1' } }]),
      () => collect(store.stream('row', { batchSize: 5 }))
    ]
    for (const call of calls) {
      const error = await caught(call())
      t.ok(error instanceof StoreUnavailableError, (error as Error).message)
    }
    await store.close()
    t.pass('closing twice is harmless')
  })
}
