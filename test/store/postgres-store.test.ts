// The PostgreSQL store against the shared conformance suites on a real server (PG_TEST_URL),
// plus what only PostgreSQL has: migration (idempotent, racing instances), key order kept
// beside jsonb, index use, documents jsonb refuses, hostile input, start-up errors.
import t from 'tap'
import { BadRequestError, StoreUnavailableError } from '../../src/errors.js'
import { openStore } from '../../src/store/open-store.js'
import type { Condition } from '../../src/store/filter.js'
import { conditionSql } from '../../src/store/postgres/condition-sql.js'
import { tableSql, type TableSql } from '../../src/store/postgres/identifiers.js'
import { redactUrl } from '../../src/store/postgres/open-postgres-store.js'
import * as statements from '../../src/store/postgres/statements.js'
import { GraphWriter } from '../../src/store/postgres/graph-sql.js'
import type { GraphPlan } from '../../src/store/graph-plan.js'
import type { Doc, Store, StoreOptions } from '../../src/store/store.js'
import { admin, createSchema, dropSchema, openPostgresTestStore, PG_TEST_URL, schemaUrl } from '../support/postgres.js'
import { storeConformance } from './conformance.js'
import { relationConformance } from './relation-conformance.js'
import { keyRelationConformance } from './key-relation-conformance.js'
import { uniqueConformance } from './unique-conformance.js'

storeConformance('postgres', openPostgresTestStore)
relationConformance('postgres', openPostgresTestStore)
keyRelationConformance('postgres', openPostgresTestStore)
uniqueConformance('postgres', openPostgresTestStore, async () => {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  return async options => await openStore(schemaUrl(schema), options)
})

const POSTS: StoreOptions = { entities: [{ name: 'post', refProperties: ['authorId'] }] }

async function schemaFor (t: Teardown): Promise<string> {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  return schema
}

type Teardown = { teardown: (fn: () => unknown) => void }

async function opened (t: Teardown, url: string, options: StoreOptions): Promise<Store> {
  const store = await openStore(url, options)
  t.teardown(() => store.close())
  return store
}

async function caught (promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => { throw new Error('expected a rejection') }, (error: unknown) => error)
}

/** The test schema's tables as the store names them, and the EXPLAIN of its bounded count on `parent`. */
function countPlanner (schema: string, options: StoreOptions, parent: string) {
  const tables = new Map(options.entities.map(entity =>
    [entity.name, { ...tableSql(entity), table: `"${schema}"."${entity.name}"` }]))
  const lookup = (entity: string): TableSql => tables.get(entity)!
  async function plan (condition: Condition): Promise<string> {
    const params: unknown[] = []
    const where = conditionSql(condition, lookup(parent), 't0', params, lookup)
    const count = statements.countSql(lookup(parent).table, where, params.length + 1)
    const { rows } = await admin(`EXPLAIN ${count}`, [...params, null])
    return rows.map(row => row['QUERY PLAN'] as string).join('\n')
  }
  return { lookup, plan }
}

t.test('migration: reopening keeps the data and adds the columns and indexes of new ref properties', async t => {
  const schema = await schemaFor(t)
  const first = await openStore(schemaUrl(schema), POSTS)
  await first.upsertMany('post', [
    { id: 'p1', authorId: 'a', editorId: 'e' }, { id: 'p2', authorId: 'b', editorId: 'e' }
  ])
  await first.close()
  const grown: StoreOptions = {
    entities: [{ name: 'post', refProperties: ['authorId', 'editorId'] }, { name: 'tag', refProperties: [] }]
  }
  const store = await opened(t, schemaUrl(schema), grown)
  t.same((await store.getMany('post', ['p1', 'p2'])).map(doc => doc.id).sort(), ['p1', 'p2'], 'data survived')
  const edited = await store.findByRefs('post', 'editorId', ['e'], { perRefLimit: 1 })
  t.same([edited.items.map(doc => doc.id), edited.totals.get('e')], [['p1'], 2], 'the new column covers old rows')
  t.same(await store.upsertMany('tag', [{ id: 't1' }]), [{ id: 't1' }], 'the new entity has a table')
  const { rows: columns } = await admin(`SELECT column_name, collation_name FROM information_schema.columns
    WHERE table_schema = $1 AND table_name = 'post' ORDER BY ordinal_position`, [schema])
  t.same(columns.map(c => [c.column_name, c.collation_name]),
    [['id', 'C'], ['doc', null], ['body', null], ['ref_authorId', 'C'], ['ref_editorId', 'C']])
  const { rows: indexes } = await admin('SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1', [schema])
  t.same(indexes.map(i => i.indexname),
    ['post_by_authorId_id', 'post_by_editorId_id', 'post_pkey', 'relata:links_by_id', 'relata:links_pkey', 'tag_pkey'])
  const refIndexes = async (): Promise<Array<[string, string, number]>> => {
    const { rows } = await admin(`SELECT c.relname AS name, pg_get_indexdef(c.oid) AS def, c.oid::int AS oid
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname LIKE 'post_by_%' ORDER BY 1`, [schema])
    return rows.map(row => [row.name, (row.def as string).replace(/^.* USING /, 'USING '), row.oid as number])
  }
  const grownIndexes = await refIndexes()
  t.same(grownIndexes.map(([name, def]) => [name, def]), [
    ['post_by_authorId_id', 'USING btree ("ref_authorId", id) INCLUDE ("ref_editorId")'],
    ['post_by_editorId_id', 'USING btree ("ref_editorId", id) INCLUDE ("ref_authorId")']
  ], 'each ref index includes the other refs: the one made before editorId existed was rebuilt')
  await (await openStore(schemaUrl(schema), grown)).close()
  t.same(await refIndexes(), grownIndexes, 'opening again rebuilds nothing (same index oids)')
})

t.test('migration: instances starting at once on an empty database all succeed, one schema results', async t => {
  const schema = await schemaFor(t)
  const options: StoreOptions = {
    entities: [
      { name: 'order', refProperties: ['customerId'] }, { name: 'item', refProperties: ['orderId', 'productId'] }
    ]
  }
  const stores = await Promise.all(Array.from({ length: 6 }, async () => await opened(t, schemaUrl(schema), options)))
  await Promise.all(stores.map(async (store, i) => await store.upsertMany('item', [{ id: `i${i}`, orderId: 'o1' }])))
  t.equal((await stores[0]!.countByRefs('item', 'orderId', ['o1'])).get('o1'), 6)
  const { rows } = await admin('SELECT count(*) AS n FROM pg_indexes WHERE schemaname = $1', [schema])
  t.equal(Number(rows[0].n), 7, 'two primary keys, three ref indexes, the identity links\' key and index')
})

t.test('documents keep the key order they were written in; jsonb serves filters', async t => {
  const store = await opened(t, schemaUrl(await schemaFor(t)), POSTS)
  const doc: Doc = {
    id: 'k1', zeta: 1, alpha: { y: [{ b: 1, a: 2 }], x: null }, authorId: 'a', big: 2 ** 60, tiny: 1e-7
  }
  await store.upsertMany('post', [doc])
  const text = JSON.stringify(doc)
  t.equal(JSON.stringify(await store.get('post', 'k1')), text, 'get')
  t.equal(JSON.stringify((await store.getMany('post', ['k1']))[0]), text, 'getMany')
  const found = await store.find('post', { filter: { op: 'eq', field: 'alpha.x', value: null }, page: 1, size: 1 })
  t.equal(JSON.stringify(found.items[0]), text, 'find')
  const children = await store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 })
  t.equal(JSON.stringify(children.items[0]), text, 'findByRefs')
  for await (const batch of store.stream('post', { batchSize: 5 })) t.equal(JSON.stringify(batch[0]), text, 'stream')
})

t.test('indexes serve ids, references and each parent\'s first children', async t => {
  const schema = await schemaFor(t)
  const store = await opened(t, schemaUrl(schema), POSTS)
  await store.upsertMany('post', Array.from({ length: 2000 }, (_, i) => ({ id: `p${i}`, authorId: `a${i % 200}` })))
  await admin(`ANALYZE "${schema}"."post"`)
  const plan = async (sql: string, params: unknown[]): Promise<string> => {
    const { rows } = await admin(`EXPLAIN ${sql}`, params)
    return rows.map(row => row['QUERY PLAN'] as string).join('\n')
  }
  const table = tableSql(POSTS.entities[0]!)
  const qualified = `"${schema}"."post"`
  t.match(await plan(statements.getManySql(qualified), [['p1', 'p2']]), /Index Scan (using|on) post_pkey/)
  const children = statements.childrenSql(qualified, table.refColumns.get('authorId')!, 't0.id ASC')
  t.match(await plan(children, [['a1', 'a2'], 3]), /post_by_authorId_id/)
  const params: unknown[] = []
  const where = conditionSql({ op: 'eq', field: 'authorId', value: 'a7' }, table, 't0', params, () => table)
  t.match(await plan(statements.countSql(qualified, where, params.length + 1), [...params, null]), /post_by_authorId_id/, 'a filter on a reference')
})

t.test('a $some pinning a reference of the child reads the children through that reference\'s index', async t => {
  const schema = await schemaFor(t)
  const options: StoreOptions = {
    entities: [{ name: 'order', refProperties: [] }, { name: 'item', refProperties: ['orderId', 'productId'] }]
  }
  const store = await opened(t, schemaUrl(schema), options)
  await store.upsertMany('order', Array.from({ length: 2000 }, (_, i) => ({ id: `o${i}` })))
  await store.upsertMany('item', Array.from({ length: 6000 }, (_, i) =>
    ({ id: `i${i}`, orderId: `o${i % 2000}`, productId: `p${i % 500}`, colour: `c${i % 3}` })))
  // VACUUM sets the visibility map, without which the planner does not expect an index-only scan
  await admin(`VACUUM ANALYZE "${schema}"."order"`)
  await admin(`VACUUM ANALYZE "${schema}"."item"`)
  const { plan } = countPlanner(schema, options, 'order')
  const pinned = await plan({
    op: 'some', child: 'item', refProperty: 'orderId', condition: { op: 'eq', field: 'productId', value: 'p5' }
  })
  t.match(pinned, /Index Only Scan using "?item_by_productId_id/,
    'the children and their orderId come from the productId index alone (it includes the other refs)')
  t.notMatch(pinned, /Seq Scan on item/, pinned)
  const found = await store.find('order', {
    filter: {
      op: 'some', child: 'item', refProperty: 'orderId', condition: { op: 'eq', field: 'productId', value: 'p5' }
    },
    page: 1,
    size: 10
  })
  t.same(found.items.map(doc => doc.id).sort(), ['o1005', 'o1505', 'o5', 'o505'])
})

t.test('a relation through a parent key joins on the key\'s unique index and the child\'s ref index', async t => {
  const schema = await schemaFor(t)
  const options: StoreOptions = {
    entities: [
      { name: 'product', refProperties: [], uniqueKeys: [['sku']] },
      { name: 'item', refProperties: ['productSku', 'orderId'] }
    ]
  }
  const store = await opened(t, schemaUrl(schema), options)
  await store.upsertMany('product', Array.from({ length: 2000 }, (_, i) => ({ id: `p${i}`, sku: `S-${i}` })))
  await store.upsertMany('item', Array.from({ length: 6000 }, (_, i) =>
    ({ id: `i${i}`, productSku: `S-${i % 1500}`, orderId: `o${i % 3000}`, colour: `c${i % 3}` })))
  await admin(`ANALYZE "${schema}"."product"`)
  await admin(`ANALYZE "${schema}"."item"`)
  const { lookup, plan } = countPlanner(schema, options, 'product')
  const through = (op: 'some' | 'none', condition: Condition): Condition =>
    ({ op, child: 'item', refProperty: 'productSku', parentKey: 'sku', condition })
  const one: Condition = { op: 'in', field: 'id', values: ['p5', 'p1700'] }
  for (const op of ['some', 'none'] as const) {
    const exists = await plan({ op: 'and', conditions: [one, through(op, { op: 'eq', field: 'colour', value: 'c1' })] })
    t.match(exists, /(Index (Only )?|Bitmap Index )Scan (using|on) "?item_by_productSku_id/, `${op}: the children of a parent by its key`)
    t.notMatch(exists, /Seq Scan/, exists)
  }
  const semi = await plan(through('some', { op: 'in', field: 'orderId', values: ['o7', 'o8'] }))
  t.match(semi, /(Index (Only )?|Bitmap Index )Scan (using|on) "?item_by_orderId_id/, 'the children come from the orderId index')
  t.match(semi, /(Index |Bitmap Index )Scan (using|on) "?product_unique_sku/, 'the parents come from the key\'s unique index')
  t.notMatch(semi, /Seq Scan/, semi)
  const ids = async (filter: Condition): Promise<string[]> =>
    (await store.find('product', { filter, page: 1, size: 100 })).items.map(doc => doc.id).sort()
  t.same(await ids(through('some', { op: 'in', field: 'orderId', values: ['o7', 'o8'] })), ['p7', 'p8'])
  t.same(await ids({ op: 'and', conditions: [one, through('none', { op: 'eq', field: 'colour', value: 'c2' })] }),
    ['p1700'], 'p1700 has no items at all; p5 has items of colour c2')
  const graphPlan = async (entity: string, plan: GraphPlan, id: string): Promise<string> => {
    const params: unknown[] = [id]
    const graph = new GraphWriter(lookup, params).graph(plan, lookup(entity), 'a')
    const sql = `SELECT ${graph.text} FROM ${lookup(entity).table} AS a ${graph.joins.join(' ')} WHERE a.id = $1::text`
    const { rows } = await admin(`EXPLAIN ${sql}`, params)
    return rows.map(row => row['QUERY PLAN'] as string).join('\n')
  }
  const leaf = { hidden: [] }
  const edge = { child: 'item', property: 'productSku', parentKey: 'sku', key: 'item.productSku' }
  const children = await graphPlan('product', {
    ...leaf, parents: [], children: [{ ...edge, limit: 3, below: leaf }], counts: []
  }, 'p5')
  t.match(children, /Scan (using|on) "?item_by_productSku_id/, 'a graph\'s children by the parent\'s key: the ref index')
  t.notMatch(children, /Seq Scan/, children)
  const parent = await graphPlan('item', {
    ...leaf,
    parents: [{ property: 'productSku', target: 'product', parentKey: 'sku', below: leaf }],
    children: [],
    counts: []
  }, 'i5')
  t.match(parent, /Index Scan using "?product_unique_sku/, 'a graph\'s parent by its key: the key\'s unique index')
  t.notMatch(parent, /Seq Scan/, parent)
})

t.test('hostile values are parameters; a property path that is not a plain name is refused', async t => {
  const store = await opened(t, schemaUrl(await schemaFor(t)), POSTS)
  await store.upsertMany('post', [{ id: 'a', s: "x'; DROP TABLE post; --" }, { id: "b'--", s: 'y' }])
  const hostile = ["x'; DROP TABLE post; --", "' OR 1=1 --", '$1', '{a,b}', '"post"']
  for (const value of hostile) {
    const { items } = await store.find('post', { filter: { op: 'eq', field: 's', value }, page: 1, size: 10 })
    t.same(items.map(doc => doc.id), value === hostile[0] ? ['a'] : [], value)
  }
  t.same((await store.getMany('post', ["b'--", "' OR '1'='1"])).map(doc => doc.id), ["b'--"])
  const sort = [{ field: 's', desc: false }]
  const after = await store.find('post', { after: ["x' OR 1=1", 'a'], sort, page: 1, size: 5 })
  t.same(after.items.map(doc => doc.id),
    ['a', "b'--"], 'a position is a parameter too')
  for (const field of ["s'); DROP TABLE post; --", 'a.b-c', 'a..b', '0a', 'a.0']) {
    const error = await caught(store.find('post', { filter: { op: 'eq', field, value: 1 }, page: 1, size: 1 }))
    t.match(error, { message: /is not a property path/ }, field)
    t.notOk(error instanceof StoreUnavailableError)
  }
  t.equal((await store.find('post', { page: 1, size: 10 })).total, 2, 'the table is still there')
})

t.test('documents jsonb cannot hold are refused naming the place; nothing of the batch is written', async t => {
  const store = await opened(t, schemaUrl(await schemaFor(t)), POSTS)
  const refused = [
    [{ id: 'n', s: 'a\u0000b' }, '/1/s'],
    [{ id: 'n', t: { 'k\ud800': 1 } }, '/1/t/k\ud800'],
    [{ id: 'n', l: ['\udc00'] }, '/1/l/0']
  ] as const
  for (const [bad, path] of refused) {
    const error = await caught(store.upsertMany('post', [{ id: 'ok' }, bad as Doc]))
    t.ok(error instanceof BadRequestError, JSON.stringify(bad))
    t.match((error as BadRequestError).errors, [{ path, message: /U\+0000 or an unpaired surrogate/ }])
  }
  t.same(await store.getMany('post', ['ok', 'n']), [])
  t.same(await store.upsertMany('post', [{ id: 'pair', s: '😀' }]), [{ id: 'pair', s: '😀' }], 'a pair is fine')
})

t.test('start-up errors are one line naming the URL without its password', async t => {
  const url = new URL(PG_TEST_URL)
  const cases: Array<[string, RegExp]> = [
    [`postgres://${url.username}:${url.password}@127.0.0.1:1/${url.pathname.slice(1)}`, /ECONNREFUSED/],
    [`postgresql://${url.username}:wrong-secret@${url.host}${url.pathname}`, /password authentication failed/],
    [`postgres://${url.username}:${url.password}@${url.host}/no_such_database`, /database "no_such_database" does not/]
  ]
  for (const [bad, reason] of cases) {
    const error = await caught(openStore(bad, { ...POSTS, timeoutMs: 2000 }))
    t.ok(error instanceof StoreUnavailableError, bad)
    const message = (error as Error).message
    t.match(message, reason)
    t.match(message, `cannot open ${redactUrl(bad)}`)
    t.notMatch(message, `:${url.password}@`)
    t.notMatch(message, 'wrong-secret')
    t.notMatch(message, '\n', 'one line')
  }
  t.equal(redactUrl('postgres://u:p%40ss@h:5432/db?sslmode=require'), 'postgres://u@h:5432/db?sslmode=require')
})

t.test('U+0000, which PostgreSQL text cannot hold: ids with it are never found, filters with it refused', async t => {
  const store = await opened(t, schemaUrl(await schemaFor(t)), POSTS)
  await store.upsertMany('post', [{ id: 'a', authorId: 'x' }])
  t.equal(await store.get('post', 'a\u0000'), undefined)
  t.same((await store.getMany('post', ['a', 'a\u0000'])).map(doc => doc.id), ['a'])
  t.same(Object.fromEntries(await store.countByRefs('post', 'authorId', ['x', 'x\u0000'])), { x: 1 })
  t.same((await store.findByRefs('post', 'authorId', ['x\u0000'], { perRefLimit: 5 })).items, [])
  t.equal(await store.delete('post', 'a\u0000'), false)
  t.equal(await store.deleteMany('post', ['a\u0000']), 0)
  const byNul = { op: 'eq', field: 'authorId', value: 'x\u0000' } as const
  const filter = caught(store.find('post', { filter: byNul, page: 1, size: 1 }))
  t.match(await filter, { name: 'BadRequestError', message: /U\+0000/ })
  const after = caught(store.find('post', { after: ['a\u0000'], page: 1, size: 1 }))
  t.match(await after, { name: 'BadRequestError', message: /U\+0000/ })
  t.same((await store.getMany('post', ['a'])).map(doc => doc.id), ['a'], 'nothing was deleted')
})
