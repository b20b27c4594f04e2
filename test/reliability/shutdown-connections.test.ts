// SIGTERM with streams on every kind of connection: the process exits 0 as soon as the in-flight
// work is done, long before SHUTDOWN_GRACE_MS, whether the client keeps its connection alive,
// asks for it to close, or broke off a stream before the signal.
import t, { type Test } from 'tap'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildMetadata, storeEntities } from '../../src/relata.js'
import { sampleOrders } from '../../src/sample/sample-data.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { seedSampleData } from '../../src/sample/seed.js'
import { openStore } from '../../src/store/open-store.js'
import { send, sleep, startServer, text, type Server } from './server-process.js'

const ORDERS = 20_000
const GRACE_MS = 30_000
/** Well before the grace period, and still far above what an exit takes on a busy machine. */
const PROMPT_MS = 5_000
const STREAM = '/api/orders/stream?with=all'

/** A server on an SQLite file holding the sample shop and 20,000 more orders: streams of ~7 MB. */
async function bigShop (t: Test): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-shutdown-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'shop.db')
  const store = await openStore(`sqlite:${file}`, { entities: storeEntities(buildMetadata(sampleModel)) })
  await seedSampleData(store)
  const { orders } = sampleOrders({ customers: 20, products: 40, orders: ORDERS, itemsPerOrder: 0 }, 1000)
  await store.upsertMany('Order', orders)
  await store.close()
  return await startServer(t, file, { SHUTDOWN_GRACE_MS: String(GRACE_MS), PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' })
}

/** Sends SIGTERM while a stream is in flight (paused by the client), then reads it to its end. */
async function signalDuringStream (t: Test, headers: Record<string, string>, agent: Agent): Promise<void> {
  const server = await bigShop(t)
  const stream = await send(`${server.base}${STREAM}`, { agent, headers })
  t.equal(stream.statusCode, 200)
  stream.pause()
  await sleep(300)
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  await sleep(300)
  t.equal(server.child.exitCode, null, 'still running while the stream is in flight')
  const body = await text(stream)
  const ended = performance.now()
  t.equal(body.split('\n').length, ORDERS + 100 + 1, 'the stream arrived whole')
  const [code] = await exited as [number]
  const ms = performance.now() - ended
  t.equal(code, 0, 'exit code 0')
  t.ok(ms < PROMPT_MS, `exited ${ms.toFixed(0)} ms after the stream ended (grace period ${GRACE_MS} ms)`)
  t.notMatch(server.output(), /killed by timeout/)
}

t.test('a stream on a keep-alive connection: the connection is closed once the stream ends', async t => {
  // the client keeps idle sockets open for as long as the server does
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  await signalDuringStream(t, {}, agent)
})

t.test('a stream on a connection the client asked to close', async t => {
  const agent = new Agent({ keepAlive: false })
  t.teardown(() => agent.destroy())
  await signalDuringStream(t, { connection: 'close' }, agent)
})

t.test('a stream broken off before the signal leaves nothing open', async t => {
  const server = await bigShop(t)
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 3; i++) {
    const stream = await send(`${server.base}${STREAM}`, { agent })
    await once(stream, 'data')
    stream.destroy()
  }
  await sleep(300)
  const start = performance.now()
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  const [code] = await exited as [number]
  const ms = performance.now() - start
  t.equal(code, 0, 'exit code 0')
  t.ok(ms < PROMPT_MS, `exited ${ms.toFixed(0)} ms after the signal (grace period ${GRACE_MS} ms)`)
})
