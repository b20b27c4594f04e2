// A client that leaves a PostgreSQL read cancels its statement (backend-cancel.ts), and the
// connection goes back to the pool warm, not replaced by a new backend: a page whose read waits
// for a lock is left by its client while the lock is still held; the statement stops waiting at
// once, and the next request runs on the same backend.
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import t from 'tap'
import { writeShop } from '../../src/sample/seed.js'
import { build } from '../helper.js'
import { createSchema, dropSchema, PG_TEST_URL, schemaUrl, waitingOnLock } from '../support/postgres.js'

async function backends (application: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  try {
    const { rows } = await client.query(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query NOT LIKE '%pg_cancel_backend%'",
      [application])
    return (rows as Array<{ pid: number }>).map(row => row.pid)
  } finally {
    await client.end()
  }
}

async function lockWaiters (application: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  try {
    const { rows } = await client.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [application])
    return rows.length
  } finally {
    await client.end()
  }
}

for (const graphs of ['true', 'false']) {
  t.test(`a client leaving a read cancels it and leaves the connection warm (GRAPHS_IN_STORE=${graphs})`, async t => {
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    const application = `relata-cancel-${process.pid}-${graphs}`
    const env = {
      DATABASE_URL: schemaUrl(schema, application),
      PG_POOL_SIZE: '1',
      STORE_TIMEOUT_MS: '20000',
      GRAPHS_IN_STORE: graphs
    }
    const app = await build(t, { env })
    await writeShop(app.relata.store, { customers: 3, products: 3, orders: 10, itemsPerOrder: 2 })
    t.equal((await app.inject('/api/orders?with=all&size=5')).statusCode, 200)
    const [pid] = await backends(application)
    t.ok(pid !== undefined, 'the pool holds one connection')

    const locker = new pg.Client({ connectionString: schemaUrl(schema) })
    await locker.connect()
    t.teardown(() => locker.end())
    await locker.query('BEGIN')
    await locker.query('LOCK TABLE "Order" IN ACCESS EXCLUSIVE MODE')
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const left = request(`http://127.0.0.1:${port}/api/orders?with=all&size=5`)
    left.on('error', () => {})
    left.end()
    await waitingOnLock(application)
    left.destroy()
    let waiting = await lockWaiters(application)
    for (let i = 0; i < 200 && waiting > 0; i++) {
      await new Promise(resolve => setTimeout(resolve, 20))
      waiting = await lockWaiters(application)
    }
    t.equal(waiting, 0, 'the statement stopped waiting while the lock is still held: it was cancelled')
    await locker.query('COMMIT')

    const next = await app.inject('/api/orders?with=all&size=5')
    t.equal(next.statusCode, 200, next.body.slice(0, 300))
    t.equal((next.json() as unknown[]).length, 5)
    t.same(await backends(application), [pid], 'the next request ran on the same backend: the connection was kept')
  })
}
