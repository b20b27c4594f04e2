// A page of 100 orders with their customers and items: `GET /api/orders?with=all&size=100`
// against the same page enriched the naive N+1 way (one store query per order per
// relationship) by a bare Fastify route on the same Store, each server in its own child.
// Reports requests/s, the ratio (target ≥ 10×) and store round trips per request.
import { isDeepStrictEqual } from 'node:util'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, load, type LoadResult } from './lib/load.js'
import { roundTripsPerRequest } from './lib/metrics.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { markdownTable, ratio, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const SIZE = 100
const TARGET = 10

async function main (): Promise<void> {
  const data = await dataset(ORDERS)
  const pages = Math.floor(ORDERS / SIZE)
  const paths = Array.from({ length: pages }, (_, i) => `/api/orders?with=all&size=${SIZE}&page=${1 + ((i * 37) % pages)}`)
  const children: ServerChild[] = []
  try {
    const appProfile = profileDir('page-app')
    const naiveProfile = profileDir('page-naive')
    const app = await spawnServer('app', { env: { DATABASE_URL: data.url }, ...(appProfile === undefined ? {} : { profileDir: appProfile }) })
    children.push(app)
    const naive = await spawnServer('naive', { env: { DATABASE_URL: data.url }, ...(naiveProfile === undefined ? {} : { profileDir: naiveProfile }) })
    children.push(naive)
    await assertSameAnswer(app.url, naive.url, paths[1]!)

    const sample = paths.slice(0, 20)
    const trips = { app: await roundTripsPerRequest(app.url, sample), naive: await roundTripsPerRequest(naive.url, sample) }
    const naiveLoad = await load(naive.url, { paths })
    const appLoad = await load(app.url, { paths })
    for (const child of children) await child.stop()
    printHotSpots('app', appProfile)
    printHotSpots('naive N+1 baseline', naiveProfile)

    const rows: Array<[string, LoadResult, number]> = [
      ['naive N+1 route (bare Fastify, same Store)', naiveLoad, trips.naive],
      ['GET /api/orders?with=all&size=100', appLoad, trips.app]
    ]
    console.log(`\n### Page of ${SIZE} orders with customer and items — ${ORDERS.toLocaleString('en-US')} orders in SQLite, ${CONNECTIONS} connections, ${DURATION_SEC} s each, ${pages} different pages\n`)
    console.log(markdownTable(
      ['case', 'req/s', 'graphs/s', 'vs naive', 'mean ms', 'p99 ms', 'MB/s', 'store round trips / request'],
      rows.map(([name, r, t]) => [name, r.requestsPerSec, r.requestsPerSec * SIZE, ratio(r.requestsPerSec, naiveLoad.requestsPerSec), r.latencyMeanMs, r.latencyP99Ms, r.bytesPerSec / 1e6, t])
    ))
    const speedup = appLoad.requestsPerSec / naiveLoad.requestsPerSec
    console.log(`\nwith=all / naive = ${speedup.toFixed(1)}× (target ≥ ${TARGET}×: ${verdict(speedup >= TARGET)})`)
  } finally {
    for (const child of children) await child.stop()
  }
}

/** The baseline must answer the very same graphs, or the comparison means nothing. */
async function assertSameAnswer (appUrl: string, naiveUrl: string, path: string): Promise<void> {
  const [a, b] = await Promise.all([appUrl, naiveUrl].map(async base => {
    const res = await fetch(base + path)
    if (!res.ok) throw new Error(`GET ${base}${path} answered ${res.status}: ${await res.text()}`)
    return await res.json() as unknown[]
  }))
  if (a!.length !== SIZE || !isDeepStrictEqual(a, b)) {
    throw new Error(`the naive route and the app answer different pages for ${path}:\napp:   ${JSON.stringify(a).slice(0, 500)}\nnaive: ${JSON.stringify(b).slice(0, 500)}`)
  }
}

benchMain('page', 10, main)
