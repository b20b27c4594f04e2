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
import { mixedWorkload } from './lib/mixed-workload.js'
import { benchMain } from './lib/bench-main.js'
import { spawnServer } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { markdownTable, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const DURATION_SEC = Number(process.env.BENCH_LOAD_DURATION ?? 30)
const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 100)
const SHED_MS = process.env.BENCH_LOAD_SHED_MS
const MB = 1024 * 1024

const { requests: WORKLOAD, counts: COUNTS, kinds: KEPT } = mixedWorkload(ORDERS)

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
    const [requests, counts] = [WORKLOAD, COUNTS]
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
