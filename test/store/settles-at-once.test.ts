// A store call the adapter answered at once (a SQLite read on the main thread) costs the one
// promise it returns: the frame waits on nothing and STORE_TIMEOUT_MS arms no timer for it, since
// none could fire before it settles; calls that wait are bounded as before. Timers are counted as
// Node counts them (active 'Timeout' resources), promises as async_hooks sees them made; the same
// call through a wrapper that makes it hang is cut at the timeout.
import t from 'tap'
import { createHook } from 'node:async_hooks'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/open-store.js'
import type { GraphText } from '../../src/store/graph-plan.js'
import type { Doc } from '../../src/store/store.js'
import { build, countQueries } from '../helper.js'
import { faulty, type FaultyStore } from '../reliability/faults.js'
import { ORDER_ITEMS as ITEMS } from '../support/graph-plans.js'

const TIMEOUT_MS = 300

function timers (): number {
  return process.getActiveResourcesInfo().filter(resource => resource === 'Timeout').length
}

/** The promises made while `call` runs (not after it returns). */
function promisesMadeBy (call: () => unknown): number {
  let made = 0
  const hook = createHook({ init (_id, type) { if (type === 'PROMISE') made++ } })
  hook.enable()
  try {
    call()
  } finally {
    hook.disable()
  }
  return made
}

t.test('SQLite on a file: reads answered at once arm no timer; reads that wait, or hang, are bounded', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-timeout-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  let control: FaultyStore | undefined
  const app = await build(t, {
    env: { DATABASE_URL: `sqlite:${join(dir, 'shop.db')}`, SEED: 'true', STORE_TIMEOUT_MS: String(TIMEOUT_MS) },
    openStore: async (url, options) => (control = faulty(await openStore(url, options))).store
  })
  const { store } = app.relata
  const { signal } = new AbortController()

  let reads: [Doc | undefined, { items: Doc[] }, GraphText | undefined, { items: Doc[] }] | undefined
  const trips = await countQueries(app, async () => {
    const before = timers()
    const point = store.get('Order', 'ord-1', { signal })
    const children = store.findByRefs('OrderItem', 'orderId', ['ord-1'], { perRefLimit: 5 }, { signal })
    const graph = store.graphTexts!.one('Order', 'ord-1', ITEMS, { signal })
    t.equal(timers(), before, 'a point read, a read of children and a graph on the main thread arm no timer')
    // a page reads in a read worker: it waits, so it is bounded (the pool arms a timer of its own too)
    const page = store.find('Order', { page: 1, size: 2 }, { signal })
    t.ok(timers() > before, 'a read that waits on a read worker arms a timer')
    reads = await Promise.all([point, children, graph, page])
  })
  t.equal(reads?.[0]?.id, 'ord-1', 'the point read answers the order')
  t.ok(reads?.[1].items.length !== 0 && reads?.[1].items.every(item => item.orderId === 'ord-1'), 'and its items')
  const graph = JSON.parse(reads?.[2]?.text ?? '{}')
  t.equal(graph.entity?.id, 'ord-1', 'the graph answers the order')
  t.same(graph.children?.OrderItem?.orderId, reads?.[1].items.map(item => JSON.parse(JSON.stringify(item))),
    'with its items')
  t.equal(reads?.[3].items.length, 2, 'the page answers')
  t.equal(trips, 4, 'each read is counted as one round trip')
  let read: Promise<Doc | undefined> | undefined
  t.equal(promisesMadeBy(() => { read = store.get('Order', 'ord-2', { signal }) }), 1,
    'a point read answered at once makes one promise: the one it returns')
  t.equal((await read)?.id, 'ord-2')

  const answered = await app.inject('/api/orders/ord-1')
  t.equal(answered.statusCode, 200)
  t.equal(answered.json().id, 'ord-1', 'a GET answers as before')

  control!.mode = 'hang'
  const started = performance.now()
  const hung = await app.inject('/api/orders/ord-1')
  const ms = performance.now() - started
  control!.mode = 'ok'
  t.equal(hung.statusCode, 503, 'the same read, hanging behind a wrapper, is cut')
  t.match(hung.headers['content-type'], /^application\/problem\+json/)
  t.match(hung.json(), {
    type: 'urn:relata:problem:store-unavailable',
    detail: `sqlite store: get on 'Order' did not answer within STORE_TIMEOUT_MS (${TIMEOUT_MS} ms)`
  })
  t.ok(ms >= TIMEOUT_MS - 20 && ms < TIMEOUT_MS + 2000, `after ${ms.toFixed(0)} ms`)
  t.equal((await app.inject('/api/orders/ord-1')).statusCode, 200, 'the next read answers')
})
