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
import { BackendCpu, namedUrl, processCpuMs } from './lib/cpu.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { pgDataset } from './lib/pg-dataset.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { readBody } from './lib/read-body.js'
import { markdownTable, ratio, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_PG_ORDERS ?? 20_000)
const ITEMS = 4
const SIZE = 100
/** Connections of each server's pool (PG_POOL_SIZE), the route's and Relata's alike. */
const POOL = Number(process.env.PG_POOL_SIZE ?? 10)
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
  const kinds = requestKinds(process.env.BENCH_PG_CASES ?? 'requests,stream')
  if (['single', 'page', 'depth'].some(kind => kinds.has(kind))) await requestCases(kinds)
  if (kinds.has('stream')) await streamCase()
})

/** The request cases to run, from BENCH_PG_CASES: `requests` is all three. */
function requestKinds (only: string): Set<string> {
  const kinds = new Set(only.split(',').flatMap(kind => kind === 'requests' ? ['single', 'page', 'depth'] : [kind]))
  for (const kind of kinds) if (!['single', 'page', 'depth', 'stream'].includes(kind)) throw new Error(`case ${kind}?`)
  return kinds
}

interface Side {
  child: ServerChild
  backends: BackendCpu
  profile: string | undefined
  label: string
}

/** A server child whose pool names its backends (application_name), so that their CPU is counted. */
async function spawnSide (kind: 'app' | 'pg-limit', label: string, url: string,
  env: Record<string, string> = {}): Promise<Side> {
  const name = `relata-bench-${label}`
  const profile = profileDir(`pg-${label}`)
  const child = await spawnServer(kind, {
    env: { DATABASE_URL: namedUrl(url, name), PG_POOL_SIZE: String(POOL), ...env },
    ...(profile === undefined ? {} : { profileDir: profile })
  })
  return { child, backends: await BackendCpu.start(url, name), profile, label }
}

function counted (side: Side): Record<string, () => number | Promise<number>> {
  return { node: () => processCpuMs(side.child.pid), backend: async () => await side.backends.totalMs() }
}

async function requestCases (kinds: Set<string>): Promise<void> {
  const url = await pgDataset(ORDERS, ITEMS)
  const ids = spreadIds(ORDERS)
  const pages = Math.floor(ORDERS / SIZE)
  const pageAt = (i: number) => 1 + ((i * 37) % pages)
  const single = ids.map(id => `/api/orders/ord-${id}?with=all`)
  const page = Array.from({ length: pages }, (_, i) => `/api/orders?with=all&size=${SIZE}&page=${pageAt(i)}`)
  const deep = Array.from({ length: pages }, (_, i) => `/api/orders?with=all&depth=2&size=${SIZE}&page=${pageAt(i)}`)
  const sides: Side[] = []
  try {
    const limit = await spawnSide('pg-limit', 'route', url)
    sides.push(limit)
    const statement = await spawnSide('app', 'statement', url, { GRAPHS_IN_STORE: 'true' })
    sides.push(statement)
    const batched = await spawnSide('app', 'batched', url, { GRAPHS_IN_STORE: 'false' })
    sides.push(batched)
    const [route, one, batch] = [limit.child.url, statement.child.url, batched.child.url]
    for (const path of [...single.slice(0, 3), ...page.slice(0, 3)]) await sameBytes([route, one, batch], path)
    for (const path of deep.slice(0, 3)) await sameBytes([one, batch], path)
    const all = [
      { kind: 'single', name: 'route single', side: limit, paths: single },
      { kind: 'single', name: 'statement single', side: statement, paths: single },
      { kind: 'single', name: 'batched single', side: batched, paths: single },
      { kind: 'page', name: 'route page', side: limit, paths: page },
      { kind: 'page', name: 'statement page', side: statement, paths: page },
      { kind: 'page', name: 'batched page', side: batched, paths: page },
      { kind: 'depth', name: 'statement depth 2', side: statement, paths: deep },
      { kind: 'depth', name: 'batched depth 2', side: batched, paths: deep }
    ].filter(c => kinds.has(c.kind))
    const results = await compare(all.map(c =>
      ({ name: c.name, url: c.side.child.url, paths: c.paths, counters: counted(c.side) })))
    const r = new Map(all.map((c, i) => [c.name, results[i]!]))
    console.log(`\n### Relata on PostgreSQL / hand-written Fastify + pg route — ${ORDERS.toLocaleString('en-US')} ` +
      `orders × ${ITEMS} items, ${CONNECTIONS} connections, pools of ${POOL}, ${DURATION_SEC} s each in ` +
      `${ROUNDS} interleaved rounds\n`)
    const rate = (name: string) => r.get(name)?.requestsPerSec
    const row = (label: string, kind: string) => {
      const [base, one, batch] = [rate(`route ${kind}`), rate(`statement ${kind}`)!, rate(`batched ${kind}`)!]
      const [oneResult, batchResult] = [r.get(`statement ${kind}`)!, r.get(`batched ${kind}`)!]
      const best = Math.max(one, batch)
      return [label, base ?? '–', one, batch, ratio(one, batch),
        base === undefined ? '–' : ratio(best, base),
        base === undefined ? '–' : `≥ 0.8: ${verdict(best / base >= 0.8)}`,
        `${oneResult.latencyMeanMs.toFixed(1)} / ${batchResult.latencyMeanMs.toFixed(1)}`,
        [rejectedText(oneResult), rejectedText(batchResult)].join(' / ')]
    }
    const labels: Record<string, string> = {
      single: 'GET /api/orders/:id?with=all',
      page: `GET /api/orders?with=all&size=${SIZE}`,
      depth: `GET /api/orders?with=all&depth=2&size=${SIZE}`
    }
    console.log(markdownTable(['case', 'route req/s', 'one statement req/s', 'batched req/s',
      'statement / batched', 'Relata best / route', 'target', 'mean ms (statement / batched)', 'non-2xx'],
    ['single', 'page', 'depth'].filter(kind => kinds.has(kind)).map(kind => row(labels[kind]!, kind))))
    console.log('\nCPU per request, both sides counted: the server child (Node) and the PostgreSQL backends ' +
      'of its pool (/proc utime + stime, sampled every 200 ms)\n')
    const cpu = all.map(c => {
      const { counters = {}, requests } = r.get(c.name)!
      const [node, backend] = [counters.node! / requests, counters.backend! / requests]
      const base = r.get(c.name.replace(/^\w+/, 'route'))
      const baseMs = base?.counters === undefined
        ? undefined
        : (base.counters.node! + base.counters.backend!) / base.requests
      return [c.name, node, backend, node + backend, baseMs === undefined ? '–' : ratio(node + backend, baseMs)]
    })
    console.log(markdownTable(['case', 'Node CPU ms/req', 'backend CPU ms/req', 'total ms/req', 'total / route'], cpu))
  } finally {
    for (const side of sides) {
      await side.child.stop()
      await side.backends.stop()
      printHotSpots(side.label, side.profile)
    }
  }
}
