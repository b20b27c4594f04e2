// A page of 100 orders with their customers and items: `GET /api/orders?with=all&size=100`
// against the same page enriched the naive N+1 way (one store query per order per
// relationship) by a bare Fastify route on the same Store, each server in its own child.
// Reports requests/s, the ratio (target ≥ 10×) and store round trips per request; then the
// same comparison with every store round trip delayed by BENCH_PAGE_LATENCY_MS (default 1 ms,
// 0 to skip), as it would be with a database on another host.
import { isDeepStrictEqual } from 'node:util'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset, type Dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, type LoadResult } from './lib/load.js'
import { roundTripsPerRequest } from './lib/metrics.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { markdownTable, ratio, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const LATENCY_MS = Number(process.env.BENCH_PAGE_LATENCY_MS ?? 1)
const SIZE = 100
const TARGET = 10

interface Comparison {
  naive: LoadResult
  app: LoadResult
  trips: { naive: number, app: number }
}

async function main (): Promise<void> {
  const data = await dataset(ORDERS)
  const pages = Math.floor(ORDERS / SIZE)
  const paths = Array.from(
    { length: pages },
    (_, i) => `/api/orders?with=all&size=${SIZE}&page=${1 + ((i * 37) % pages)}`
  )
  const local = await comparePage(data, paths, 0)
  const remote = LATENCY_MS > 0 ? await comparePage(data, paths, LATENCY_MS) : undefined

  const speedup = local.app.requestsPerSec / local.naive.requestsPerSec
  console.log(
    `\n### Page of ${SIZE} orders with customer and items — ${ORDERS.toLocaleString('en-US')} orders in ` +
      `SQLite, ${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds, ${pages} ` +
      'different pages\n'
  )
  console.log(table(local))
  console.log(`\nwith=all / naive = ${speedup.toFixed(1)}× (target ≥ ${TARGET}×: ${verdict(speedup >= TARGET)})`)
  if (remote !== undefined) {
    console.log(`\n### The same with ${LATENCY_MS} ms added to every store round trip (a database on another host)\n`)
    console.log(table(remote))
    console.log(
      `\nwith=all / naive = ${(remote.app.requestsPerSec / remote.naive.requestsPerSec).toFixed(1)}× ` +
        `with ${LATENCY_MS} ms per round trip`
    )
  }
}

function table ({ naive, app, trips }: Comparison): string {
  const rows: Array<[string, LoadResult, number]> = [
    ['naive N+1 route (bare Fastify, same Store)', naive, trips.naive],
    ['GET /api/orders?with=all&size=100', app, trips.app]
  ]
  return markdownTable(
    ['case', 'req/s', 'graphs/s', 'vs naive', 'mean ms', 'p99 ms', 'MB/s', 'non-2xx', 'store round trips / request'],
    rows.map(([name, r, t]) => [
      name,
      r.requestsPerSec,
      r.requestsPerSec * SIZE,
      ratio(r.requestsPerSec, naive.requestsPerSec),
      r.latencyMeanMs,
      r.latencyP99Ms,
      r.bytesPerSec / 1e6,
      rejectedText(r),
      t
    ])
  )
}

async function comparePage (data: Dataset, paths: readonly string[], latencyMs: number): Promise<Comparison> {
  const label = latencyMs > 0 ? `, ${latencyMs} ms per round trip` : ''
  const env = { DATABASE_URL: data.url, BENCH_STORE_LATENCY_MS: String(latencyMs) }
  const appProfile = profileDir(`page-app-${latencyMs}`)
  const naiveProfile = profileDir(`page-naive-${latencyMs}`)
  const children: ServerChild[] = []
  try {
    const app = await spawnServer('app', { env, ...(appProfile === undefined ? {} : { profileDir: appProfile }) })
    children.push(app)
    const naive = await spawnServer('naive', {
      env,
      ...(naiveProfile === undefined ? {} : { profileDir: naiveProfile })
    })
    children.push(naive)
    await assertSameAnswer(app.url, naive.url, paths[1]!)

    const sample = paths.slice(0, 10)
    const trips = {
      app: await roundTripsPerRequest(app.url, sample),
      naive: await roundTripsPerRequest(naive.url, sample)
    }
    const [naiveLoad, appLoad] = (await compare([
      { name: 'naive', url: naive.url, paths },
      { name: 'app', url: app.url, paths }
    ])) as [LoadResult, LoadResult]
    for (const child of children) await child.stop()
    printHotSpots(`app${label}`, appProfile)
    printHotSpots(`naive N+1 baseline${label}`, naiveProfile)
    return { naive: naiveLoad, app: appLoad, trips }
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
    throw new Error(
      'the naive route and the app answer different pages ' +
        `for ${path}:\napp:   ${JSON.stringify(a).slice(0, 500)}\nnaive: ${JSON.stringify(b).slice(0, 500)}`
    )
  }
}

benchMain('page', 10, main)
