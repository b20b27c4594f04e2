// A bulk write interrupted by a fault half-way leaves nothing behind, on every store: the
// batch is all or nothing, including replacements of existing documents. (MongoDB without a
// replica set has no transactions: there a failed batch can be partly written; see its adapter.)
import t, { type Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { MongoNetworkError } from 'mongodb'
import { MemoryTable } from '../../src/store/memory/memory-table.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { onStandIn } from '../support/mongo-stores.js'
import { build } from '../helper.js'
import { breakSqliteDisk } from './faults.js'

const customers = (from: number, count: number, name: string) =>
  Array.from({ length: count }, (_, i) => ({ id: `c${from + i}`, name, email: `c${from + i}@example.com` }))

async function snapshot (app: FastifyInstance): Promise<string> {
  const res = await app.inject('/api/customers?size=1000&sort=id')
  return res.body
}

/** Writes 50 customers, then a batch of 100 (the 50 replaced + 50 new) that fails at item 60. */
async function interruptedBatch (t: Test, app: FastifyInstance, breakAfter: (n: number) => () => void): Promise<void> {
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/customers', payload: customers(1, 50, 'before') })).statusCode,
    201
  )
  const before = await snapshot(app)
  const heal = breakAfter(60)
  t.teardown(heal)
  const res = await app.inject({ method: 'POST', url: '/api/customers', payload: customers(1, 100, 'after') })
  heal()
  t.ok(res.statusCode >= 500, `the write failed (${res.statusCode})`)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(await snapshot(app), before, 'no document of the batch was stored or replaced')
  t.equal((await app.inject('/api/customers/c51')).statusCode, 404)
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/customers', payload: customers(1, 100, 'after') })).statusCode,
    201,
    'the same write succeeds once the fault is gone'
  )
  t.equal((await app.inject('/api/customers?size=1')).headers['x-total-count'], '100')
}

t.test('SQLite: a disk fault in the middle of a transaction rolls the batch back', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-bulk-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const app = await build(t, { env: { DATABASE_URL: `sqlite:${join(dir, 'bulk.db')}` } })
  await interruptedBatch(t, app, n => breakSqliteDisk(n))
})

t.test('memory: a fault in the middle of a batch restores what was there', async t => {
  const app = await build(t, { env: { DATABASE_URL: 'memory:' } })
  await interruptedBatch(t, app, n => {
    const original = MemoryTable.prototype.put
    let left = n
    MemoryTable.prototype.put = function failingPut (this: MemoryTable, json: string, index: number) {
      if (left-- === 0) throw new Error('injected fault: out of memory, once')
      original.call(this, json, index)
    }
    return () => { MemoryTable.prototype.put = original }
  })
})

t.test('MongoDB (stand-in driver, replica set): a network failure half-way aborts the transaction', async t => {
  const standIn = new MongoStandIn()
  const app = await build(t, {
    openStore: onStandIn(standIn)
  })
  await interruptedBatch(t, app, n => {
    standIn.failWritesAfter(n, new MongoNetworkError('connection reset during the write'))
    return () => {}
  })
})
