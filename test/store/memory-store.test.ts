// The memory store against the shared conformance suite, plus openStore's URL selection.
import t from 'tap'
import { ConfigError } from '../../src/errors.js'
import { createMemoryStore } from '../../src/store/memory/memory-store.js'
import { openStore } from '../../src/store/open-store.js'
import { storeConformance } from './conformance.js'
import { relationConformance } from './relation-conformance.js'
import { keyRelationConformance } from './key-relation-conformance.js'
import { uniqueConformance } from './unique-conformance.js'

storeConformance('memory', async options => createMemoryStore(options))
relationConformance('memory', async options => createMemoryStore(options))
keyRelationConformance('memory', async options => createMemoryStore(options))
uniqueConformance('memory', async options => createMemoryStore(options))

// Beyond the suite: arrays and objects in a sorted field order as their JSON text, because
// that is what SQLite's json_extract yields; the memory store must not order them otherwise.
t.test('memory orders arrays and objects exactly like SQLite', async t => {
  const options = { entities: [{ name: 'row', refProperties: [] }] }
  const docs = [{ id: 'a', v: [1] }, { id: 'b', v: { a: 1 } }, { id: 'c', v: 'Z' }, { id: 'd', v: 2 },
    { id: 'e', v: [] }, { id: 'f', v: '{' }, { id: 'g', v: { a: [true] } }, { id: 'h', v: null }]
  const orders: string[][] = []
  for (const store of [createMemoryStore(options), await openStore('sqlite::memory:', options)]) {
    await store.upsertMany('row', docs)
    const { items } = await store.find('row', { sort: [{ field: 'v', desc: false }], page: 1, size: 10 })
    orders.push(items.map(doc => doc.id))
    await store.close()
  }
  t.same(orders[0], ['h', 'd', 'c', 'a', 'e', 'f', 'b', 'g'], 'missing, numbers, then JSON text: [1] before []')
  t.same(orders[1], orders[0])
})

t.test('openStore selects the adapter from DATABASE_URL', async t => {
  const memory = await openStore('memory:', { entities: [] })
  t.equal(memory.kind, 'memory')
  await memory.close()
  const sqlite = await openStore('sqlite::memory:', { entities: [{ name: 'book', refProperties: [] }] })
  t.equal(sqlite.kind, 'sqlite')
  await sqlite.ping()
  await sqlite.close()
})

t.test('openStore refuses unusable URLs and names DATABASE_URL', async t => {
  for (const url of ['mysql://user:secret@host/db', 'sqlite:', 'sqlite://data/x.db', 'nothing', 'memory://']) {
    const error = await openStore(url, { entities: [] }).then(() => undefined, (e: unknown) => e)
    t.ok(error instanceof ConfigError, url)
    t.match((error as Error).message, /DATABASE_URL/)
    t.match((error as Error).message, /sqlite::memory:.*postgres:\/\//, 'lists the accepted forms')
    t.notMatch((error as Error).message, /secret/, 'never echoes credentials')
  }
})
