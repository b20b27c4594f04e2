// Mixed-workload load test: 100 connections for 30 s against the app on a SQLite file of
// 10,000 orders — single GET ?with=all, list ?with=all, NDJSON stream ?with=all, and writes
// (merge patches and creates). Reports requests/s, p50/p99 latency, errors and non-2xx answers
// (both must be 0) and the server's RSS before and after. Loopback only, bounded in time.
//   npx tsx bench/load.ts     (BENCH_LOAD_DURATION, BENCH_LOAD_CONNECTIONS, BENCH_ORDERS)
// Overload: BENCH_LOAD_SHED_MS=<ms> lowers the server's PRESSURE_MAX_EVENT_LOOP_DELAY_MS; with
// many connections (e.g. 1000) the server must then shed with 503 + Retry-After, never drop a
// connection: the run passes when every non-2xx answer is a 503 and no request errored.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { benchMain } from './lib/bench-main.js'
import { spawnServer } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { markdownTable, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const DURATION_SEC = Number(process.env.BENCH_LOAD_DURATION ?? 30)
const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 100)
const SHED_MS = process.env.BENCH_LOAD_SHED_MS
const MB = 1024 * 1024

interface Kind { name: string, weight: number, request: (n: number) => autocannon.Request }

const pick = (n: number, max: number) => 1 + (n * 7919) % max

const KINDS: Kind[] = [
  {
    name: 'GET /api/orders/:id?with=all',
    weight: 40,
    request: n => ({ method: 'GET', path: `/api/orders/ord-${pick(n, ORDERS)}?with=all` })
  },
  {
    name: 'GET /api/orders?with=all&size=20',
    weight: 25,
    request: n => ({ method: 'GET', path: `/api/orders?with=all&size=20&page=${pick(n, ORDERS / 20)}` })
  },
  {
    name: 'GET /api/orders/stream?with=all (one customer)',
    weight: 10,
    request: n => ({
      method: 'GET',
      path: `/api/orders/stream?with=all&filter=${encodeURIComponent(JSON.stringify({
 customerId: 'cust-' +
        `${pick(n, ORDERS / 10)}`
}))}`
    })
  },
  {
    name: 'PATCH /api/orders/:id',
    weight: 15,
    request: n => ({
      method: 'PATCH',
      path: `/api/orders/ord-${pick(n, ORDERS)}`,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: n % 2 === 0 ? 'paid' : 'shipped' })
    })
  },
  {
    name: 'POST /api/order-items',
    weight: 10,
    request: n => ({
      method: 'POST',
      path: '/api/order-items',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: `ord-${pick(n, ORDERS)}`, productId: 'prod-1', quantity: 1, unitPrice: 9.5 })
    })
  }
]

/** BENCH_LOAD_ONLY=<regexp> keeps the kinds whose name matches, to find which one costs. */
const ONLY = process.env.BENCH_LOAD_ONLY === undefined ? undefined : new RegExp(process.env.BENCH_LOAD_ONLY)
const KEPT = KINDS.filter(k => ONLY === undefined || ONLY.test(k.name))

/** A fixed, interleaved sequence of requests with the kinds' weights; every connection walks it. */
function workload (): { requests: autocannon.Request[], counts: Map<string, number> } {
  const total = KEPT.reduce((sum, k) => sum + k.weight, 0)
  const requests: autocannon.Request[] = []
  const counts = new Map<string, number>()
  for (let n = 0; n < 1000; n++) {
    let slot = (n * 37) % total
    const kind = KEPT.find(k => (slot -= k.weight) < 0)!
    requests.push(kind.request(n))
    counts.set(kind.name, (counts.get(kind.name) ?? 0) + 1)
  }
  return { requests, counts }
}

async function main (): Promise<void> {
  const data = await dataset(ORDERS)
  const scratch = mkdtempSync(join(tmpdir(), 'relata-load-'))
  const file = join(scratch, 'load.db')
  // writes must not touch the cached dataset
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(data.path + suffix)) copyFileSync(data.path + suffix, file + suffix)
  }
  const server = await spawnServer('app', {
    env: {
      DATABASE_URL: `sqlite:${file}`,
      ...(SHED_MS === undefined ? {} : { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: SHED_MS })
    }
  })
  try {
    const before = await server.usage()
    const { requests, counts } = workload()
    const statuses = new Map<number, number>()
    let retryAfter = 0
    const instance = autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration: DURATION_SEC,
      requests: requests.map(r => ({
        ...r,
        onResponse: (status: number, _body: string, _context: object, headers: IncomingHttpHeaders | undefined) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          if (status === 503 && headers?.['retry-after'] !== undefined) retryAfter++
        }
      }))
    })
    const result = await instance
    const after = await server.usage()
    const non2xx = result.non2xx
    const shed = statuses.get(503) ?? 0
    const passed =
      result.errors === 0 &&
      result.timeouts === 0 &&
      (SHED_MS === undefined ? non2xx === 0 : non2xx === shed && retryAfter === shed)
    console.log(
      `## Mixed load${SHED_MS === undefined
? ''
: ` (overload: shedding past ${SHED_MS} ms of event-loop ` +
        'delay)'}: ${CONNECTIONS} connections, ${DURATION_SEC} s, SQLite file of ${ORDERS.toLocaleString('en-US')} ` +
        'orders\n'
    )
    console.log(
      markdownTable(
        ['request', 'share'],
        KEPT.map(k => [k.name, `${((counts.get(k.name) ?? 0) / 10).toFixed(0)} %`])
      )
    )
    console.log()
    console.log(
      markdownTable(
        ['figure', 'value'],
        [
          ['requests', result.requests.total],
          ['requests/s', Math.round(result.requests.average)],
          ['latency p50', `${result.latency.p50} ms`],
          ['latency p99', `${result.latency.p99} ms`],
          ['latency max', `${result.latency.max} ms`],
          ['errors (connection)', result.errors],
          ['timeouts', result.timeouts],
          ['non-2xx answers', non2xx],
          [
            'status codes',
            [...statuses]
              .sort((a, b) => a[0] - b[0])
              .map(([s, n]) => `${s}: ${n}`)
              .join(', ')
          ],
          ['server RSS before', `${(before.rssBytes / MB).toFixed(0)} MiB`],
          [
            'server RSS after',
            `${(after.rssBytes / MB).toFixed(0)} MiB (peak ${(after.maxRssBytes / MB).toFixed(0)} MiB)`
          ],
          ['503 with Retry-After', `${retryAfter} of ${shed}`],
          [
            SHED_MS === undefined ? 'no errors, no non-2xx' : 'no errors, every non-2xx a 503 with Retry-After',
            verdict(passed)
          ]
        ]
      )
    )
    if (!passed) throw new Error('the load run had errors or unexpected non-2xx answers')
  } finally {
    await server.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
}

benchMain('load', 5, main)
