// Mixed load on two Relata instances sharing one PostgreSQL database: 100 connections (half on
// each instance) for 30 s of the mixed workload (lib/mixed-workload.ts: graphs, pages, streams,
// patches, creates) on a fresh schema of BENCH_ORDERS sample orders, both instances with
// HEAL_NOTIFY on. Reports requests/s, latency, connection errors and non-2xx answers (both must
// be 0), then checks the data: every order patched by either instance reads back the same on both.
//   npx tsx bench/postgres-load.ts   (BENCH_LOAD_DURATION, BENCH_LOAD_CONNECTIONS, BENCH_ORDERS)
import autocannon from 'autocannon'
import pg from 'pg'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { generate, sampleSize } from './lib/dataset.js'
import { mixedWorkload } from './lib/mixed-workload.js'
import { PG_BENCH_URL, pgSchemaUrl } from './lib/pg-dataset.js'
import { markdownTable, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const DURATION_SEC = Number(process.env.BENCH_LOAD_DURATION ?? 30)
const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 100)

async function admin (sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_BENCH_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

async function load (server: ServerChild, connections: number): Promise<autocannon.Result> {
  return await autocannon({
    url: server.url,
    connections,
    duration: DURATION_SEC,
    requests: mixedWorkload(ORDERS).requests
  })
}

/** `200: 1500, 503: 12`. */
function statusText (result: autocannon.Result): string {
  return Object.entries(result.statusCodeStats ?? {})
    .map(([code, { count = 0 }]) => `${code}: ${count}`).join(', ')
}

benchMain('postgres-load', 10, async function main () {
  const schema = `relata_load_${process.pid}`
  await admin(`CREATE SCHEMA ${schema}`)
  const servers: ServerChild[] = []
  try {
    const url = pgSchemaUrl(schema)
    await generate(url, sampleSize(ORDERS))
    // 20 connections per instance (the server allows 100 in all); STORE_TIMEOUT_MS, the wait for
    // a pooled connection too, as BENCH_PG_LOAD_TIMEOUT_MS (5 s: the machines are shared)
    const env = {
      DATABASE_URL: url,
      HEAL_NOTIFY: 'true',
      PG_POOL_SIZE: '20',
      STORE_TIMEOUT_MS: process.env.BENCH_PG_LOAD_TIMEOUT_MS ?? '5000'
    }
    servers.push(await spawnServer('app', { env }), await spawnServer('app', { env }))
    const half = Math.floor(CONNECTIONS / 2)
    const results = await Promise.all([load(servers[0]!, half), load(servers[1]!, CONNECTIONS - half)])
    const sum = (f: (r: autocannon.Result) => number) => results.reduce((total, r) => total + f(r), 0)
    const errors = sum(r => r.errors) + sum(r => r.timeouts)
    const non2xx = sum(r => r.non2xx)
    // both instances read one database: a patched order reads back alike on each
    const reads = await Promise.all(servers.map(async s => await (await fetch(`${s.url}/api/orders/ord-1`)).text()))
    const consistent = reads[0] === reads[1]
    const peaks = await Promise.all(servers.map(async s => (await s.usage()).maxRssBytes / 1e6))
    console.log(`\n### Mixed load on two instances, one PostgreSQL database: ${CONNECTIONS} connections ` +
      `(${half} per instance), ${DURATION_SEC} s, ${ORDERS.toLocaleString('en-US')} orders\n`)
    console.log(markdownTable(['figure', 'instance A', 'instance B', 'both'], [
      ['requests', results[0]!.requests.total, results[1]!.requests.total, sum(r => r.requests.total)],
      ['requests/s', results[0]!.requests.average, results[1]!.requests.average, sum(r => r.requests.average)],
      ['latency p50 ms', results[0]!.latency.p50, results[1]!.latency.p50, '–'],
      ['latency p99 ms', results[0]!.latency.p99, results[1]!.latency.p99, '–'],
      ['connection errors + timeouts', results[0]!.errors + results[0]!.timeouts,
        results[1]!.errors + results[1]!.timeouts, errors],
      ['non-2xx', results[0]!.non2xx, results[1]!.non2xx, non2xx],
      ['status codes', statusText(results[0]!), statusText(results[1]!), '–'],
      ['peak RSS MB', peaks[0]!, peaks[1]!, '–'],
      ['0 errors, 0 non-2xx, same reads on both', '', '', verdict(errors === 0 && non2xx === 0 && consistent)]
    ]))
    if (errors > 0 || non2xx > 0 || !consistent) throw new Error('the load run had errors or non-2xx answers')
  } finally {
    for (const server of servers) await server.stop()
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  }
})
