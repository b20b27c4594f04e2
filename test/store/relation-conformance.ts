// Relation conditions (`some`/`none` children) on every Store adapter, against a reference
// evaluation written here: named cases for the edges (null, missing, array and non-string
// references, self-reference, nesting, parents without children), then a few hundred random
// condition trees that every store must answer exactly as the reference does, in one round trip.
import t, { type Test } from 'tap'
import type { Condition } from '../../src/store/filter.js'
import type { Doc, Store } from '../../src/store/store.js'
import { matchingIds, MISSING, openRecorded, readPath, type OpenStore, type Recorded } from './store-harness.js'

export const ENTITIES = [
  { name: 'author', refProperties: [] },
  { name: 'book', refProperties: ['authorId', 'coAuthorId'] },
  { name: 'review', refProperties: ['bookId'] },
  { name: 'person', refProperties: ['managerId'] }
]

/** Who can be filtered by which children: entity → [child, ref property]. */
const CHILDREN: Record<string, Array<[string, string]>> = {
  author: [['book', 'authorId'], ['book', 'coAuthorId']],
  book: [['review', 'bookId']],
  review: [],
  person: [['person', 'managerId']]
}

export const DATA: Record<string, Doc[]> = {
  author: [
    { id: 'a1', name: 'Ann', born: 1950, address: { city: 'Oslo' } },
    { id: 'a2', name: 'Bo', born: 1970 },
    { id: 'a3', name: 'Cy', born: 1990, address: { city: 'Oslo' } },
    { id: 'a4', name: 'Di', address: 'Oslo' },
    { id: 'a5', name: null, born: 1960 },
    { id: '5', name: 'Five', born: 2000 }
  ],
  book: [
    { id: 'b1', authorId: 'a1', genre: 'novel', pages: 300 },
    { id: 'b2', authorId: 'a1', coAuthorId: 'a2', genre: 'essay', pages: 120 },
    { id: 'b3', authorId: 'a2', genre: 'novel', pages: 80, tag: null },
    { id: 'b4', authorId: null, coAuthorId: 'a3', genre: 'poetry' },
    { id: 'b5', genre: 'novel', pages: 500 },
    // an array holding an id, a number that looks like an id, an object: never references
    { id: 'b6', authorId: ['a3'], genre: 'essay', pages: 10 },
    { id: 'b7', authorId: 5, genre: 'novel', pages: 200 },
    { id: 'b8', authorId: { id: 'a4' }, coAuthorId: 'a4', genre: 'novel', pages: 250, tag: 'x' },
    { id: 'b9', authorId: 'zz', genre: 'essay', pages: 60 }
  ],
  review: [
    { id: 'r1', bookId: 'b1', stars: 5 },
    { id: 'r2', bookId: 'b1', stars: 2 },
    { id: 'r3', bookId: 'b2', stars: 4, tag: 'x' },
    { id: 'r4', bookId: 'b8', stars: 1 },
    { id: 'r5', bookId: ['b3'], stars: 5 },
    { id: 'r6', stars: 3 }
  ],
  person: [
    { id: 'p1', name: 'Root', managerId: null, level: 1 },
    { id: 'p2', name: 'Mid', managerId: 'p1', level: 2 },
    { id: 'p3', name: 'Low', managerId: 'p2', level: 3 },
    { id: 'p4', name: 'Low', managerId: 'p2', level: 3 },
    { id: 'p5', name: 'Self', managerId: 'p5', level: 2 },
    { id: 'p6', name: 'Alone', level: 1 }
  ]
}

/** Plain conditions the random trees use, per entity. */
const LEAVES: Record<string, Condition[]> = {
  author: [
    { op: 'eq', field: 'name', value: 'Ann' },
    { op: 'eq', field: 'name', value: null },
    { op: 'gt', field: 'born', value: 1965 },
    { op: 'exists', field: 'born', value: false },
    { op: 'eq', field: 'id', value: 'a2' }
  ],
  book: [
    { op: 'eq', field: 'genre', value: 'novel' },
    { op: 'eq', field: 'genre', value: 'essay' },
    { op: 'gt', field: 'pages', value: 100 },
    { op: 'exists', field: 'tag', value: true },
    { op: 'eq', field: 'authorId', value: 'a1' },
    { op: 'ne', field: 'id', value: 'b1' },
    { op: 'in', field: 'id', values: ['b2', 'b4', 'b8'] }
  ],
  review: [
    { op: 'gt', field: 'stars', value: 3 },
    { op: 'eq', field: 'stars', value: 5 },
    { op: 'exists', field: 'tag', value: true },
    { op: 'eq', field: 'bookId', value: 'b1' }
  ],
  person: [
    { op: 'eq', field: 'name', value: 'Low' },
    { op: 'gt', field: 'level', value: 1 },
    { op: 'eq', field: 'managerId', value: null },
    { op: 'eq', field: 'managerId', value: 'p2' }
  ]
}

// --- the reference evaluation ----------------------------------------------------------------

function reference (entity: string, condition: Condition | undefined, doc: Doc): boolean {
  if (condition === undefined) return true
  switch (condition.op) {
    case 'and': return condition.conditions.every(part => reference(entity, part, doc))
    case 'or': return condition.conditions.some(part => reference(entity, part, doc))
    case 'eq': case 'ne': {
      const value = readPath(doc, condition.field)
      const equal = condition.value === null ? value === null || value === MISSING : value === condition.value
      return equal === (condition.op === 'eq')
    }
    case 'in': {
      // string operands only (the semi-join cases): an exact match, never through an array
      const value = readPath(doc, condition.field)
      return condition.values.some(operand => typeof operand === 'string' && value === operand)
    }
    case 'gt': {
      const value = readPath(doc, condition.field)
      return typeof value === 'number' && typeof condition.value === 'number' && value > condition.value
    }
    case 'exists': return (readPath(doc, condition.field) !== MISSING) === condition.value
    case 'some': case 'none': {
      const { child, refProperty } = condition
      // a reference is a string equal to the id: never an array holding it, never a number
      const found = DATA[child]!.some(
        c => typeof c[refProperty] === 'string' && c[refProperty] === doc.id && reference(child, condition.condition, c)
      )
      return found === (condition.op === 'some')
    }
    default: throw new Error(`the reference does not evaluate ${condition.op}`)
  }
}

export function expected (entity: string, condition: Condition): string[] {
  return DATA[entity]!.filter(doc => reference(entity, condition, doc)).map(doc => doc.id).sort()
}

// --- random condition trees --------------------------------------------------------------------

export function generator (seed: number): (n: number) => number {
  let state = seed
  return n => {
    state = (state * 1103515245 + 12345) % 2147483648
    return Math.floor((state / 2147483648) * n)
  }
}

export function randomCondition (entity: string, next: (n: number) => number, depth: number): Condition {
  const children = CHILDREN[entity]!
  const kind = depth === 0 ? 0 : next(children.length > 0 ? 4 : 2)
  if (kind === 0) return LEAVES[entity]![next(LEAVES[entity]!.length)]!
  if (kind === 1) {
    const conditions = Array.from({ length: 1 + next(3) }, () => randomCondition(entity, next, depth - 1))
    return { op: next(2) === 0 ? 'and' : 'or', conditions }
  }
  const [child, refProperty] = children[next(children.length)]!
  const relation: Condition = { op: next(3) === 0 ? 'none' : 'some', child, refProperty }
  return next(4) === 0 ? relation : { ...relation, condition: randomCondition(child, next, depth - 1) }
}

// --- the suite -------------------------------------------------------------------------------

const some = (child: string, refProperty: string, condition?: Condition): Condition =>
  ({ op: 'some', child, refProperty, ...(condition === undefined ? {} : { condition }) })
const none = (child: string, refProperty: string, condition?: Condition): Condition =>
  ({ op: 'none', child, refProperty, ...(condition === undefined ? {} : { condition }) })

export const NAMED: Array<[string, string, Condition, string[]]> = [
  ['some child, string references only', 'author', some('book', 'authorId'), ['a1', 'a2']],
  ['none: parents without children included', 'author', none('book', 'authorId'), ['5', 'a3', 'a4', 'a5']],
  [
    'a number reference never matches the id that looks like it',
    'author',
    some('book', 'authorId', { op: 'eq', field: 'id', value: 'b7' }),
    []
  ],
  [
    'an array holding the id is no reference',
    'book',
    some('review', 'bookId', { op: 'eq', field: 'stars', value: 5 }),
    ['b1']
  ],
  [
    'some with a child condition',
    'author',
    some('book', 'authorId', { op: 'eq', field: 'genre', value: 'essay' }),
    ['a1']
  ],
  [
    'none with a child condition',
    'author',
    none('book', 'authorId', { op: 'eq', field: 'genre', value: 'essay' }),
    ['5', 'a2', 'a3', 'a4', 'a5']
  ],
  ['one reference of two', 'author', some('book', 'coAuthorId'), ['a2', 'a3', 'a4']],
  ['self-reference: managers', 'person', some('person', 'managerId'), ['p1', 'p2', 'p5']],
  ['self-reference: nobody reports to them', 'person', none('person', 'managerId'), ['p3', 'p4', 'p6']],
  [
    'self-reference nested: managers of managers',
    'person',
    some('person', 'managerId', some('person', 'managerId')),
    ['p1', 'p5']
  ],
  [
    'self-reference nested with a condition at each level',
    'person',
    some('person', 'managerId', {
      op: 'and',
      conditions: [
        { op: 'eq', field: 'level', value: 2 },
        some('person', 'managerId', { op: 'eq', field: 'name', value: 'Low' })
      ]
    }),
    ['p1']
  ],
  [
    'nested: authors of a book with a 5-star review',
    'author',
    some('book', 'authorId', some('review', 'bookId', { op: 'eq', field: 'stars', value: 5 })),
    ['a1']
  ],
  ['nested none inside some', 'author', some('book', 'authorId', none('review', 'bookId')), ['a2']],
  [
    'or with a plain condition',
    'author',
    { op: 'or', conditions: [some('book', 'coAuthorId'), { op: 'eq', field: 'name', value: 'Ann' }] },
    ['a1', 'a2', 'a3', 'a4']
  ],
  [
    'or with a dotted path, read through objects only',
    'author',
    {
      op: 'or',
      conditions: [
        { op: 'eq', field: 'address.city', value: 'Oslo' },
        some('book', 'coAuthorId', { op: 'eq', field: 'id', value: 'b8' })
      ]
    },
    ['a1', 'a3', 'a4']
  ],
  [
    'and with a plain condition',
    'author',
    { op: 'and', conditions: [{ op: 'gt', field: 'born', value: 1960 }, none('book', 'authorId')] },
    ['5', 'a3']
  ],
  [
    'a relation under a negated or',
    'book',
    { op: 'or', conditions: [none('review', 'bookId'), { op: 'eq', field: 'genre', value: 'poetry' }] },
    ['b3', 'b4', 'b5', 'b6', 'b7', 'b9']
  ],
  [
    'two relations on one entity',
    'author',
    { op: 'and', conditions: [some('book', 'authorId'), some('book', 'coAuthorId')] },
    ['a2']
  ],
  // a child condition pinning the child's id or a reference reads as a semi-join (semi-join.ts)
  [
    'semi-join: a pinned reference of the child',
    'author',
    some('book', 'authorId', { op: 'eq', field: 'coAuthorId', value: 'a2' }),
    ['a1']
  ],
  [
    'semi-join: ids of children, non-string references among them',
    'author',
    some('book', 'authorId', { op: 'in', field: 'id', values: ['b1', 'b6', 'b7', 'b8'] }),
    ['a1']
  ],
  [
    'semi-join: the other reference',
    'author',
    some('book', 'coAuthorId', { op: 'in', field: 'id', values: ['b1', 'b2', 'b4', 'b8'] }),
    ['a2', 'a3', 'a4']
  ],
  [
    'semi-join: an or of pins, with a plain condition',
    'author',
    some('book', 'authorId', {
      op: 'and',
      conditions: [
        {
          op: 'or',
          conditions: [{ op: 'eq', field: 'id', value: 'b3' }, { op: 'eq', field: 'coAuthorId', value: 'a2' }]
        },
        { op: 'gt', field: 'pages', value: 100 }
      ]
    }),
    ['a1']
  ],
  ['semi-join: self-reference', 'person', some('person', 'managerId', { op: 'eq', field: 'managerId', value: 'p2' }),
    ['p2']],
  [
    'semi-join: nested under a relation',
    'author',
    some('book', 'authorId', some('review', 'bookId', { op: 'eq', field: 'id', value: 'r3' })),
    ['a1']
  ],
  ['semi-join: an array is no reference', 'book', some('review', 'bookId', { op: 'eq', field: 'id', value: 'r5' }), []],
  [
    'semi-join beside a plain condition in an or',
    'author',
    {
      op: 'or',
      conditions: [
        { op: 'eq', field: 'name', value: 'Bo' },
        some('book', 'coAuthorId', { op: 'in', field: 'id', values: ['b4', 'b9'] })
      ]
    },
    ['a2', 'a3']
  ],
  [
    'child condition on an empty child set',
    'person',
    some('person', 'managerId', { op: 'eq', field: 'name', value: 'Nobody' }),
    []
  ]
]

/** A condition as a suite sends it: as it is, or turned to join through other references. */
export type Via = (condition: Condition) => Condition

const asItIs: Via = condition => condition

/** Every named case, sent through `via`, finds its ids, each in one round trip. */
export async function findsNamedCases (t: Test, { store, calls }: Recorded, via = asItIs): Promise<void> {
  for (const [label, entity, filter, ids] of NAMED) t.same(await matchingIds(store, entity, via(filter)), ids, label)
  t.equal(calls.length, NAMED.length, 'each find is one round trip, whatever the children')
}

/**
 * `count` random trees from `seed`, sent through `via`, find what the reference finds for them;
 * answers how many of them kept some documents and dropped others.
 */
export async function findsRandomTrees (t: Test, store: Store, seed: number, count: number,
  via = asItIs): Promise<number> {
  const next = generator(seed)
  let mismatches = 0
  let selective = 0
  for (let i = 0; i < count; i++) {
    const entity = ['author', 'book', 'person'][i % 3]!
    const filter = randomCondition(entity, next, 3)
    const found = await matchingIds(store, entity, via(filter))
    if (found.length > 0 && found.length < DATA[entity]!.length) selective++
    if (JSON.stringify(found) !== JSON.stringify(expected(entity, filter))) {
      mismatches++
      t.same(found, expected(entity, filter), JSON.stringify(via(filter)))
    }
  }
  t.equal(mismatches, 0, `${count} random filters agree with the reference`)
  return selective
}

export function relationConformance (name: string, open: OpenStore): void {
  const openFilled = async (t: Test): Promise<Recorded> => await openRecorded(t, open, ENTITIES, DATA)

  t.test(`${name}: relation filters, named cases`, async t => {
    for (const [label, entity, filter, ids] of NAMED) {
      t.same(expected(entity, filter), ids, `the reference agrees: ${label}`)
    }
    await findsNamedCases(t, await openFilled(t))
  })

  t.test(`${name}: relation filters agree with the reference on random trees`, async t => {
    const selective = await findsRandomTrees(t, (await openFilled(t)).store, 17, 300)
    t.ok(selective > 150, `most keep some documents and drop others (${selective})`)
  })

  t.test(`${name}: relation filters in streams and pages`, async t => {
    const { store, calls } = await openFilled(t)
    const filter = some('book', 'authorId')
    const batches: Doc[][] = []
    for await (const batch of store.stream('author', { filter, batchSize: 1, sort: [{ field: 'born', desc: true }] })) {
      batches.push(batch)
    }
    t.same(batches.map(batch => batch.map(doc => doc.id)), [['a2'], ['a1']], 'sorted, batch by batch')
    calls.length = 0
    const page = await store.find('author', {
      filter: none('book', 'authorId'),
      sort: [{ field: 'born', desc: false }],
      page: 2,
      size: 2
    })
    t.same([page.items.map(doc => doc.id), page.total], [['a3', '5'], 4], 'a later page and the total')
    const past = await store.find('author', { filter, page: 9, size: 2 })
    t.same([past.items, past.total], [[], 2], 'a page past the end still counts')
    t.same(calls, ['author.find', 'author.find'])
  })

  t.test(`${name}: a relation through an undeclared reference is a programming error`, async t => {
    const { store } = await openFilled(t)
    for (const filter of [some('book', 'genre'), some('nope', 'authorId')]) {
      const error = await store.find('author', { filter, page: 1, size: 1 }).then(() => undefined, (e: unknown) => e)
      t.ok(error instanceof Error, JSON.stringify(filter))
    }
  })
}
