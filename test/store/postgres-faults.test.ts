// Faults on a real PostgreSQL server: connections ended by the server mid-stream and
// mid-write, a statement outliving STORE_TIMEOUT_MS, an exhausted pool. Each fault is a
// StoreUnavailableError (503 over HTTP), a write is all or nothing, and the next call succeeds.
import pg from 'pg'
import t, { type Test } from 'tap'
import { StoreUnavailableError } from '../../src/errors.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store, StoreOptions } from '../../src/store/store.js'
import {
  createSchema, dropSchema, PG_TEST_URL, schemaUrl, terminateConnections, waitingOnLock
} from '../support/postgres.js'

const OPTIONS: StoreOptions = { entities: [{ name: 'row', refProperties: [] }] }
let stores = 0

interface Opened { store: Store, schema: string, application: string }

async function open (t: Test, settings: Partial<StoreOptions> = {}): Promise<Opened> {
  const schema = await createSchema()
  const application = `relata-fault-${process.pid}-${++stores}`
  const store = await openStore(schemaUrl(schema, application), { ...OPTIONS, ...settings })
  t.teardown(async () => {
    await store.close()
    await dropSchema(schema)
  })
  await store.upsertMany('row', Array.from({ length: 300 }, (_, i) => ({ id: `r${String(i).padStart(3, '0')}`, i })))
  return { store, schema, application }
}

async function caught (promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => { throw new Error('expected a rejection') }, (error: unknown) => error)
}

/** Holds an exclusive lock on the schema's table until the returned function is called. */
async function lockTable (schema: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  await client.query(`BEGIN; LOCK TABLE "${schema}"."row" IN ACCESS EXCLUSIVE MODE`)
  return async function unlock () {
    await client.query('COMMIT')
    await client.end()
  }
}

t.test('a connection ended mid-stream fails the stream cleanly; the next calls succeed', async t => {
  const { store, application } = await open(t)
  const iterator = store.stream('row', { batchSize: 10 })[Symbol.asyncIterator]()
  t.equal((await iterator.next()).value.length, 10)
  t.equal(await terminateConnections(application), 1, 'the stream\'s connection')
  const error = await caught((async () => { while (!(await iterator.next()).done); })())
  t.ok(error instanceof StoreUnavailableError, String(error))
  t.match((error as Error).message, /postgres store: stream of 'row' failed/)
  t.equal((await store.find('row', { page: 1, size: 1 })).total, 300, 'the pool opens a new connection')
  let read = 0
  for await (const batch of store.stream('row', { batchSize: 100 })) read += batch.length
  t.equal(read, 300, 'a new stream reads everything')
})

t.test('a connection ended mid-write writes nothing; the next write succeeds', async t => {
  const { store, schema, application } = await open(t)
  const unlock = await lockTable(schema)
  const docs = Array.from({ length: 50 }, (_, i) => ({ id: `new${i}`, i }))
  const write = caught(store.upsertMany('row', [...docs, { id: 'r000', i: -1 }]))
  await waitingOnLock(application)
  t.equal(await terminateConnections(application), 1)
  await unlock()
  const error = await write
  t.ok(error instanceof StoreUnavailableError, String(error))
  t.same(await store.getMany('row', docs.map(doc => doc.id)), [], 'none of the batch')
  t.same(await store.get('row', 'r000'), { id: 'r000', i: 0 }, 'the replaced document is unchanged')
  await store.upsertMany('row', docs)
  t.equal((await store.find('row', { page: 1, size: 0 })).total, 350)
})

t.test('the compare-and-move is all or nothing when its connection ends', async t => {
  const { store, schema, application } = await open(t)
  const moves = [{ id: 'r001', rev: '1', doc: { id: 'm1' } }]
  await store.upsertMany('row', [{ id: 'r001', rev: '1' }])
  const unlock = await lockTable(schema)
  const move = caught(store.moveMany('row', 'row', moves))
  await waitingOnLock(application)
  await terminateConnections(application)
  await unlock()
  t.ok(await move instanceof StoreUnavailableError)
  t.same(await store.getMany('row', ['r001', 'm1']), [{ id: 'r001', rev: '1' }], 'the source stays, nothing written')
  t.same(await store.moveMany('row', 'row', moves), ['r001'], 'a retry moves it')
  t.same(await store.getMany('row', ['r001', 'm1']), [{ id: 'm1' }])
})

t.test('a statement that outlives STORE_TIMEOUT_MS is ended by the server', async t => {
  const { store, schema } = await open(t, { timeoutMs: 300 })
  const unlock = await lockTable(schema)
  const started = Date.now()
  const error = await caught(store.upsertMany('row', [{ id: 'late' }]))
  const waited = Date.now() - started
  await unlock()
  t.ok(error instanceof StoreUnavailableError)
  t.match((error as Error).message, /canceling statement due to statement timeout/)
  t.ok(waited >= 250 && waited < 3000, `ended after ${waited} ms`)
  t.equal(await store.get('row', 'late'), undefined, 'and wrote nothing')
  t.same(await store.get('row', 'r001'), { id: 'r001', i: 1 })
})

t.test('an exhausted pool answers unavailable after the timeout, and recovers', async t => {
  const { store } = await open(t, { poolSize: 1, timeoutMs: 300 })
  const iterator = store.stream('row', { batchSize: 10 })[Symbol.asyncIterator]()
  t.equal((await iterator.next()).value.length, 10, 'the stream holds the only connection')
  const error = await caught(store.get('row', 'r001'))
  t.ok(error instanceof StoreUnavailableError)
  t.match((error as Error).message, /get on 'row' failed \(timeout exceeded when trying to connect\)/)
  await iterator.return?.()
  t.same(await store.get('row', 'r001'), { id: 'r001', i: 1 }, 'the connection is back once the stream stops')
})

t.test('a stream whose reader is slower than STORE_TIMEOUT_MS still ends complete', async t => {
  const { store } = await open(t, { timeoutMs: 200 })
  let read = 0
  for await (const batch of store.stream('row', { batchSize: 100 })) {
    read += batch.length
    await new Promise(resolve => setTimeout(resolve, 300))
  }
  t.equal(read, 300)
})

t.test('streams reusing one pooled connection leave one error listener on it, not one each', async t => {
  const { store } = await open(t, { poolSize: 1 })
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.message) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  for (let i = 0; i < 15; i++) {
    let read = 0
    for await (const batch of store.stream('row', { batchSize: 100 })) read += batch.length
    t.equal(read, 300, `stream ${i + 1} reads everything`)
  }
  await new Promise(resolve => setImmediate(resolve))
  t.same(warnings.filter(message => /error listeners added to \[Client\]/.test(message)), [])
})
