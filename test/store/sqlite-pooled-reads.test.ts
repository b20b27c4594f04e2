// SQLite on a file: point reads of many ids or parents (a stream batch's relatives) run in a read
// worker, so that the main thread only assembles and writes answers; those of a GET or a page
// stay on the main connection. Both give the same documents.
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { FramedStore } from '../../src/store/frame/framed-store.js'
import type { ReadPool } from '../../src/store/sqlite/read-pool.js'
import type { TableSql } from '../../src/store/sqlite/identifiers.js'
import { ensureSchema } from '../../src/store/sqlite/schema.js'
import { registerTick, runRead, SqlReader, type ReadOp, type ReadOps } from '../../src/store/sqlite/sql-reader.js'
import { POOLED_KEYS, SqliteAdapter } from '../../src/store/sqlite/sqlite-store.js'
import type { Doc, StoreOptions } from '../../src/store/store.js'

const OPTIONS: StoreOptions = {
  entities: [{ name: 'author', refProperties: [] }, { name: 'post', refProperties: ['authorId'] }]
}

/** A pool that runs each read on a connection of its own, as a worker would, and records the reads. */
function recordingPool (file: string, ops: ReadOp[]): ReadPool {
  const db = new Database(file, { readonly: true })
  registerTick(db)
  const reader = new SqlReader(db)
  return {
    async run<K extends ReadOp> (op: K, args: ReadOps[K][0]): Promise<ReadOps[K][1]> {
      ops.push(op)
      return runRead(reader, op, args)
    },
    async close () { db.close() }
  } as unknown as ReadPool
}

/** A store on a fresh file whose read pool runs on the test's connection, recording each op it is given. */
async function recordingStore (t: Test): Promise<{ store: FramedStore<TableSql>, ops: ReadOp[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'relata-pooled-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'pooled.db')
  const db = new Database(file)
  t.teardown(() => db.close())
  registerTick(db)
  await ensureSchema(db, OPTIONS.entities)
  const ops: ReadOp[] = []
  const store = new FramedStore(new SqliteAdapter(db, OPTIONS, { lockWaitMs: 100 }, recordingPool(file, ops)), OPTIONS)
  t.teardown(() => store.close())
  return { store, ops }
}

t.test('many ids or parents are read in a worker, few on the main connection, with the same answers', async t => {
  const { store, ops } = await recordingStore(t)
  const authors: Doc[] = Array.from({ length: POOLED_KEYS }, (_, i) => ({ id: `a${String(i).padStart(4, '0')}` }))
  const posts: Doc[] = authors.flatMap(a => [1, 2].map(n => ({ id: `${a.id}-p${n}`, authorId: a.id })))
  await store.upsertMany('author', authors)
  await store.upsertMany('post', posts)
  const ids = authors.map(a => a.id)
  const few = ids.slice(0, POOLED_KEYS - 1)

  t.same(await store.getMany('author', few), authors.slice(0, -1), 'getMany of fewer ids: every document')
  t.same((await store.findByRefs('post', 'authorId', few, { perRefLimit: 5 })).items, posts.slice(0, -2),
    'findByRefs of fewer parents: every child')
  t.same(ops, [], `under ${POOLED_KEYS} ids, nothing went to a worker`)

  t.same(await store.getMany('author', ids), authors, 'getMany of many ids: every document')
  const children = await store.findByRefs('post', 'authorId', ids, { perRefLimit: 1 })
  t.same(children.items, authors.map(a => ({ id: `${a.id}-p1`, authorId: a.id })), 'the per-parent limit holds')
  t.equal(children.totals.get('a0000'), 2, 'with every parent\'s count')
  t.same(ops, ['all', 'children'], `from ${POOLED_KEYS} ids on, both ran in a worker`)
})

t.test('a stream batch of graphs crosses from the read worker as one text, a graph per line', async t => {
  const { store, ops } = await recordingStore(t)
  // a0 and a2 have two posts (a list cut at one), a1 one, a3 none
  await store.upsertMany('author', ['a0', 'a1', 'a2', 'a3'].map(id => ({ id })))
  const postIds = ['a0-p1', 'a0-p2', 'a1-p1', 'a2-p1', 'a2-p2']
  await store.upsertMany('post', postIds.map(id => ({ id, authorId: id.slice(0, 2) })))
  const plan = {
    hidden: [],
    parents: [],
    children: [
      { child: 'post', property: 'authorId', parentKey: 'id', key: 'post.authorId', limit: 1, below: { hidden: [] } }
    ],
    counts: []
  }
  const batches: Array<Array<{ text: string, cut: boolean }>> = []
  for await (const batch of store.graphTexts!.stream!('author', { batchSize: 3 }, plan)) batches.push(batch)

  const list = (author: string, total: number): string =>
    `{"entity":{"id":"${author}"},"parents":{},"children":{"post":{"authorId":[` +
    (total === 0 ? '' : `{"id":"${author}-p1","authorId":"${author}"}`) +
    `]}},"meta":{"children":{"post.authorId":{"total":${total},"returned":${Math.min(total, 1)}` +
    (total > 1 ? `,"last":{"id":"${author}-p1","authorId":"${author}"}` : '') + '}}}}'
  t.same(batches, [
    [{ text: list('a0', 2), cut: true }, { text: list('a1', 1), cut: false }, { text: list('a2', 2), cut: true }],
    [{ text: list('a3', 0), cut: false }]
  ], 'each graph its own text, the cut ones marked as such and their marks taken out')
  t.same(ops, ['graphBatch', 'graphBatch'], 'each batch one read in the worker, handed over as one text')
})
