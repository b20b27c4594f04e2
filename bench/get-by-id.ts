// GET one order by id: requests/s of (a) a bare Fastify route answering precomputed bytes
// identical to the `?with=all` answer (the ceiling of the HTTP stack), (b) the plain document
// and (c) the order with its customer and items, all from a SQLite file of 10,000 orders.
// Each server runs in its own child process; autocannon runs here. Target: (c) ≥ 0.5 × (a).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, load, spreadIds, type LoadResult } from './lib/load.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { markdownTable, ratio, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const TARGET = 0.5

async function main (): Promise<void> {
  const data = await dataset(ORDERS)
  const ids = spreadIds(ORDERS)
  const scratch = mkdtempSync(join(tmpdir(), 'relata-bench-'))
  const children: ServerChild[] = []
  try {
    const appProfile = profileDir('get-by-id-app')
    const app = await spawnServer('app', { env: { DATABASE_URL: data.url }, ...(appProfile === undefined ? {} : { profileDir: appProfile }) })
    children.push(app)
    const sample = await fetch(`${app.url}/api/orders/ord-1?with=all`)
    if (!sample.ok) throw new Error(`GET /api/orders/ord-1?with=all answered ${sample.status}: ${await sample.text()}`)
    const bodyFile = join(scratch, 'order-graph.json')
    const body = Buffer.from(await sample.arrayBuffer())
    assertGraph(JSON.parse(body.toString('utf8')))
    writeFileSync(bodyFile, body)
    const bare = await spawnServer('bare', { env: { BENCH_BODY_FILE: bodyFile } })
    children.push(bare)

    const withAll = ids.map(id => `/api/orders/ord-${id}?with=all`)
    const plain = ids.map(id => `/api/orders/ord-${id}`)
    const rows: Array<[string, LoadResult]> = []
    rows.push(['(a) bare Fastify route, precomputed `with=all` bytes', await load(bare.url, { paths: withAll })])
    rows.push(['(b) GET /api/orders/:id', await load(app.url, { paths: plain })])
    rows.push(['(c) GET /api/orders/:id?with=all', await load(app.url, { paths: withAll })])
    const { maxRssBytes } = await app.usage()
    for (const child of children) await child.stop()
    printHotSpots('app, during (b) and (c)', appProfile)

    const ceiling = rows[0]![1].requestsPerSec
    const graph = rows[2]![1].requestsPerSec
    console.log(`\n### GET by id — ${ORDERS.toLocaleString('en-US')} orders × 3 items in SQLite, ${CONNECTIONS} connections, ${DURATION_SEC} s each, ${ids.length.toLocaleString('en-US')} distinct ids, ${body.length} B graph\n`)
    console.log(markdownTable(
      ['case', 'req/s', 'vs (a)', 'mean ms', 'p99 ms', 'MB/s'],
      rows.map(([name, r]) => [name, r.requestsPerSec, ratio(r.requestsPerSec, ceiling), r.latencyMeanMs, r.latencyP99Ms, r.bytesPerSec / 1e6])
    ))
    console.log(`\n(c)/(a) = ${(graph / ceiling).toFixed(2)} (target ≥ ${TARGET}: ${verdict(graph / ceiling >= TARGET)}); (c)/(b) = ${(graph / rows[1]![1].requestsPerSec).toFixed(2)}; app server peak RSS ${(maxRssBytes / 1e6).toFixed(0)} MB`)
  } finally {
    for (const child of children) await child.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
}

function assertGraph (graph: unknown): void {
  const g = graph as { entity?: { id?: string }, parents?: { customerId?: unknown }, children?: { OrderItem?: { orderId?: unknown[] } } }
  if (g.entity?.id !== 'ord-1' || g.parents?.customerId == null || g.children?.OrderItem?.orderId?.length !== 3) {
    throw new Error(`unexpected ?with=all answer: ${JSON.stringify(graph)}`)
  }
}

benchMain('get-by-id', 10, main)
