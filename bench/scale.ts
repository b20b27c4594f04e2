// The sample shop at scale (issue #12): BENCH_SCALE_ORDERS orders (default 1,000,000, 3 items
// each, 1,000 products) built once into a cached SQLite file (lib/scale-dataset.ts), served by
// the app in a child process. For each kind of request: p50 and max latency over its runs. Then,
// while two heavy requests run at once, the p99 latency of /health and of a cheap GET /:id,
// asked one after the other for as long as the heavy ones last.
//   BENCH_SCALE_ORDERS   orders (default 1,000,000)
//   BENCH_SCALE_RUNS     runs of each light request (default 20; heavy ones run a quarter of it)
import { cursorOf } from '../src/entities/cursor.js'
import { benchMain } from './lib/bench-main.js'
import { spawnServer } from './lib/child.js'
import { scaleDataset } from './lib/scale-dataset.js'
import { markdownTable } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_SCALE_ORDERS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 20)
const STREAM_ROWS = Math.min(200_000, ORDERS)
// generous, so that the table shows how long each request takes rather than where the default cuts it
const TIMEOUT_MS = 60_000

const q = (value: unknown): string => encodeURIComponent(JSON.stringify(value))
/** The createdAt of order n (sample-data.ts): the first STREAM_ROWS orders are those created up to it. */
const createdAt = (n: number): string => new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString()
const middle = Math.floor(ORDERS / 2)
const randomOrder = (): string => `ord-${1 + Math.floor(Math.random() * ORDERS)}`

interface Kind {
  name: string
  path: () => string
  runs: number
}

const KINDS: Kind[] = [
  { name: 'GET /api/orders/:id?with=all', path: () => `/api/orders/${randomOrder()}?with=all`, runs: RUNS },
  { name: 'GET /api/orders?size=50 (page 1, bounded total)', path: () => '/api/orders?size=50', runs: RUNS },
  { name: 'GET /api/orders?size=50&total=exact', path: () => '/api/orders?size=50&total=exact', runs: RUNS / 4 },
  {
    name: 'GET /api/orders?size=50&filter={"status":"paid"}',
    path: () => `/api/orders?size=50&filter=${q({ status: 'paid' })}`,
    runs: RUNS
  },
  { name: 'GET /api/orders?size=50&sort=-total', path: () => '/api/orders?size=50&sort=-total', runs: RUNS },
  {
    name: 'GET /api/orders?size=50&filter={"OrderItem":{"$some":{"productId":"prod-5"}}}',
    path: () => `/api/orders?size=50&filter=${q({ OrderItem: { $some: { productId: 'prod-5' } } })}`,
    runs: RUNS / 4
  },
  {
    name: 'GET /api/products?size=50&count=OrderItem',
    path: () => '/api/products?size=50&count=OrderItem',
    runs: RUNS
  },
  {
    name: 'GET /api/products/prod-5?with=OrderItem&limit[OrderItem]=5000 (its ~3,000 items)',
    path: () => '/api/products/prod-5?with=OrderItem&limit[OrderItem]=5000',
    runs: RUNS / 4
  },
  {
    name: `GET /api/orders?size=50&page=${Math.floor(middle / 50)} (a deep page, offset ` +
      `${middle.toLocaleString('en-US')})`,
    path: () => `/api/orders?size=50&page=${Math.floor(middle / 50)}`,
    runs: RUNS / 4
  },
  {
    name: 'GET /api/orders?size=50&after=<cursor at the middle> (keyset page)',
    path: () => `/api/orders?size=50&after=${cursorOf('Order', undefined, { id: `ord-${middle}` })}`,
    runs: RUNS
  },
  {
    name: `GET /api/orders/stream?with=all (${STREAM_ROWS.toLocaleString('en-US')} orders)`,
    path: () => `/api/orders/stream?with=all&filter=${q({ createdAt: { $lte: createdAt(STREAM_ROWS) } })}`,
    runs: 1
  }
]

/** Two requests no index bounds: the with=all stream and an exact count over every item. */
const HEAVY = [
  KINDS[KINDS.length - 1]!.path(),
  `/api/order-items?size=50&total=exact&filter=${q({ quantity: 3 })}`
]

/** Milliseconds until the whole body arrived; the body is read and dropped as it comes. */
async function timed (base: string, path: string): Promise<{ ms: number, status: number, bytes: number }> {
  const started = performance.now()
  const res = await fetch(base + path)
  let bytes = 0
  for await (const chunk of res.body ?? []) bytes += (chunk as Uint8Array).length
  return { ms: performance.now() - started, status: res.status, bytes }
}

function percentile (times: readonly number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

async function main (): Promise<void> {
  const data = await scaleDataset(ORDERS)
  const server = await spawnServer('app', {
    env: { DATABASE_URL: data.url, STORE_TIMEOUT_MS: String(TIMEOUT_MS), RATE_LIMIT_MAX: '0' },
    startTimeoutMs: 600_000
  })
  try {
    const rows = []
    for (const kind of KINDS) {
      const times: number[] = []
      const statuses = new Set<number>()
      if (kind.runs > 1) await timed(server.url, kind.path()) // warms the code paths and the page cache
      for (let i = 0; i < Math.max(1, Math.round(kind.runs)); i++) {
        const { ms, status } = await timed(server.url, kind.path())
        times.push(ms)
        statuses.add(status)
      }
      rows.push([kind.name, [...statuses].join(','), String(times.length), percentile(times, 0.5), Math.max(...times)])
      console.error(`  ${kind.name}: p50 ${percentile(times, 0.5).toFixed(1)} ms`)
    }
    const light: Record<string, number[]> = { '/health': [], 'GET /api/orders/:id': [] }
    const state = { running: true }
    const heavy = Promise.all(HEAVY.map(path => timed(server.url, path))).finally(() => { state.running = false })
    while (state.running) {
      light['/health']!.push((await timed(server.url, '/health')).ms)
      light['GET /api/orders/:id']!.push((await timed(server.url, `/api/orders/${randomOrder()}`)).ms)
    }
    const [stream, count] = await heavy
    console.log(`${ORDERS.toLocaleString('en-US')} orders, ${(ORDERS * 3).toLocaleString('en-US')} order items ` +
      `(SQLite file${data.builtIn === undefined ? ', cached' : `, built in ${data.builtIn.toFixed(0)} s`}), ` +
      `STORE_TIMEOUT_MS=${TIMEOUT_MS}; ms\n`)
    console.log(markdownTable(['request', 'status', 'runs', 'p50', 'max'], rows))
    console.log(`\nWhile the stream (${(stream!.ms / 1000).toFixed(1)} s, status ${stream!.status}) and ` +
      `GET /api/order-items?total=exact&filter={"quantity":3} (${(count!.ms / 1000).toFixed(1)} s, status ` +
      `${count!.status}) ran at once:\n`)
    console.log(markdownTable(['request', 'requests', 'p50', 'p99', 'max'], Object.entries(light).map(([name, times]) =>
      [name, String(times.length), percentile(times, 0.5), percentile(times, 0.99), Math.max(...times)])))
  } finally {
    await server.stop()
  }
}

benchMain('scale', 60, main)
