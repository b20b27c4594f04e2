// Relata on PostgreSQL against the hand-written route (lib/pg-limit-server.ts: Fastify 5 + pg,
// one statement concatenating the stored documents), in one run, on the same schema: the single
// `GET /api/orders/:id?with=all` and the page of 100 `with=all`, each by Relata's one-statement
// path (GRAPHS_IN_STORE=true, the default) and its batched path (false); then the page of 100
// `with=all&depth=2`, one statement against batched. Answers are first checked byte for byte:
// the route's against Relata's, and the two paths' against each other.
// Then the NDJSON stream `with=all` of BENCH_PG_STREAM_ROWS orders (batched path): rows/s and
// the server's peak RSS. Targets (issue #13): single and page ≥ 0.8× the hand-written route;
// the 1,000,000-order stream under 300 MB. BENCH_PG_CASES=requests or stream runs one part.
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { pgDataset } from './lib/pg-dataset.js'
import { readBody } from './lib/read-body.js'
import { markdownTable, ratio, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_PG_ORDERS ?? 20_000)
const ITEMS = 4
const SIZE = 100
const STREAM_ROWS = Number(process.env.BENCH_PG_STREAM_ROWS ?? 1_000_000)

async function sameBytes (urls: readonly string[], path: string): Promise<void> {
  const bodies = await Promise.all(urls.map(async base => {
    const res = await fetch(base + path)
    if (!res.ok) throw new Error(`GET ${base}${path} answered ${res.status}: ${await res.text()}`)
    return await res.text()
  }))
  if (bodies.some(body => body !== bodies[0])) {
    throw new Error(`different bytes for ${path}:\n${bodies.map(b => b.slice(0, 300)).join('\n')}`)
  }
}

async function streamCase (): Promise<void> {
  const url = await pgDataset(STREAM_ROWS)
  const server = await spawnServer('app', { env: { DATABASE_URL: url } })
  try {
    const started = performance.now()
    const lines = (await readBody(`${server.url}/api/orders/stream?with=all`, false)).lines
    const seconds = (performance.now() - started) / 1000
    const peak = (await server.usage()).maxRssBytes / 1e6
    if (lines !== STREAM_ROWS) throw new Error(`the stream answered ${lines} lines, not ${STREAM_ROWS}`)
    console.log(`\n### NDJSON stream with=all of ${STREAM_ROWS.toLocaleString('en-US')} orders (3 items each) ` +
      'on PostgreSQL\n')
    console.log(markdownTable(['case', 'rows/s', 'seconds', 'peak RSS MB', 'target'], [
      ['GET /api/orders/stream?with=all', lines / seconds, seconds, peak, `< 300 MB: ${verdict(peak < 300)}`]
    ]))
  } finally {
    await server.stop()
  }
}

benchMain('postgres-graphs', 40, async function main () {
  const only = process.env.BENCH_PG_CASES ?? 'requests,stream'
  if (only.includes('requests')) await requestCases()
  if (only.includes('stream')) await streamCase()
})

async function requestCases (): Promise<void> {
  const url = await pgDataset(ORDERS, ITEMS)
  const ids = spreadIds(ORDERS)
  const pages = Math.floor(ORDERS / SIZE)
  const pageAt = (i: number) => 1 + ((i * 37) % pages)
  const single = ids.map(id => `/api/orders/ord-${id}?with=all`)
  const page = Array.from({ length: pages }, (_, i) => `/api/orders?with=all&size=${SIZE}&page=${pageAt(i)}`)
  const deep = Array.from({ length: pages }, (_, i) => `/api/orders?with=all&depth=2&size=${SIZE}&page=${pageAt(i)}`)
  const children: ServerChild[] = []
  try {
    const limit = await spawnServer('pg-limit', { env: { DATABASE_URL: url } })
    children.push(limit)
    const statement = await spawnServer('app', { env: { DATABASE_URL: url, GRAPHS_IN_STORE: 'true' } })
    children.push(statement)
    const batched = await spawnServer('app', { env: { DATABASE_URL: url, GRAPHS_IN_STORE: 'false' } })
    children.push(batched)
    for (const path of [...single.slice(0, 3), ...page.slice(0, 3)]) {
      await sameBytes([limit.url, statement.url, batched.url], path)
    }
    for (const path of deep.slice(0, 3)) await sameBytes([statement.url, batched.url], path)
    const cases = [
      { name: 'route single', url: limit.url, paths: single },
      { name: 'statement single', url: statement.url, paths: single },
      { name: 'batched single', url: batched.url, paths: single },
      { name: 'route page', url: limit.url, paths: page },
      { name: 'statement page', url: statement.url, paths: page },
      { name: 'batched page', url: batched.url, paths: page },
      { name: 'statement depth 2', url: statement.url, paths: deep },
      { name: 'batched depth 2', url: batched.url, paths: deep }
    ]
    const r = await compare(cases)
    console.log(`\n### Relata on PostgreSQL / hand-written Fastify + pg route — ${ORDERS.toLocaleString('en-US')} ` +
      `orders × ${ITEMS} items, ${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds\n`)
    const row = (label: string, route: number | undefined, one: number, batch: number) => {
      const base = route === undefined ? undefined : r[route]!.requestsPerSec
      const best = Math.max(r[one]!.requestsPerSec, r[batch]!.requestsPerSec)
      return [label, base ?? '–', r[one]!.requestsPerSec, r[batch]!.requestsPerSec,
        ratio(r[one]!.requestsPerSec, r[batch]!.requestsPerSec),
        base === undefined ? '–' : ratio(best, base),
        base === undefined ? '–' : `≥ 0.8: ${verdict(best / base >= 0.8)}`,
        `${r[one]!.latencyMeanMs.toFixed(1)} / ${r[batch]!.latencyMeanMs.toFixed(1)}`,
        [rejectedText(r[one]!), rejectedText(r[batch]!)].join(' / ')]
    }
    console.log(markdownTable(['case', 'route req/s', 'one statement req/s', 'batched req/s',
      'statement / batched', 'Relata best / route', 'target', 'mean ms (statement / batched)', 'non-2xx'], [
      row('GET /api/orders/:id?with=all', 0, 1, 2),
      row(`GET /api/orders?with=all&size=${SIZE}`, 3, 4, 5),
      row(`GET /api/orders?with=all&depth=2&size=${SIZE}`, undefined, 6, 7)
    ]))
  } finally {
    for (const child of children) await child.stop()
  }
}
