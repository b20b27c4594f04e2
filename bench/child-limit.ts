// A page of 100 orders, each with 200 items, keeping 5 items per order:
// `GET /api/orders?with=OrderItem&limit[OrderItem]=5&size=100` (the store cuts each order's
// children, reading 5 per order through the (ref, id) index) against the naive way on the same
// Store (read every item of the page's orders in one query, then cut in JS), and the same with
// `sort[OrderItem]=-quantity` (a window function in the store against a sort in JS). Both
// answer the same bytes with the same round trips (2); what differs is how many children
// are read. Each server runs in its own child process.
import { isDeepStrictEqual } from 'node:util'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, type LoadResult } from './lib/load.js'
import { roundTripsPerRequest } from './lib/metrics.js'
import { markdownTable, ratio } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_LIMIT_ORDERS ?? 2000)
const ITEMS = 200
const SIZE = 100
const LIMIT = 5

interface Row {
  name: string
  result: LoadResult
  trips: number
}

async function main (): Promise<void> {
  const data = await dataset(ORDERS, ITEMS)
  const pages = Math.floor(ORDERS / SIZE)
  const children: ServerChild[] = []
  try {
    const app = await spawnServer('app', { env: { DATABASE_URL: data.url } })
    children.push(app)
    const naive = await spawnServer('naive', { env: { DATABASE_URL: data.url } })
    children.push(naive)
    const tables: string[] = []
    for (const sort of ['', '&sort[OrderItem]=-quantity']) {
      const query = (page: number) => `?with=OrderItem&limit[OrderItem]=${LIMIT}${sort}&size=${SIZE}&page=${page}`
      const pagesOf = (path: string) =>
        Array.from({ length: pages }, (_, i) => `${path}${query(1 + ((i * 7) % pages))}`)
      const appPaths = pagesOf('/api/orders')
      const naivePaths = pagesOf('/sliced/orders')
      await assertSameAnswer(app.url + appPaths[1]!, naive.url + naivePaths[1]!)
      const trips = {
        app: await roundTripsPerRequest(app.url, appPaths.slice(0, 5)),
        naive: await roundTripsPerRequest(naive.url, naivePaths.slice(0, 5))
      }
      const [slice, store] = (await compare([
        { name: 'naive', url: naive.url, paths: naivePaths },
        { name: 'app', url: app.url, paths: appPaths }
      ])) as [LoadResult, LoadResult]
      const rows: Row[] = [
        {
          name: `naive: read all ${ITEMS} items per order, ${sort === '' ? 'cut' : 'sort and cut'} in JS`,
          result: slice,
          trips: trips.naive
        },
        { name: `GET /api/orders?with=OrderItem&limit[OrderItem]=${LIMIT}${sort}`, result: store, trips: trips.app }
      ]
      tables.push(
        `#### ${sort === '' ? 'Children in id order' : 'Top children by `-quantity`'}\n\n${markdownTable(
          ['case', 'req/s', 'vs naive', 'mean ms', 'p99 ms', 'non-2xx', 'store round trips / request'],
          rows.map(r => [
            r.name,
            r.result.requestsPerSec,
            ratio(r.result.requestsPerSec, slice.requestsPerSec),
            r.result.latencyMeanMs,
            r.result.latencyP99Ms,
            rejectedText(r.result),
            r.trips
          ])
        )}\n\nstore limit / naive = ${(store.requestsPerSec / slice.requestsPerSec).toFixed(1)}×`
      )
    }
    console.log(
      `\n### A page of ${SIZE} orders keeping ${LIMIT} of each order's ${ITEMS} items ` +
        `— ${ORDERS.toLocaleString('en-US')} orders (${(ORDERS * ITEMS).toLocaleString('en-US')} items) in ` +
        `SQLite, ${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds\n`
    )
    console.log(tables.join('\n\n'))
  } finally {
    for (const child of children) await child.stop()
  }
}

/** The baseline must answer the very same graphs, or the comparison means nothing. */
async function assertSameAnswer (appUrl: string, naiveUrl: string): Promise<void> {
  const [a, b] = await Promise.all([appUrl, naiveUrl].map(async url => {
    const res = await fetch(url)
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`)
    return await res.json() as unknown[]
  }))
  if (a!.length !== SIZE || !isDeepStrictEqual(a, b)) {
    throw new Error(
      'the naive route and the app answer different ' +
        `pages:\napp:   ${JSON.stringify(a).slice(0, 600)}\nnaive: ${JSON.stringify(b).slice(0, 600)}`
    )
  }
}

benchMain('child-limit', 15, main)
