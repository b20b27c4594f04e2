// The SQLite store against the shared conformance suite (in memory and on file), plus what
// only SQLite has: schema migration on reopen, index use, its own limits and fault mapping.
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BadRequestError, StoreUnavailableError } from '../../src/errors.js'
import { openStore } from '../../src/store/open-store.js'
import { conditionSql } from '../../src/store/sqlite/condition-sql.js'
import { tableSql } from '../../src/store/sqlite/identifiers.js'
import { storeError } from '../../src/store/sqlite/sqlite-errors.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import * as statements from '../../src/store/sqlite/statements.js'
import { registerTick } from '../../src/store/sqlite/sql-reader.js'
import type { Condition } from '../../src/store/filter.js'
import type { Doc, StoreOptions } from '../../src/store/store.js'
import { storeConformance } from './conformance.js'
import { relationConformance } from './relation-conformance.js'
import { keyRelationConformance } from './key-relation-conformance.js'
import { uniqueConformance } from './unique-conformance.js'

const dir = mkdtempSync(join(tmpdir(), 'relata-sqlite-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
function nextFile (): string {
  return join(dir, `store-${++files}.db`)
}

storeConformance('sqlite :memory:', async options => await openStore('sqlite::memory:', options))
// one read worker: the reads still go through the pool (as every file store's do), and each open
// starts one thread instead of one per core; pools of several: the reliability tests' apps
storeConformance('sqlite file', async options =>
  await openSqliteStore(nextFile(), options, { timeoutMs: 5000, readWorkers: 1 }))
relationConformance('sqlite', async options => await openStore('sqlite::memory:', options))
keyRelationConformance('sqlite', async options => await openStore('sqlite::memory:', options))
// on :memory:, and reopening a file without read workers: unique keys never use them, and
// starting them makes each open seconds long on a loaded machine
uniqueConformance('sqlite', async options => await openStore('sqlite::memory:', options), async () => {
  const file = nextFile()
  return async options => await openSqliteStore(file, options, { timeoutMs: 5000, readWorkers: 0 })
})

const POSTS: StoreOptions = { entities: [{ name: 'post', refProperties: ['authorId'] }] }

function plan (db: Database.Database, sql: string, ...params: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map(row => row.detail)
}

/**
 * How many values a statement reads from `table`'s own rows rather than from an index. EXPLAIN
 * QUERY PLAN never says COVERING for an index holding virtual generated columns (the ref
 * columns), though SQLite then defers the row's seek for good; the bytecode shows it: a Column
 * read on a cursor opened on the table's b-tree.
 */
function tableReads (db: Database.Database, table: string, sql: string, ...params: unknown[]): number {
  const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(table) as { rootpage: number }
  const ops = db.prepare(`EXPLAIN ${sql}`).all(...params) as Array<{ opcode: string, p1: number, p2: number }>
  const cursors = new Set(ops.filter(op => op.opcode === 'OpenRead' && op.p2 === rootpage).map(op => op.p1))
  return ops.filter(op => op.opcode === 'Column' && cursors.has(op.p1)).length
}

function raw (t: Teardown, file: string): Database.Database {
  const db = new Database(file)
  // the store's statements call it (statements.tick)
  registerTick(db)
  t.teardown(() => db.close())
  return db
}

interface Teardown { teardown: (fn: () => unknown) => void }

/**
 * A file store holding `data`, analysed, for the tests that read query plans: the plans come from
 * a connection of the test's own, so the store starts no read workers (seconds each under load).
 */
async function planned (t: Teardown, options: StoreOptions, data: Record<string, Doc[]>) {
  const file = nextFile()
  const store = await openSqliteStore(file, options, { timeoutMs: 5000, readWorkers: 0 })
  t.teardown(() => store.close())
  for (const [entity, docs] of Object.entries(data)) await store.upsertMany(entity, docs)
  const db = raw(t, file)
  db.exec('ANALYZE')
  const tables = new Map(options.entities.map(entity => [entity.name, tableSql(entity)]))
  const lookup = (entity: string) => tables.get(entity)!
  /** The plans of the find, count and stream statements of `table` under `where`, a line a step. */
  const plans = (table: string, where: { sql: string, params: unknown[] }): Record<string, string[]> => ({
    find: plan(db, statements.findSql(table, where.sql, '"id" ASC'), ...where.params, -1, ...where.params, 10, 0),
    count: plan(db, statements.countSql(table, where.sql), ...where.params, -1),
    stream: plan(db, statements.streamSql(table, ['"id"'], where.sql, '"id" ASC'), ...where.params, 10)
  })
  return { store, db, lookup, plans }
}

/** 100 orders, 50 of them with 10 items each, every item of one of 7 products. */
const ORDERS_ITEMS = {
  order: Array.from({ length: 100 }, (_, i) => ({ id: `o${i}` })),
  item: Array.from({ length: 500 }, (_, i) => ({ id: `i${i}`, orderId: `o${i % 50}`, productId: `p${i % 7}` }))
}

t.test('a reopened file keeps its data and gains the columns and indexes of new ref properties', async t => {
  const file = join(dir, 'nested', 'deeper', 'grow.db')
  const first = await openStore(`sqlite:${file}`, POSTS)
  await first.upsertMany('post', [
    { id: 'p1', authorId: 'a', editorId: 'e' },
    { id: 'p2', authorId: 'b', editorId: 'e' }
  ])
  await first.close()

  const grown: StoreOptions = {
    entities: [
      { name: 'post', refProperties: ['authorId', 'editorId'] },
      { name: 'tag', refProperties: [] }
    ]
  }
  const store = await openStore(`sqlite:${file}`, grown)
  t.teardown(() => store.close())
  t.same((await store.getMany('post', ['p1', 'p2'])).map(doc => doc.id).sort(), ['p1', 'p2'], 'data survived')
  const edited = await store.findByRefs('post', 'editorId', ['e'], { perRefLimit: 1 })
  t.same([edited.items.map(doc => doc.id), edited.totals.get('e')], [['p1'], 2], 'the new column covers old rows')
  t.same(await store.upsertMany('tag', [{ id: 't1' }]), [{ id: 't1' }], 'the new entity has a table')

  const db = raw(t, file)
  const columns = (db.prepare('SELECT name FROM pragma_table_xinfo(?)').all('post') as Array<{ name: string }>).map(
    c => c.name
  )
  t.same(columns, ['id', 'doc', 'ref_authorId', 'ref_editorId'])
  const indexes = (db.prepare('SELECT name FROM pragma_index_list(?)').all('post') as Array<{ name: string }>).map(
    i => i.name
  )
  t.ok(indexes.includes('post_by_editorId_id'), indexes.join(', '))
  const indexSql = (name: string): string =>
    (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql
  t.match(indexSql('post_by_authorId_id'), /\("ref_authorId", id, "ref_editorId"\)$/,
    'an existing ref index is rebuilt to hold the new ref too')
  t.match(indexSql('post_by_editorId_id'), /\("ref_editorId", id, "ref_authorId"\)$/)
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  t.match(
    plan(db, statements.firstChildrenSql('"post"', '"ref_editorId"'), '["e"]', 1).join('\n'),
    /USING (COVERING )?INDEX post_by_editorId_id/
  )
})

t.test('reopening a file of an earlier version replaces its single-column ref index', async t => {
  const file = nextFile()
  const before = new Database(file)
  before.exec(
    'CREATE TABLE "post" (id TEXT PRIMARY KEY, doc TEXT NOT NULL CHECK (json_valid(doc)), "ref_authorId" ' +
      "GENERATED ALWAYS AS (CASE json_type(doc, '$.authorId') WHEN 'text' THEN json_extract(doc, '$.authorId') END) " +
      'VIRTUAL)'
  )
  before.exec('CREATE INDEX "post_by_authorId" ON "post" ("ref_authorId")')
  before.close()
  const store = await openSqliteStore(file, POSTS, { timeoutMs: 5000, readWorkers: 0 })
  t.teardown(() => store.close())
  const indexes = (
    raw(t, file).prepare('SELECT name FROM pragma_index_list(?)').all('post') as Array<{ name: string }>
  ).map(i => i.name)
  t.ok(indexes.includes('post_by_authorId_id'))
  t.notOk(indexes.includes('post_by_authorId'), 'the old index is dropped')
})

t.test('getMany, findByRefs and ref filters are served by indexes', async t => {
  const posts = Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, authorId: `a${i % 10}` }))
  const { db } = await planned(t, POSTS, { post: posts })
  const ids = JSON.stringify(Array.from({ length: 500 }, (_, i) => `p${i}`))
  const getMany = plan(db, statements.getManySql('"post"'), ids)
  t.match(
    getMany.join('\n'),
    /SEARCH post USING (INDEX sqlite_autoindex_post_1|PRIMARY KEY) \(id=\?\)/,
    'getMany: primary key'
  )
  const byRefs = ([
    [statements.countByRefsSql('"post"', '"ref_authorId"'), '["a1","a2"]'],
    [statements.childrenSql('"post"', '"ref_authorId"'), '["a1","a2"]'],
    [statements.firstChildrenSql('"post"', '"ref_authorId"'), '["a1","a2"]', 3]
  ] as const).flatMap(([sql, ...params]) => {
    const steps = plan(db, sql, ...params)
    t.match(
      steps.join('\n'),
      /SEARCH post USING (COVERING )?INDEX post_by_authorId_id \(ref_authorId=\?\)/,
      `findByRefs: ref index for ${sql.slice(0, 40)}`
    )
    // the cut parents' few rows are sorted after the join; the whole children come in index order
    if (params.length === 1) t.notMatch(steps.join('\n'), /TEMP B-TREE FOR ORDER BY/, 'in index order, no sort')
    return steps
  })
  const where = conditionSql({ op: 'eq', field: 'authorId', value: 'a1' }, tableSql(POSTS.entities[0]!))
  const filtered = plan(db, statements.countSql('"post"', where.sql), ...where.params, -1)
  t.match(filtered.join('\n'), /USING (COVERING )?INDEX post_by_authorId_id/, 'eq filter on a ref property')
  for (const detail of [...getMany, ...byRefs, ...filtered]) t.notMatch(detail, /^SCAN post\b/, detail)
})

t.test('a relation filter is a correlated EXISTS served by the child\'s ref index in every statement', async t => {
  const options: StoreOptions = {
    entities: [
      { name: 'order', refProperties: [] },
      { name: 'item', refProperties: ['orderId'] },
      { name: 'staff', refProperties: ['managerId'] }
    ]
  }
  const { db, lookup, plans } = await planned(t, options, ORDERS_ITEMS)
  const some = conditionSql(
    { op: 'some', child: 'item', refProperty: 'orderId', condition: { op: 'eq', field: 'productId', value: 'p1' } },
    lookup('order'),
    lookup
  )
  t.match(
    some.sql,
    /EXISTS \(SELECT 1 FROM "item" AS r1 WHERE r1\."ref_orderId" = "order"\."id" AND/,
    'the outer row is named by its table'
  )
  for (const [statement, details] of Object.entries(plans('"order"', some))) {
    t.match(
      details.join('\n'),
      /SEARCH r1 (EXISTS )?USING (COVERING )?INDEX item_by_orderId_id \(ref_orderId=\?\)/,
      `${statement}: the EXISTS reads the ref index`
    )
    for (const detail of details) t.notMatch(detail, /^SCAN r1\b/, `${statement}: ${detail}`)
  }
  const self = conditionSql(
    {
      op: 'none',
      child: 'staff',
      refProperty: 'managerId',
      condition: { op: 'some', child: 'staff', refProperty: 'managerId' }
    },
    lookup('staff'),
    lookup
  )
  const tick = (alias: string): string =>
    ` AND \\(\\(random\\(\\) & 1023\\) != 0 OR relata_tick\\(${alias}\\.rowid\\)\\)`
  t.match(self.sql, new RegExp('NOT EXISTS \\(SELECT 1 FROM "staff" AS r1 ' +
    'WHERE r1\\."ref_managerId" = "staff"\\."id"' + tick('r1') +
    ' AND \\(EXISTS \\(SELECT 1 FROM "staff" AS r2 WHERE r2\\."ref_managerId" = r1\\."id"' + tick('r2') + '\\)\\)\\)'),
  'a self-reference nests with an alias per level')
  const selfPlan = plan(db, statements.countSql('"staff"', self.sql), -1).join('\n')
  for (const alias of ['r1', 'r2']) {
    t.match(
      selfPlan,
      new RegExp(`SEARCH ${alias} (EXISTS )?USING (COVERING )?INDEX staff_by_managerId_id \\(ref_managerId=\\?\\)`),
      `level ${alias}`
    )
  }
  t.throws(
    () => conditionSql({ op: 'some', child: 'item', refProperty: 'orderId' }, lookup('order')),
    /needs the other tables/
  )
  t.throws(
    () => conditionSql({ op: 'some', child: 'item', refProperty: 'productId' }, lookup('order'), lookup),
    /not a declared ref property/
  )
})

t.test('a $some pinning a reference of the child is a semi-join read through that reference\'s index', async t => {
  const options: StoreOptions = {
    entities: [
      { name: 'order', refProperties: [] },
      { name: 'item', refProperties: ['orderId', 'productId'] }
    ]
  }
  const { db, lookup, plans } = await planned(t, options, ORDERS_ITEMS)
  const pinned = { op: 'eq', field: 'productId', value: 'p1' } as const
  const some = conditionSql({ op: 'some', child: 'item', refProperty: 'orderId', condition: pinned }, lookup('order'),
    lookup)
  t.match(some.sql, /^\("order"\."id" IN \(SELECT r1\."ref_orderId" FROM "item" AS r1 WHERE/)
  for (const [statement, details] of Object.entries(plans('"order"', some))) {
    t.match(details.join('\n'), /SEARCH r1 USING (COVERING )?INDEX item_by_productId_id \(ref_productId=\?\)/,
      `${statement}: the children are read through the productId index`)
    for (const detail of details) t.notMatch(detail, /^SCAN r1\b/, `${statement}: ${detail}`)
  }
  // no item row is read, only index entries (the orderId sits in the productId index)
  t.equal(tableReads(db, 'item', statements.countSql('"order"', some.sql), ...some.params, -1), 0, 'count')
  t.equal(tableReads(db, 'item', statements.findSql('"order"', some.sql, '"id" ASC'), ...some.params, -1,
    ...some.params, 10, 0), 0, 'find')
  const loose = conditionSql({
    op: 'some', child: 'item', refProperty: 'orderId', condition: { op: 'eq', field: 'colour', value: 'red' }
  }, lookup('order'), lookup)
  t.match(loose.sql, /^\(EXISTS \(SELECT 1 FROM "item" AS r1 WHERE r1\."ref_orderId" = "order"\."id"/,
    'a child condition on an unindexed property stays a correlated EXISTS')
  const none = conditionSql({ op: 'none', child: 'item', refProperty: 'orderId', condition: pinned }, lookup('order'),
    lookup)
  t.match(none.sql, /^\(NOT EXISTS \(SELECT 1 FROM "item" AS r1 WHERE r1\."ref_orderId" = "order"\."id"/,
    '$none stays an anti-join')
})

t.test('a relation through a parent key joins on the key\'s unique index and the child\'s ref index', async t => {
  const options: StoreOptions = {
    entities: [
      { name: 'product', refProperties: [], uniqueKeys: [['sku']] },
      { name: 'item', refProperties: ['productSku', 'orderId'] }
    ]
  }
  const { store, lookup, plans: plansOf } = await planned(t, options, {
    product: Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, sku: `S-${i}` })),
    item: Array.from({ length: 1000 }, (_, i) =>
      ({ id: `i${i}`, productSku: `S-${i % 150}`, orderId: `o${i % 300}`, colour: i % 3 === 0 ? 'red' : 'blue' }))
  })
  const plans = (where: { sql: string, params: unknown[] }): Record<string, string> => Object.fromEntries(
    Object.entries(plansOf('"product"', where)).map(([statement, steps]) => [statement, steps.join('\n')]))
  const red = { op: 'eq', field: 'colour', value: 'red' } as const
  for (const op of ['some', 'none'] as const) {
    const exists = conditionSql({ op, child: 'item', refProperty: 'productSku', parentKey: 'sku', condition: red },
      lookup('product'), lookup)
    t.match(exists.sql, /SELECT 1 FROM "item" AS r1 WHERE r1\."ref_productSku" = \(CASE WHEN json_type\("product"\.doc/,
      `${op}: the child's reference equals the parent's key value`)
    for (const [statement, details] of Object.entries(plans(exists))) {
      t.match(details, /SEARCH r1 (EXISTS )?USING (COVERING )?INDEX item_by_productSku_id \(ref_productSku=\?\)/,
        `${op}, ${statement}: the EXISTS reads the ref index`)
      t.notMatch(details, /SCAN r1\b/, `${op}, ${statement}: no scan of the children`)
    }
  }
  const pinned: Condition = { op: 'in', field: 'orderId', values: ['o7', 'o8'] }
  const throughSku: Condition =
    { op: 'some', child: 'item', refProperty: 'productSku', parentKey: 'sku', condition: pinned }
  const semi = conditionSql(throughSku, lookup('product'), lookup)
  t.match(semi.sql, /IN \(SELECT r1\."ref_productSku" FROM "item" AS r1 WHERE/, 'a pinned child reference: a semi-join')
  for (const [statement, details] of Object.entries(plans(semi))) {
    t.match(details, /SEARCH r1 USING (COVERING )?INDEX item_by_orderId_id \(ref_orderId=\?\)/,
      `${statement}: the children are read through the orderId index`)
    t.match(details, /SEARCH product USING (COVERING )?INDEX product_unique_sku \(<expr>=\?\)/,
      `${statement}: the parents are read through the key's unique index`)
    t.notMatch(details, /SCAN (r1|product)\b/, `${statement}: no scan`)
  }
  const ids = async (filter: Condition): Promise<string[]> =>
    (await store.find('product', { filter, page: 1, size: 100 })).items.map(doc => doc.id).sort()
  t.same(await ids(throughSku), ['p7', 'p8'], 'the products of the items of o7 and o8')
})

t.test('a document SQLite cannot read is refused and rolls back the whole batch', async t => {
  const store = await openStore('sqlite::memory:', {
    entities: [...POSTS.entities, { name: 'row', refProperties: [] }]
  })
  t.teardown(() => store.close())
  // JSON nested deeper than SQLite's JSON parser allows (1000 levels) passes JSON.stringify
  // but fails inside the transaction (the ref index's json_type, or the table's CHECK when
  // there is no ref column), after the batch's first row was inserted: the rollback is SQLite's.
  let deep: unknown = 1
  for (let i = 0; i < 1200; i++) deep = [deep]
  for (const entity of ['post', 'row']) {
    const error = await store
      .upsertMany(entity, [
        { id: 'first', authorId: 'a' },
        { id: 'deep', deep }
      ])
      .then(
        () => undefined,
        (e: unknown) => e
      )
    t.ok(error instanceof BadRequestError, entity)
    t.match((error as BadRequestError).errors, [{ path: '/1' }])
    t.same(await store.getMany(entity, ['first', 'deep']), [])
  }
  t.same((await store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 })).totals.size, 0)
})

t.test('store faults become StoreUnavailableError without SQL in the message', async t => {
  const file = nextFile()
  const store = await openSqliteStore(file, POSTS, { timeoutMs: 50 })
  t.teardown(() => store.close())
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }])
  const other = raw(t, file)
  other.exec("BEGIN IMMEDIATE; INSERT INTO post (id, doc) VALUES ('x', '{\"id\":\"x\"}')")
  const busy = await store.upsertMany('post', [{ id: 'p2' }]).then(() => undefined, (e: unknown) => e)
  t.ok(busy instanceof StoreUnavailableError)
  t.match((busy as Error).message, /upsertMany on 'post' failed \(SQLITE_BUSY/)
  t.notMatch((busy as Error).message, /INSERT|SELECT/)
  t.same(await store.get('post', 'p1'), { id: 'p1', authorId: 'a' }, 'WAL: reads go on during the write')
  await store.ping()
  t.equal(await store.writeStatus(), 'locked', 'reads answer, writes are locked')
  other.exec('ROLLBACK')
  t.equal(await store.writeStatus(), 'ok')
  t.same(await store.upsertMany('post', [{ id: 'p2' }]), [{ id: 'p2' }], 'recovers once the lock is gone')

  other.exec('DROP TABLE post')
  const ping = await store.ping().then(() => undefined, (e: unknown) => e)
  t.ok(ping instanceof StoreUnavailableError)
  t.match((ping as Error).message, /table 'post' is missing/)
})

t.test('a file that is not a database is unavailable at open', async t => {
  const file = nextFile()
  writeFileSync(file, 'this is not a database '.repeat(200))
  const error = await openStore(`sqlite:${file}`, POSTS).then(() => undefined, (e: unknown) => e)
  t.ok(error instanceof StoreUnavailableError)
  t.match((error as Error).message, /SQLITE_NOTADB/)
  t.notMatch((error as Error).message, /CREATE/)
})

t.test('only store faults are mapped', async t => {
  const fault = (code: string): unknown => storeError(new Database.SqliteError('failure', code), "get on 'post'")
  for (const code of ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR_WRITE', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT',
    'SQLITE_NOTADB', 'SQLITE_READONLY_DBMOVED', 'SQLITE_FULL']) {
    t.ok(fault(code) instanceof StoreUnavailableError, code)
  }
  const bug = new Database.SqliteError('no such column: x', 'SQLITE_ERROR')
  t.equal(storeError(bug, 'find'), bug, 'programming errors pass through unchanged')
  t.ok(storeError(new TypeError('The database connection is not open'), 'get') instanceof StoreUnavailableError)
})

t.test('stream keys keep their exact SQLite value across batches', async t => {
  const store = await openStore('sqlite::memory:', { entities: [{ name: 'row', refProperties: [] }] })
  t.teardown(() => store.close())
  // integers beyond 2^53 are exact in SQLite; the cursor must not round them into duplicates
  const docs: Doc[] = Array.from({ length: 30 }, (_, i) => ({
    id: `r${String(i).padStart(2, '0')}`,
    k: 2 ** 60 + (i % 3) * 2 ** 10
  }))
  await store.upsertMany('row', docs)
  const seen: string[] = []
  for await (const batch of store.stream('row', { sort: [{ field: 'k', desc: true }], batchSize: 4 })) {
    seen.push(...batch.map(doc => doc.id))
  }
  t.equal(seen.length, 30)
  t.equal(new Set(seen).size, 30)
})

t.test('property paths reach SQL only when they are plain names', async t => {
  const store = await openStore('sqlite::memory:', POSTS)
  t.teardown(() => store.close())
  const error = await store.find('post', { filter: { op: 'eq', field: "x') OR 1 --", value: 1 }, page: 1, size: 1 })
    .then(() => undefined, (e: unknown) => e)
  t.ok(
    error instanceof Error && !(error instanceof BadRequestError),
    'a path parseFilter would refuse is a programming error'
  )
  const badRef = await openStore('sqlite::memory:', { entities: [{ name: 'post', refProperties: ['a.b'] }] })
    .then(() => undefined, (e: unknown) => e)
  t.match((badRef as Error).message, /top-level property/)
})

t.test('openStore reports a database directory it cannot create', async t => {
  const file = nextFile()
  writeFileSync(file, '')
  const error = await openStore(`sqlite:${join(file, 'below', 'x.db')}`, POSTS).then(() => undefined, (e: unknown) => e)
  t.ok(error instanceof StoreUnavailableError)
  t.match((error as Error).message, /cannot create the directory/)
})
