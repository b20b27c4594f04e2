// Store faults: a locked SQLite file, a disk that fails reads, a store that throws or hangs.
// Each answers 503 problem+json quickly, /health reports the store down (or, under a write
// lock, writes locked while reads work), the process lives on, and everything works again once
// the fault clears, without a restart.
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { closeSync, openSync, statSync, writeSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { MongoNetworkError } from 'mongodb'
import { createMemoryStore } from '../../src/store/memory/memory-store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { onStandIn } from '../support/mongo-stores.js'
import { build } from '../helper.js'
import { breakSqliteDisk, faulty } from './faults.js'

const TIMEOUT_MS = 200
const QUICK_MS = 1000

process.on('unhandledRejection', err => { t.fail(`unhandled rejection: ${String(err)}`) })

async function timed (app: FastifyInstance, options: InjectOptions) {
  const start = performance.now()
  const res = await app.inject(options)
  return { res, ms: performance.now() - start }
}

async function assertUnavailable (t: Test, app: FastifyInstance, options: InjectOptions, label: string): Promise<void> {
  const { res, ms } = await timed(app, options)
  t.equal(res.statusCode, 503, `${label}: 503`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${label}: problem+json`)
  t.ok(Number(res.headers['retry-after']) > 0, `${label}: Retry-After`)
  t.ok(ms < QUICK_MS, `${label}: answered in ${ms.toFixed(0)} ms`)
  t.notMatch(res.body, /SELECT|INSERT|SQLITE_|disk I\/O/, `${label}: no SQL nor driver text in the answer`)
}

/**
 * A seeded app on a SQLite file. `mainThreadOnly`: no read workers, for faults that breakSqliteDisk
 * injects, since it patches better-sqlite3 in this thread only and a worker's connection would
 * read on unharmed (graphs SQLite builds run whole in a worker). `logs` receives the error log.
 */
async function sqliteApp (t: Test, mainThreadOnly = false,
  logs?: Writable): Promise<{ app: FastifyInstance, file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-faults-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'shop.db')
  const app = await build(t, {
    env: {
      DATABASE_URL: `sqlite:${file}`, SEED: 'true', STORE_TIMEOUT_MS: String(TIMEOUT_MS), GRAPHS_IN_STORE: 'true'
    },
    ...(logs === undefined ? {} : { logger: { level: 'error', stream: logs } }),
    ...(mainThreadOnly
      ? {
          openStore: async (_url, options) =>
            await openSqliteStore(file, options, { timeoutMs: TIMEOUT_MS, readWorkers: 0 })
        }
      : {})
  })
  return { app, file }
}

const order = { customerId: 'cust-1', status: 'open', total: 1, createdAt: '2026-01-01T00:00:00Z' }

t.test('the SQLite write lock held by another connection for 3 s: reads go on, writes 503, /health splits', async t => {
  const { app, file } = await sqliteApp(t)
  // warm up the routes first: a first request compiles schemas and serializers
  t.equal((await app.inject({ method: 'PATCH', url: '/api/orders/ord-2', payload: { total: 2 } })).statusCode, 200)
  t.equal((await app.inject('/api/orders?with=all&size=5')).statusCode, 200)
  const other = new Database(file)
  t.teardown(() => { if (other.open) other.close() })
  other.exec('BEGIN EXCLUSIVE')
  const released = new Promise<void>(resolve => setTimeout(() => { other.exec('ROLLBACK'); resolve() }, 3000))
  const lockedUntil = performance.now() + 3000
  // a pending write must not hold up the reads: fire it, read meanwhile, then look at its answer
  let writeAnswered = Infinity
  const write = timed(app, { method: 'POST', url: '/api/orders', payload: order })
    .finally(() => { writeAnswered = performance.now() })
  const reads = await Promise.all(['/api/orders/ord-1?with=all', '/api/orders?with=all&size=5', '/api/orders/stream']
    .map(url => timed(app, { method: 'GET', url })))
  const readsAnswered = performance.now()
  for (const { res, ms } of reads) {
    t.equal(res.statusCode, 200, 'a read during the lock answers 200')
    t.ok(ms < QUICK_MS, `a read during the lock answered in ${ms.toFixed(0)} ms`)
  }
  const written = await write
  t.ok(readsAnswered < writeAnswered, 'the reads answered while the write was still waiting for the lock')
  t.equal(written.res.statusCode, 503, 'the write answers 503')
  const waited = written.ms
  t.ok(waited >= TIMEOUT_MS / 2 && waited < 2 * QUICK_MS, `after waiting for the lock (${waited.toFixed(0)} ms)`)
  t.match(written.res.json(), { detail: /^sqlite store: .*(failed|STORE_TIMEOUT_MS)/ })
  t.notMatch(written.res.body, /SQLITE_BUSY|database is locked/, 'the driver\'s text stays in the log')
  await assertUnavailable(t, app, { method: 'DELETE', url: '/api/orders/ord-1' }, 'DELETE while locked')
  const health = await timed(app, { method: 'GET', url: '/health' })
  t.equal(health.res.statusCode, 200, '/health answers 200 while reads work')
  t.ok(health.ms < QUICK_MS, `/health does not wait for the lock (${health.ms.toFixed(0)} ms)`)
  t.same(health.res.json().store, { kind: 'sqlite', read: 'ok', write: 'locked' })
  t.equal(health.res.json().status, 'ok')
  t.ok(performance.now() < lockedUntil, 'all of the above happened while the lock was held')
  await released
  other.close()
  t.same((await app.inject('/health')).json().store, { kind: 'sqlite', read: 'ok', write: 'ok' }, 'writable again')
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/orders', payload: order })).statusCode,
    201,
    'writes work again'
  )
  t.equal((await app.inject('/api/orders/ord-1')).statusCode, 200, 'the data survived')
})

t.test('a SQLite disk that fails reads: every route answers 503, then recovers', async t => {
  const { app } = await sqliteApp(t, true)
  const heal = breakSqliteDisk()
  t.teardown(heal)
  for (const url of [
    '/api/orders/ord-1',
    '/api/orders?with=all',
    '/api/orders/stream?with=all',
    '/api/customers/cust-1?with=all',
    '/health'
  ]) {
    await assertUnavailable(t, app, { method: 'GET', url }, `GET ${url}`)
  }
  await assertUnavailable(t, app, { method: 'POST', url: '/api/orders', payload: [order, order] }, 'POST')
  await assertUnavailable(t, app, { method: 'PATCH', url: '/api/orders/ord-1', payload: { total: 2 } }, 'PATCH')
  heal()
  t.equal((await app.inject('/health')).statusCode, 200)
  t.equal(
    (await app.inject('/api/orders/ord-1?with=all')).json().entity.total,
    (await app.inject('/api/orders/ord-1')).json().total
  )
  t.equal((await app.inject('/api/orders/stream')).body.split('\n').length, 101, 'streams work again')
})

/**
 * Damages the file under the store, as a disk that returns garbage would: after a checkpoint
 * (so that every page is in the file, none in the WAL), every page but the first (the schema
 * header) is zeroed, so a connection reading a table's pages afresh finds them malformed.
 */
function zeroPagesAfterFirst (file: string): void {
  const other = new Database(file)
  const pageSize = other.pragma('page_size', { simple: true }) as number
  other.pragma('wal_checkpoint(TRUNCATE)')
  other.close()
  const size = statSync(file).size
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, Buffer.alloc(size - pageSize), 0, size - pageSize, pageSize)
  } finally {
    closeSync(fd)
  }
}

t.test('a read that fails inside a SQLite read worker (a page, a stream batch of graphs): 503', async t => {
  // graphs SQLite builds run whole in a read worker for a page and a stream batch; the worker's
  // own connection has read nothing yet, so it meets the damage (breakSqliteDisk cannot reach it)
  const logged: Array<{ err?: { stack: string, reason: string } }> = []
  const logs = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logged.push(JSON.parse(line) as never)
      done()
    }
  })
  const { app, file } = await sqliteApp(t, false, logs)
  zeroPagesAfterFirst(file)
  for (const url of ['/api/orders?with=all', '/api/orders/stream?with=all']) {
    await assertUnavailable(t, app, { method: 'GET', url }, `GET ${url}`)
    const err = logged.at(-1)?.err
    t.match(err?.reason, /^SQLITE_CORRUPT/, `GET ${url}: the fault is logged`)
    // the SqliteError the pool makes again from a worker's answer: the statement failed there
    t.match(err?.stack, /caused by: SqliteError[^]*ReadPool\.answer/, `GET ${url}: it failed in a read worker`)
  }
})

t.test('a store that throws, then hangs: 503 within the store timeout, then recovers', async t => {
  let control: ReturnType<typeof faulty> | undefined
  const app = await build(t, {
    env: { STORE_TIMEOUT_MS: String(TIMEOUT_MS), SEED: 'true' },
    openStore: async (_url, options) => (control = faulty(createMemoryStore(options))).store
  })
  // SEED=true only seeds the built-in model: seed by hand through the API
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/customers',
        payload: { id: 'c1', name: 'Ann', email: 'ann@example.com' }
      })
    ).statusCode,
    201
  )
  for (const mode of ['throw', 'hang'] as const) {
    control!.mode = mode
    for (const url of ['/api/customers/c1?with=all', '/api/customers?with=all', '/api/customers/stream', '/health']) {
      await assertUnavailable(t, app, { method: 'GET', url }, `${mode}: GET ${url}`)
    }
    await assertUnavailable(
      t,
      app,
      { method: 'PUT', url: '/api/customers/c2', payload: { name: 'Bo', email: 'bo@example.com' } },
      `${mode}: PUT`
    )
    control!.mode = 'ok'
    t.equal((await app.inject('/health')).statusCode, 200, `${mode}: healthy again`)
    t.equal((await app.inject('/api/customers/c1')).json().name, 'Ann', `${mode}: reads again`)
  }
  t.equal(
    (await app.inject({ method: 'PUT', url: '/api/customers/c2', payload: { name: 'Bo', email: 'bo@example.com' } }))
      .statusCode,
    201,
    'writes again'
  )
})

t.test('a MongoDB server that becomes unreachable (stand-in driver): 503, then recovers', async t => {
  const standIn = new MongoStandIn()
  const app = await build(t, {
    env: { STORE_TIMEOUT_MS: String(TIMEOUT_MS) },
    openStore: onStandIn(standIn)
  })
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/customers',
        payload: { id: 'c1', name: 'Ann', email: 'ann@example.com' }
      })
    ).statusCode,
    201
  )
  standIn.fault(new MongoNetworkError('connection reset by peer'))
  for (const url of [
    '/api/customers/c1?with=all',
    '/api/customers?with=all',
    '/api/customers/stream?with=all',
    '/health'
  ]) {
    await assertUnavailable(t, app, { method: 'GET', url }, `GET ${url}`)
  }
  await assertUnavailable(
    t,
    app,
    { method: 'POST', url: '/api/customers', payload: [{ name: 'Bo', email: 'bo@example.com' }] },
    'POST'
  )
  standIn.fault(undefined)
  t.equal((await app.inject('/health')).statusCode, 200, 'healthy again')
  t.equal((await app.inject('/api/customers/c1?with=all')).json().entity.name, 'Ann', 'reads again')
})
