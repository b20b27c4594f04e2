// Clients that abandon NDJSON streams: each one releases its store iterator at once, and after
// 1,000 of them over real sockets the open handles and the heap are back to their baseline.
import t from 'tap'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { sampleOrders } from '../../src/sample/sample-data.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { build, storeQueries } from '../helper.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const STREAMS = Number(process.env.STREAMS ?? 1000)
const PARALLEL = 20
/** Heap growth allowed after 1,000 streams: the heap's own noise after a full GC stays well below. */
const HEAP_TOLERANCE = 8 * 1024 * 1024

/** Counts the store stream iterators that are open: started and not yet returned. */
function trackingStore (store: Store, open: { count: number, max: number }): Store {
  return new Proxy(store, {
    get (target, property) {
      const value: unknown = Reflect.get(target, property)
      if (property !== 'stream') return typeof value === 'function' ? value.bind(target) : value
      return (entity: string, query: Parameters<Store['stream']>[1]) => (async function * tracked () {
        open.count++
        open.max = Math.max(open.max, open.count)
        try {
          yield * target.stream(entity, query)
        } finally {
          open.count--
        }
      })()
    }
  })
}

function openStream (url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res: IncomingMessage) => {
      // leave as soon as the first batch arrives
      res.once('data', () => { req.destroy(); resolve() })
      res.once('error', () => {})
    })
    req.on('error', err => { if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err) })
    req.end()
  })
}

async function settle (check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
}

function measure (): { heap: number, handles: number } {
  for (let i = 0; i < 3; i++) gc()
  return {
    heap: process.memoryUsage().heapUsed,
    handles: process.getActiveResourcesInfo().filter(r => r !== 'Timeout').length
  }
}

t.test(`${STREAMS} abandoned streams leave no iterator, handle or memory behind`, async t => {
  const open = { count: 0, max: 0 }
  const app = await build(t, {
    env: { STREAM_BATCH_SIZE: '20' },
    openStore: async (url, options) => trackingStore(await openStore(url, options), open)
  })
  const { orders, items } = sampleOrders({ customers: 20, products: 40, orders: 1000, itemsPerOrder: 2 })
  await app.relata.store.upsertMany('Order', orders)
  await app.relata.store.upsertMany('OrderItem', items)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/orders/stream?with=all`
  const connections = () =>
    new Promise<number>((resolve, reject) =>
      app.server.getConnections((err, n) => (err === null ? resolve(n) : reject(err)))
    )

  const wave = async (count: number) => {
    for (let done = 0; done < count; done += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, count - done) }, () => openStream(url)))
    }
    await settle(() => open.count === 0)
  }
  await wave(50) // warm-up: caches, compiled code, socket pools reach their steady size
  let idle = false
  await settle(() => {
    connections().then(n => { idle = n === 0 }, (error: unknown) => t.threw(error))
    return idle
  })
  const baseline = measure()

  const start = performance.now()
  const readsBefore = await storeQueries(app, { op: 'stream' })
  await wave(STREAMS)
  const reads = (await storeQueries(app, { op: 'stream' }) - readsBefore) / STREAMS
  // 1,000 orders in batches of 20 are 50 reads: a stream that ran to its end would show it;
  // the loopback socket takes a few batches before the server sees the client leave
  t.ok(
    reads <= 10,
    `each abandoned stream stopped reading within a few batches (${reads.toFixed(1)} reads on average, of 50)`
  )
  t.equal(open.count, 0, 'every store iterator was returned')
  t.ok(open.max <= PARALLEL + 1, `at most one iterator per live client (max ${open.max})`)
  idle = false
  await settle(() => {
    connections().then(n => { idle = n === 0 }, (error: unknown) => t.threw(error))
    return idle
  })
  t.equal(await connections(), 0, 'every socket is closed')
  const after = measure()
  t.comment(
    `${STREAMS} streams in ${(performance.now() - start).toFixed(0)} ms; ` +
      `heap ${(baseline.heap / 2 ** 20).toFixed(1)} → ${(after.heap / 2 ** 20).toFixed(1)} MiB; ` +
      `handles ${baseline.handles} → ${after.handles}`
  )
  t.ok(after.handles <= baseline.handles, `handles back to baseline (${baseline.handles} → ${after.handles})`)
  t.ok(
    after.heap - baseline.heap < HEAP_TOLERANCE,
    `heap back to baseline within ${HEAP_TOLERANCE / 2 ** 20} MiB ` +
      `(+${((after.heap - baseline.heap) / 2 ** 20).toFixed(2)} MiB)`
  )
})
