// Graceful shutdown of the real process (plugins/server.ts under tsx): on SIGTERM it stops
// accepting connections, lets an in-flight stream finish, closes the store and exits 0; a
// client that never reads cannot hold it past SHUTDOWN_GRACE_MS.
import t from 'tap'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sampleOrders } from '../../src/sample/sample-data.js'
import { refused, send, startServer, text } from './server-process.js'

const ORDERS = 20_000

async function seed (base: string): Promise<void> {
  const { orders } = sampleOrders({ customers: 20, products: 40, orders: ORDERS, itemsPerOrder: 0 }, 1000)
  for (let i = 0; i < orders.length; i += 5000) {
    const res = await send(`${base}/api/orders`, { method: 'POST', body: orders.slice(i, i + 5000) })
    await text(res)
    if (res.statusCode !== 201) throw new Error(`seeding answered ${res.statusCode}`)
  }
}

t.test('SIGTERM: refuses new connections, finishes the in-flight stream, closes the store, exits 0', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-shutdown-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'shop.db')
  const server = await startServer(t, file)
  await seed(server.base)
  // a stream far bigger than the socket buffers, read slowly: it is in flight on both sides
  const stream = await send(`${server.base}/api/orders/stream?with=all`)
  t.equal(stream.statusCode, 200)
  stream.pause()
  await new Promise(resolve => setTimeout(resolve, 300))
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  await new Promise(resolve => setTimeout(resolve, 300))
  t.ok(await refused(server.port), 'new connections are refused')
  t.equal(server.child.exitCode, null, 'still running while the stream is in flight')
  const body = await text(stream)
  const lines = body.split('\n')
  t.equal(lines.pop(), '', 'the stream ends with a complete line')
  t.equal(lines.length, ORDERS + 100, 'every order arrived (the seeded 100 and the posted ones)')
  const [code] = await exited as [number]
  t.equal(code, 0, 'exit code 0')
  t.match(server.output(), /shutting down/)
  t.notOk(existsSync(`${file}-wal`), 'the store was closed cleanly (SQLite removed its WAL file)')
})

t.test('a client that never reads cannot hold the process past SHUTDOWN_GRACE_MS', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-shutdown-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const server = await startServer(t, join(dir, 'shop.db'), { SHUTDOWN_GRACE_MS: '1000' })
  await seed(server.base)
  const stream = await send(`${server.base}/api/orders/stream?with=all`)
  stream.pause()
  await new Promise(resolve => setTimeout(resolve, 300))
  const start = performance.now()
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  const [code] = await exited as [number]
  const ms = performance.now() - start
  stream.destroy()
  t.equal(code, 1, 'exit code 1: the grace period ran out')
  t.ok(ms >= 900 && ms < 5000, `exited after the grace period (${ms.toFixed(0)} ms)`)
})
