// The fixed cost of one store call on the hot path (issue #15), in one process: the same point
// read of an order (its document as stored text, as a plain GET reads it) run as the bare
// prepared better-sqlite3 statement, through the SQLite store's frame (FramedStore: checks,
// counting, cancellation), and through the frame and the store timeout (withTimeout, as the app
// runs it), each with a caller's signal as a request has. Sequential awaited calls in
// interleaved rounds; CPU µs per call, and what each layer adds to the statement. The same for
// the graph of an order with its items as SQLite writes it (graphTexts.one, as GET ?with= reads
// it): the store's own statement run by hand, then through the frame, then through the timeout.
// `npx tsx bench/store-call.ts` (BENCH_STORE_CALLS calls per round, default 100,000). Under tsx,
// esbuild names every closure as it is made (`__name`), which the compiled server never does:
// quote figures of the compiled bench (tsc to a folder, as bench/lib/child.ts compiles servers).
import Database from 'better-sqlite3'
import { loadavg } from 'node:os'
import { benchMain } from './lib/bench-main.js'
import { dataset } from './lib/dataset.js'
import { markdownTable } from './lib/table.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { withTimeout } from '../src/store/timeout-store.js'
import { GraphStatements } from '../src/store/sqlite/graph-texts.js'
import { tableSql } from '../src/store/sqlite/identifiers.js'
import { buildMetadata, storeEntities } from '../src/relata.js'
import { sampleModel } from '../src/sample/sample-model.js'
import { ORDER_ITEMS as ITEMS } from '../test/support/graph-plans.js'

const ORDERS = 10_000
const CALLS = Number(process.env.BENCH_STORE_CALLS ?? 100_000)
const ROUNDS = 5

type Read = (id: string) => Promise<unknown> | unknown

async function cpuPerCall (read: Read, ids: readonly string[]): Promise<number> {
  const start = process.cpuUsage()
  for (let i = 0; i < CALLS; i++) await read(ids[i % ids.length]!)
  const used = process.cpuUsage(start)
  return (used.user + used.system) / CALLS
}

benchMain('store-call', 10, async function main () {
  const data = await dataset(ORDERS)
  const entities = storeEntities(buildMetadata(sampleModel))
  const store = await openSqliteStore(data.path, { entities }, { timeoutMs: 5000, readWorkers: 0 })
  const bounded = withTimeout(store, 5000)
  const db = new Database(data.path, { readonly: true })
  const statement = db.prepare('SELECT doc FROM "Order" WHERE id = ?').pluck()
  const signal = new AbortController().signal
  const form = { text: true, bare: true, signal }
  const ids = Array.from({ length: 1000 }, (_, i) => `ord-${1 + ((i * 7919) % ORDERS)}`)
  const tables = new Map(entities.map(entity => [entity.name, tableSql(entity)]))
  const graph = db.prepare(new GraphStatements(name => tables.get(name)!, 'Order', ITEMS).one).pluck()
  const graphs = { framed: store.graphTexts!, bounded: bounded.graphTexts! }
  const variants: Array<{ name: string, read: Read }> = [
    { name: 'bare statement (awaited)', read: id => statement.get(id) },
    { name: 'framed store get', read: async id => await store.get('Order', id, form) },
    { name: 'framed + timeout get (the app)', read: async id => await bounded.get('Order', id, form) },
    { name: 'bare graph statement (awaited)', read: id => graph.get(id) },
    { name: 'framed graphTexts.one', read: async id => await graphs.framed.one('Order', id, ITEMS, form) },
    { name: 'framed + timeout graphTexts.one', read: async id => await graphs.bounded.one('Order', id, ITEMS, form) }
  ]
  const samples = variants.map(() => [] as number[])
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [v, variant] of variants.entries()) {
      const us = await cpuPerCall(variant.read, ids)
      if (round > 0) samples[v]!.push(us) // round 0 warms up
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  // each read over the bare statement of its kind: the point read's or the graph's
  const base = (v: number): number => median(samples[v < 3 ? 0 : 3]!)
  console.log(`### One point read of an order, ${CALLS.toLocaleString('en-US')} sequential calls × ${ROUNDS} rounds ` +
    `(median), load average ${loadavg().map(n => n.toFixed(2)).join(', ')}\n`)
  console.log(markdownTable(['variant', 'CPU µs / call', 'over the statement µs'],
    variants.map((variant, v) => [variant.name, median(samples[v]!), median(samples[v]!) - base(v)])))
  db.close()
  await store.close()
})
