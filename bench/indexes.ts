// What declared indexes buy on SQLite: a page of 100 orders filtered by `status` and a page
// sorted by `-total`, on one generated file of ORDERS orders, first without the indexes, then
// after reopening it with the sample model's (the store creates them at open; that time is
// reported too). Same file, same process, same queries: only the indexes differ. A page also
// counts every match (X-Total-Count); the first batch of 100 of a stream, which does not,
// shows what the page itself costs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { storeEntities, buildMetadata } from '../src/relata.js'
import { sampleOrders } from '../src/sample/sample-data.js'
import { sampleModel } from '../src/sample/sample-model.js'
import { openStore } from '../src/store/open-store.js'
import type { FindQuery, Store, StoreEntity } from '../src/store/store.js'
import { markdownTable } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 200_000)
const BATCH = 5_000
const QUERIES: Array<[string, FindQuery]> = [
  ['filter={"status":"paid"}', { filter: { op: 'eq', field: 'status', value: 'paid' }, page: 1, size: 100 }],
  ['sort=-total', { sort: [{ field: 'total', desc: true }], page: 1, size: 100 }],
  ['filter={"status":"paid"}&sort=-createdAt',
    {
      filter: { op: 'eq', field: 'status', value: 'paid' },
      sort: [{ field: 'createdAt', desc: true }],
      page: 1,
      size: 100
    }]
]

/** Median milliseconds of `runs` calls, after one to warm the cache. */
async function median (call: () => Promise<unknown>, runs: number): Promise<number> {
  await call()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await call()
    times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!
}

/** The page with its count, and the first stream batch of the same size and order without one. */
async function timings (store: Store, query: FindQuery, runs: number): Promise<[number, number]> {
  const page = await median(async () => await store.find('Order', query), runs)
  const batch = await median(async function firstBatch () {
    // eslint-disable-next-line no-unreachable-loop -- only the first batch is timed
    for await (const docs of store.stream('Order', { ...query, batchSize: query.size })) return docs
  }, runs)
  return [page, batch]
}

const dir = mkdtempSync(join(tmpdir(), 'relata-bench-indexes-'))
const url = `sqlite:${join(dir, 'orders.db')}`
const entities = storeEntities(buildMetadata(sampleModel))
const bare: StoreEntity[] = entities.map(e => ({ ...e, indexes: [] }))
try {
  const plain = await openStore(url, { entities: bare })
  for (let from = 1; from <= ORDERS; from += BATCH) {
    const { orders } = sampleOrders({ customers: 500, products: 200, orders: ORDERS, itemsPerOrder: 1 }, from,
      Math.min(BATCH, ORDERS - from + 1))
    await plain.upsertMany('Order', orders)
  }
  const without = []
  for (const [, query] of QUERIES) without.push(await timings(plain, query, 5))
  await plain.close()
  const started = performance.now()
  const indexed = await openStore(url, { entities })
  const creation = performance.now() - started
  const rows = []
  for (const [i, [name, query]] of QUERIES.entries()) {
    const [page, batch] = await timings(indexed, query, 50)
    rows.push([name, without[i]![0], page, without[i]![1], batch])
  }
  await indexed.close()
  console.log(`${ORDERS.toLocaleString('en-US')} orders, page of 100, median ms; the indexes were created at open in ` +
    `${(creation / 1000).toFixed(1)} s\n`)
  console.log(markdownTable(['request', 'page, no index', 'page, index', 'first 100, no index',
    'first 100, index'], rows))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
