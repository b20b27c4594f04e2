// The MongoDB store under production faults, on the stand-in made to fail as the server and
// driver 7 do: outages wrapped in MongoBulkWriteError, reads stopped at their maxTimeMS or by
// their signal (a caller gone, STORE_TIMEOUT_MS spent), write conflicts between concurrent
// transactions, cursors killed between batches.
import {
  MongoBulkWriteError, MongoNetworkError, MongoServerError, MongoServerSelectionError
} from 'mongodb'
import t, { type Test } from 'tap'
import { CancelledError, StoreUnavailableError } from '../../src/errors.js'
import { isUnavailable, storeError } from '../../src/store/mongodb/mongo-errors.js'
import type { ReadOptions, Store, StoreOptions } from '../../src/store/store.js'
import { withTimeout } from '../../src/store/timeout-store.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { bulkWriteError, serverError } from '../support/mongo-server-errors.js'
import { openOnStandIn } from '../support/mongo-stores.js'

const POSTS: StoreOptions = {
  entities: [
    { name: 'post', refProperties: ['authorId'] },
    { name: 'parked', refProperties: [] }
  ]
}

async function standInStore (t: Test, transactions = true, timeoutMs = 5000) {
  const standIn = new MongoStandIn()
  const store = await openOnStandIn(standIn, { ...POSTS, timeoutMs }, transactions)
  t.teardown(() => store.close())
  return { standIn, store }
}

async function caught (promise: Promise<unknown>): Promise<Error> {
  return await promise.then(() => { throw new Error('expected a rejection') }, (error: unknown) => error as Error)
}

t.test('an outage during a bulk write, wrapped by the driver in MongoBulkWriteError, is 503', async t => {
  const selection = new MongoServerSelectionError('Server selection timed out after 1000 ms', {} as never)
  const wrapped = bulkWriteError(selection)
  t.ok(wrapped instanceof MongoBulkWriteError, 'the stand-in wraps as driver 7 does')
  t.equal((wrapped as MongoBulkWriteError).code, undefined, 'no code of its own')
  t.ok(isUnavailable(wrapped))
  t.match((storeError(wrapped, 'upsertMany on \'post\'') as Error).message,
    /upsertMany on 'post' failed \(MongoServerSelectionError: Server selection timed out/, 'names the cause')
  const duplicate = bulkWriteError(serverError(11000, 'DuplicateKey', 'E11000 duplicate key'))
  t.notOk(isUnavailable(duplicate), 'a wrapped duplicate key is still no outage')
  for (const transactions of [true, false]) {
    const { standIn, store } = await standInStore(t, transactions)
    await store.upsertMany('post', [{ id: 'p1', rev: 'r1' }])
    standIn.failWritesAfter(0, new MongoNetworkError('connection reset by peer'))
    const write = await caught(store.upsertMany('post', [{ id: 'p2' }]))
    t.ok(write instanceof StoreUnavailableError, `upsertMany, transactions: ${transactions}`)
    standIn.failWritesAfter(0, new MongoNetworkError('connection reset by peer'))
    const move = await caught(store.moveMany('post', 'parked', [{ id: 'p1', rev: 'r1', doc: { id: 'p1' } }]))
    t.ok(move instanceof StoreUnavailableError, `moveMany, transactions: ${transactions}`)
  }
})

t.test('the server codes of outages, time limits and lost cursors are 503; others are not', async t => {
  const codes = [43, 50, 133, 175, 202, 237]
  for (const code of codes) t.ok(isUnavailable(serverError(code, 'X', `code ${code}`)), `code ${code}`)
  const waitQueue = new (class extends MongoServerError {
    override get name (): string { return 'MongoWaitQueueTimeoutError' }
  })({ message: 'Timed out while checking out a connection from connection pool' })
  t.ok(isUnavailable(waitQueue), 'a full connection pool')
  t.notOk(isUnavailable(serverError(2, 'BadValue', 'bad value')))
})

t.test('every read carries maxTimeMS: a slow read is stopped on the server too (code 50 is 503)', async t => {
  const { standIn, store } = await standInStore(t, true, 100)
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }])
  standIn.slowReads(3000)
  const reads: Array<[string, () => Promise<unknown>]> = [
    ['get', () => store.get('post', 'p1')],
    ['getMany', () => store.getMany('post', ['p1'])],
    ['find', () => store.find('post', { page: 1, size: 5 })],
    ['findByRefs', () => store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 })],
    ['countByRefs', () => store.countByRefs('post', 'authorId', ['a'])]
  ]
  for (const [name, read] of reads) {
    const started = Date.now()
    standIn.maxTimes.length = 0
    const error = await caught(read())
    t.ok(error instanceof StoreUnavailableError, name)
    t.match(error.message, /MaxTimeMSExpired|exceeded time limit/, name)
    t.ok(Date.now() - started < 1500, `${name}: stopped at the limit`)
    t.same(standIn.maxTimes, [100], `${name}: maxTimeMS is the store timeout`)
    t.equal(standIn.running, 0, `${name}: the server is not working on it any more`)
  }
  standIn.slowReads(0)
  await store.upsertMany('post', [{ id: 'p2' }])
  t.same(standIn.commitTimes, [100, 100], 'each transaction commits within maxCommitTimeMS')
})

t.test('two transactions writing one document: the loser is retried, both succeed', async t => {
  const { standIn, store } = await standInStore(t)
  const writes = Array.from({ length: 4 },
    (_, i) => store.upsertMany('post', [{ id: 'same', v: i }, { id: `own${i}` }]))
  const results = await Promise.allSettled(writes)
  t.same(results.map(r => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
  t.ok(standIn.roundTrips.filter(c => c === 'bulkWrite').length > 4, 'some were retried after a write conflict')
  t.equal((await store.getMany('post', ['own0', 'own1', 'own2', 'own3'])).length, 4)
  t.equal(standIn.locks.size, 0, 'no transaction holds a document')
})

t.test('a write racing the healer\'s move: both complete, the record moves once', async t => {
  const { store } = await standInStore(t)
  await store.upsertMany('parked', [{ id: 'x', rev: 'r1', doc: 1 }])
  const [moved, written] = await Promise.all([
    store.moveMany('parked', 'post', [{ id: 'x', rev: 'r1', doc: { id: 'x', from: 'healer' } }]),
    store.upsertMany('post', [{ id: 'x', from: 'client' }])
  ])
  t.same(moved, ['x'])
  t.equal(written.length, 1)
  t.same(await store.get('parked', 'x'), undefined)
})

t.test('a conflict that lasts past the time budget answers 503', async t => {
  const { standIn, store } = await standInStore(t, true, 50)
  const session = standIn.client.startSession()
  session.startTransaction({ maxCommitTimeMS: 1000 })
  await standIn.db.collection('post').bulkWrite(
    [{ replaceOne: { filter: { _id: 'held' }, replacement: {}, upsert: true } }], { ordered: true, session })
  const error = await caught(store.upsertMany('post', [{ id: 'held', v: 1 }]))
  t.ok(error instanceof StoreUnavailableError)
  t.match(error.message, /WriteConflict|Write conflict/)
  await session.abortTransaction()
  await session.endSession()
  t.same(await store.upsertMany('post', [{ id: 'held', v: 2 }]), [{ id: 'held', v: 2 }], 'free again')
})

t.test('a stream whose cursor the server killed answers 503 saying how to resume', async t => {
  const { standIn, store } = await standInStore(t)
  await store.upsertMany('post', Array.from({ length: 30 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}` })))
  const iterator = store.stream('post', { batchSize: 10 })[Symbol.asyncIterator]()
  t.equal((await iterator.next()).value?.length, 10)
  standIn.killCursors()
  const error = await caught(iterator.next())
  t.ok(error instanceof StoreUnavailableError)
  t.match(error.message, /CursorNotFound|cursor id \d+ not found/)
  t.match(error.message, /stopped after 10 documents: resume it with after=<the cursor of the last line received>/)
})

/** Every read kind, with the options it is sent with. */
function reads (store: Store): Array<[string, (options: ReadOptions) => Promise<unknown>]> {
  return [
    ['get', options => store.get('post', 'p1', options)],
    ['getMany', options => store.getMany('post', ['p1'], options)],
    ['find', options => store.find('post', { page: 1, size: 5 }, options)],
    ['findByRefs', options => store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 }, options)],
    ['countByRefs', options => store.countByRefs('post', 'authorId', ['a'], options)],
    ['stream', async options => await store.stream('post', { batchSize: 5 }, options)[Symbol.asyncIterator]().next()]
  ]
}

async function untilRunning (standIn: MongoStandIn): Promise<void> {
  for (let i = 0; i < 100 && standIn.running === 0; i++) await new Promise(resolve => setTimeout(resolve, 5))
}

t.test('a read whose caller goes away stops on the server: the signal reaches the driver', async t => {
  const { standIn, store } = await standInStore(t, true, 60_000)
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }])
  standIn.slowReads(5000)
  for (const [name, read] of reads(store)) {
    const controller = new AbortController()
    const started = Date.now()
    const reading = caught(read({ signal: controller.signal }))
    await untilRunning(standIn)
    t.equal(standIn.running, 1, `${name}: the server works on it`)
    controller.abort()
    t.ok(await reading instanceof CancelledError, name)
    await new Promise(resolve => setImmediate(resolve))
    t.equal(standIn.running, 0, `${name}: the server stopped working on it`)
    t.equal(standIn.openCursors.size, 0, `${name}: no cursor left open`)
    t.ok(Date.now() - started < 2000, `${name}: at once`)
  }
})

t.test('a read past STORE_TIMEOUT_MS answers 503 and stops on the server, before its maxTimeMS', async t => {
  // the server's own bound far away: only the timeout's signal can stop the work in time
  const { standIn, store: raw } = await standInStore(t, true, 60_000)
  const store = withTimeout(raw, 100)
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }])
  standIn.slowReads(5000)
  for (const [name, read] of reads(store)) {
    const started = Date.now()
    const error = await caught(read({}))
    t.ok(error instanceof StoreUnavailableError, name)
    t.match(error.message, /did not answer within STORE_TIMEOUT_MS \(100 ms\)/, name)
    t.ok(Date.now() - started < 2000, `${name}: cut at the timeout`)
    await new Promise(resolve => setImmediate(resolve))
    t.equal(standIn.running, 0, `${name}: the server stopped working on it`)
  }
  standIn.slowReads(0)
  t.same(await store.get('post', 'p1'), { id: 'p1', authorId: 'a' }, 'the store answers the next read')
})

t.test('a timeout stops the reads running then with the caller\'s signal, not its later ones', async t => {
  const { standIn, store: raw } = await standInStore(t, true, 60_000)
  const store = withTimeout(raw, 100)
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }])
  // a library caller may pass one long-lived signal to all its reads
  const caller = new AbortController().signal
  standIn.slowReads(5000)
  t.ok(await caught(store.get('post', 'p1', { signal: caller })) instanceof StoreUnavailableError, 'timed out')
  standIn.slowReads(0)
  t.same(await store.get('post', 'p1', { signal: caller }), { id: 'p1', authorId: 'a' },
    'a later read with the same signal answers')
})

t.test('many concurrent reads sharing a request\'s signal raise no listener-leak warning', async t => {
  const { store: raw } = await standInStore(t)
  const store = withTimeout(raw, 5000)
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }])
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  const caller = new AbortController().signal
  const docs = await Promise.all(Array.from({ length: 40 }, () => store.get('post', 'p1', { signal: caller })))
  t.equal(docs.length, 40)
  await new Promise(resolve => setImmediate(resolve))
  t.same(warnings.filter(name => name === 'MaxListenersExceededWarning'), [])
})
