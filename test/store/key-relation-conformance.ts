// Relation conditions through references that hold a parent's unique key (`parentKey`) on every
// Store adapter. The relation suite's data gets a twin: each parent a unique `key` (`K:<id>`),
// each reference a twin property holding that key (`authorId` → `authorKey`). Every named case
// and random tree of the relation suite, turned to go through the twins, must find exactly what it
// finds through ids, in one round trip. Then the edges only keys have: a parent without a key or
// with a number for one, children whose reference is null or missing, and undeclared keys.
import t from 'tap'
import type { Condition } from '../../src/store/filter.js'
import type { Doc, Store, StoreEntity } from '../../src/store/store.js'
import { DATA, ENTITIES, findsNamedCases, findsRandomTrees } from './relation-conformance.js'
import { matchingIds, openRecorded, type OpenStore } from './store-harness.js'

/** `authorId` → `authorKey`: the twin of an id reference, holding the parent's key. */
function twin (refProperty: string): string {
  return refProperty.replace(/Id$/, 'Key')
}

function keyOf (ref: unknown): unknown {
  if (typeof ref === 'string') return `K:${ref}`
  // an array holding a key is no reference either; numbers and objects stay as they are
  return Array.isArray(ref) ? ref.map(keyOf) : ref
}

const KEYED_ENTITIES: StoreEntity[] = ENTITIES.map(entity => ({
  name: entity.name,
  refProperties: [...entity.refProperties, ...entity.refProperties.map(twin)],
  uniqueKeys: [['key']]
}))

const KEYED_DATA: Record<string, Doc[]> = Object.fromEntries(Object.entries(DATA).map(([entity, docs]) => {
  const refs = ENTITIES.find(e => e.name === entity)!.refProperties
  return [entity, docs.map(doc => {
    const keyed: Doc = { ...doc, key: `K:${doc.id}` }
    for (const ref of refs) if (Object.hasOwn(doc, ref)) keyed[twin(ref)] = keyOf(doc[ref])
    return keyed
  })]
}))

/** The same condition through the key twins of every reference it joins on. */
function throughKeys (condition: Condition): Condition {
  switch (condition.op) {
    case 'and': case 'or': return { ...condition, conditions: condition.conditions.map(throughKeys) }
    case 'some': case 'none': return {
      ...condition,
      refProperty: twin(condition.refProperty),
      parentKey: 'key',
      ...(condition.condition === undefined ? {} : { condition: throughKeys(condition.condition) })
    }
    default: return condition
  }
}

async function streamIds (store: Store, entity: string, filter: Condition): Promise<string[]> {
  const ids: string[] = []
  for await (const batch of store.stream(entity, { filter, batchSize: 2 })) ids.push(...batch.map(doc => doc.id))
  return ids.sort()
}

/** Shops are referenced by sales through their key `code`; the edges of key references. */
const EDGE_ENTITIES: StoreEntity[] = [
  { name: 'shop', refProperties: [], uniqueKeys: [['code']] },
  { name: 'sale', refProperties: ['shopCode'] }
]

const EDGE_DATA: Record<string, Doc[]> = {
  shop: [
    { id: 's1', code: 'A' },
    { id: 's2' },
    { id: 's3', code: 7 },
    { id: 's4', code: '7' },
    { id: 's5', code: null },
    // a key that looks like another shop's id is still only a key
    { id: 's6', code: 's1' }
  ],
  sale: [
    { id: 'x1', shopCode: 'A', tag: 'ok' },
    { id: 'x2', shopCode: null, tag: 'orphan' },
    { id: 'x3', tag: 'orphan' },
    { id: 'x4', shopCode: 7, tag: 'number' },
    { id: 'x5', shopCode: '7', tag: 'ok' },
    { id: 'x6', shopCode: ['A'], tag: 'array' },
    { id: 'x7', shopCode: 's2', tag: 'id' }
  ]
}

const sales = (op: 'some' | 'none', condition?: Condition): Condition =>
  ({ op, child: 'sale', refProperty: 'shopCode', parentKey: 'code', ...(condition === undefined ? {} : { condition }) })

const EDGES: Array<[string, Condition, string[]]> = [
  ['a string reference equal to a string key; a number never, an id never', sales('some'), ['s1', 's4']],
  ['none: shops without a key or with a number for one included', sales('none'), ['s2', 's3', 's5', 's6']],
  [
    'a null or missing reference never joins a missing or null key',
    sales('some', { op: 'eq', field: 'tag', value: 'orphan' }),
    []
  ],
  ['nor does the semi-join', sales('some', { op: 'in', field: 'id', values: ['x2', 'x3', 'x4', 'x6', 'x7'] }), []],
  ['the semi-join through a pinned id', sales('some', { op: 'in', field: 'id', values: ['x1', 'x5'] }), ['s1', 's4']],
  [
    'the semi-join in an or beside a plain condition',
    {
      op: 'or',
      conditions: [{ op: 'eq', field: 'id', value: 's2' }, sales('some', { op: 'eq', field: 'id', value: 'x5' })]
    },
    ['s2', 's4']
  ],
  ['none with a condition', sales('none', { op: 'eq', field: 'tag', value: 'ok' }), ['s2', 's3', 's5', 's6']]
]

export function keyRelationConformance (name: string, open: OpenStore): void {
  t.test(`${name}: relation filters through parent keys find what they find through ids`, async t => {
    const keyed = await openRecorded(t, open, KEYED_ENTITIES, KEYED_DATA)
    await findsNamedCases(t, keyed, throughKeys)
    await findsRandomTrees(t, keyed.store, 29, 200, throughKeys)
  })

  t.test(`${name}: relation filters through parent keys: the edges, in pages, counts and streams`, async t => {
    const { store } = await openRecorded(t, open, EDGE_ENTITIES, EDGE_DATA)
    for (const [label, filter, ids] of EDGES) {
      t.same(await matchingIds(store, 'shop', filter), ids, label)
      t.same(await streamIds(store, 'shop', filter), ids, `${label} (stream)`)
    }
    const counted = await store.find('shop', { filter: sales('some'), page: 1, size: 1, countLimit: 5 })
    t.same([counted.items.length, counted.total, counted.exact], [1, 2, true], 'a bounded count')
  })

  t.test(`${name}: a relation through a key that is not a unique key of the parent is a programming error`,
    async t => {
      const { store } = await openRecorded(t, open, EDGE_ENTITIES, EDGE_DATA)
      const undeclared: Condition = { op: 'some', child: 'sale', refProperty: 'shopCode', parentKey: 'name' }
      await t.rejects(store.find('shop', { filter: undeclared, page: 1, size: 1 }),
        /'name' is not a declared single-property unique key of 'shop'/)
      await t.rejects(streamIds(store, 'shop', undeclared), /not a declared single-property unique key/)
    })
}
