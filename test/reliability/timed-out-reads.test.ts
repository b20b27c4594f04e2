// A read that runs out of STORE_TIMEOUT_MS, or whose client goes away, is stopped in the store,
// not only answered: over a real socket, on PostgreSQL the statement is gone from
// pg_stat_activity, and on the MongoDB stand-in the "server" stops working on it. The stores'
// own bounds (statement_timeout, maxTimeMS) are set far away here, so only the cancellation can
// end the work in time. On SQLite a read in a worker is stopped by terminating the worker:
// slow-queries.test.ts.
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import t, { type Test } from 'tap'
import { writeShop } from '../../src/sample/seed.js'
import { createMongoStore } from '../../src/store/mongodb/mongo-store.js'
import { openStore } from '../../src/store/open-store.js'
import { build } from '../helper.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { admin, createSchema, dropSchema, PG_TEST_URL, schemaUrl, waitingOnLock } from '../support/postgres.js'
import { sleep } from './server-process.js'

const SIZE = { customers: 5, products: 10, orders: 50, itemsPerOrder: 2 }
const ENV = { LOG_LEVEL: 'silent', SEED: 'false', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' }
/** The stores' own bound (statement_timeout, maxTimeMS): far past any test. */
const STORE_BOUND_MS = 60_000
const POINT_READ = '/api/orders/ord-1?with=all'
const FILTERED = `/api/orders?filter=${encodeURIComponent('{"status":"paid"}')}`
let apps = 0

async function listening (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

interface Answer { status: number, type: string | undefined, body: string, ms: number }

async function fetchOver (url: string): Promise<Answer> {
  const started = performance.now()
  const res = await new Promise<IncomingMessage>((resolve, reject) => request(url, resolve).on('error', reject).end())
  let body = ''
  for await (const chunk of res) body += String(chunk)
  return { status: res.statusCode!, type: res.headers['content-type'], body, ms: performance.now() - started }
}

/** A request whose client will leave before the answer. */
function leaving (url: string): ClientRequest {
  const req = request(url)
  req.on('error', () => {})
  req.end()
  return req
}

function checkTimeout (t: Test, answer: Answer, timeoutMs: number): void {
  t.equal(answer.status, 503, answer.body.slice(0, 300))
  t.match(answer.type, /^application\/problem\+json/)
  t.match(JSON.parse(answer.body), {
    type: 'urn:relata:problem:store-unavailable',
    detail: new RegExp(`did not answer within STORE_TIMEOUT_MS \\(${timeoutMs} ms\\)`)
  })
  // far under the stores' own bound; generous for a loaded machine
  t.ok(answer.ms >= timeoutMs - 50 && answer.ms < timeoutMs + 5000, `answered after ${answer.ms.toFixed(0)} ms`)
}

t.test('PostgreSQL: a timed-out or abandoned read leaves no statement running', async t => {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))

  async function postgresApp (timeoutMs: number): Promise<{ app: FastifyInstance, base: string, application: string }> {
    const application = `relata-cut-${process.pid}-${++apps}`
    const app = await build(t, {
      env: { ...ENV, DATABASE_URL: schemaUrl(schema, application), STORE_TIMEOUT_MS: String(timeoutMs) },
      // as behind a pooler that drops start-up parameters: no statement_timeout to end the statement
      openStore: async (url, options) => await openStore(url, { ...options, timeoutMs: STORE_BOUND_MS })
    })
    return { app, base: await listening(app), application }
  }

  async function activeStatements (application: string): Promise<string[]> {
    const { rows } = await admin(
      "SELECT query FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", [application])
    return rows.map(row => row.query as string)
  }

  /** The app's active statements, once they are gone or after 2 s. */
  async function settled (application: string): Promise<string[]> {
    let active = await activeStatements(application)
    for (let i = 0; i < 100 && active.length > 0; i++) {
      await sleep(20)
      active = await activeStatements(application)
    }
    return active
  }

  await writeShop((await postgresApp(10_000)).app.relata.store, SIZE)
  // a lock no read can pass: the reads below wait in the server as long as nothing stops them
  const locker = new pg.Client({ connectionString: PG_TEST_URL })
  await locker.connect()
  t.teardown(() => locker.end())

  async function locked<T> (work: () => Promise<T>): Promise<T> {
    await locker.query(`BEGIN; LOCK TABLE "${schema}"."Order" IN ACCESS EXCLUSIVE MODE`)
    try {
      return await work()
    } finally {
      await locker.query('COMMIT')
    }
  }

  t.test('cut at STORE_TIMEOUT_MS: 503, and the statement is cancelled in the server', async t => {
    const { base, application } = await postgresApp(1000)
    t.equal((await fetchOver(`${base}${POINT_READ}`)).status, 200, 'warm: a pooled connection, the routes compiled')
    for (const path of [POINT_READ, FILTERED]) {
      await locked(async () => {
        const answer = await fetchOver(`${base}${path}`)
        checkTimeout(t, answer, 1000)
        t.same(await settled(application), [], `${path}: no statement left in the server`)
      })
    }
    t.equal((await fetchOver(`${base}${POINT_READ}`)).status, 200, 'the next read answers')
  })

  t.test('a client that disconnects mid-statement: the statement is cancelled in the server', async t => {
    const { base, application } = await postgresApp(60_000)
    // a plain get, a graph in one statement, a page
    for (const path of ['/api/orders/ord-1', POINT_READ, FILTERED]) {
      await locked(async () => {
        const req = leaving(`${base}${path}`)
        await waitingOnLock(application)
        req.destroy()
        t.same(await settled(application), [], `${path}: no statement left in the server`)
      })
    }
  })
})

t.test('MongoDB (stand-in): a timed-out or abandoned read stops on the server', async t => {
  const standIn = new MongoStandIn()
  let seeded = false
  async function mongoApp (timeoutMs: number): Promise<string> {
    const app = await build(t, {
      env: { ...ENV, DATABASE_URL: 'mongodb://stand-in/relata', STORE_TIMEOUT_MS: String(timeoutMs) },
      // maxTimeMS far away: only the signal can stop the server's work in time
      openStore: async (_url, options) => await createMongoStore(standIn.db, { ...options, timeoutMs: STORE_BOUND_MS },
        { transactions: true }, standIn.client)
    })
    if (!seeded) await writeShop(app.relata.store, SIZE)
    seeded = true
    return await listening(app)
  }

  async function untilIdle (): Promise<number> {
    for (let i = 0; i < 100 && standIn.running > 0; i++) await sleep(10)
    return standIn.running
  }

  t.test('cut at STORE_TIMEOUT_MS: 503, and the server stops', async t => {
    const base = await mongoApp(300)
    standIn.slowReads(5000)
    t.teardown(() => standIn.slowReads(0))
    for (const path of [POINT_READ, FILTERED]) {
      checkTimeout(t, await fetchOver(`${base}${path}`), 300)
      t.equal(await untilIdle(), 0, `${path}: the server works on nothing`)
      t.equal(standIn.openCursors.size, 0, `${path}: no cursor left open`)
    }
  })

  t.test('a client that disconnects: the server stops', async t => {
    const base = await mongoApp(60_000)
    standIn.slowReads(5000)
    t.teardown(() => standIn.slowReads(0))
    for (const path of [POINT_READ, FILTERED]) {
      const req = leaving(`${base}${path}`)
      for (let i = 0; i < 200 && standIn.running === 0; i++) await sleep(5)
      t.equal(standIn.running, 1, `${path}: the server works on it`)
      req.destroy()
      t.equal(await untilIdle(), 0, `${path}: the server works on nothing`)
    }
  })
})
